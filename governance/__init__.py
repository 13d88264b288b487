"""Governance: PKI, catalogue, sharing agreements, key distribution and the audit log."""
