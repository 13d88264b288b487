"""Shared foundation: the error hierarchy, the encoded-dataset format and the CLI."""
