"""Governance: PKI, catalogue, sharing agreements, key distribution and the audit log.

Modules, in the order the data flows:

    certs        reading and checking certificates, signatures (every party)
    pki          the office's CA: init, issue (or certify a department's request), revoke, CRL
    model        enums and frozen records: catalogue entries, applications, agreements, actions
    rules        who approves what by sharing type, and which side may do which action
    store        GovernanceStore: the SQLite file in the matcher's data directory
                 (store_base: connection and transactions; store_catalogue: the catalogue;
                 store_agreements: agreements; store_audit: the audit log; migrations: the
                 schema versions)
    audit        the hash chain and its verification, office-signed anchors
    envelope     the public header of a wrapped linkage secret (all the matcher reads of it)
    keywrap      wrap/unwrap the linkage secret to a department certificate (departments only)
    cli*         `pprl pki|catalog|agreement|audit` and `pprl keys share|receive`

This package deliberately imports nothing on import, so the matcher process never loads
`keywrap` (a test checks it).
"""
