"""The governance database schema, one numbered migration at a time (PRAGMA user_version).

Never edit a released migration: add the next one. `migrate` applies the missing ones, each in
its own transaction, and refuses a database newer than this code.
"""

from __future__ import annotations

import sqlite3

from pprl.errors import GovernanceError

MIGRATIONS: tuple[str, ...] = (
    # 1: identities, catalogue, agreements, audit chain, wrapped secrets
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE departments (
        code TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        certificate_pem BLOB NOT NULL,
        fingerprint TEXT NOT NULL UNIQUE,
        serial TEXT NOT NULL,
        registered_at TEXT NOT NULL
    );
    CREATE TABLE catalogue_entries (
        entry_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        category TEXT NOT NULL,
        name TEXT NOT NULL,
        provider TEXT NOT NULL REFERENCES departments(code),
        data_format TEXT NOT NULL,
        fields TEXT NOT NULL,
        update_cycle TEXT NOT NULL,
        sharing_type TEXT NOT NULL,
        sharing_conditions TEXT NOT NULL,
        sharing_scope TEXT NOT NULL,
        sharing_method TEXT NOT NULL,
        source_system TEXT NOT NULL,
        security_level TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        PRIMARY KEY (entry_id, version)
    );
    CREATE TABLE agreements (
        agreement_id TEXT PRIMARY KEY,
        application TEXT NOT NULL,
        sharing_type TEXT NOT NULL,
        required_approvers TEXT NOT NULL,
        applied_at TEXT NOT NULL,
        applicant_signature BLOB NOT NULL,
        revoked_at TEXT,
        revoked_by TEXT
    );
    CREATE TABLE approvals (
        agreement_id TEXT NOT NULL REFERENCES agreements(agreement_id),
        party TEXT NOT NULL,
        approved_at TEXT NOT NULL,
        certificate_fingerprint TEXT NOT NULL,
        signature BLOB NOT NULL,
        PRIMARY KEY (agreement_id, party)
    );
    CREATE TABLE wrapped_secrets (
        key_id TEXT NOT NULL,
        recipient TEXT NOT NULL,
        blob BLOB NOT NULL,
        stored_at TEXT NOT NULL,
        PRIMARY KEY (key_id, recipient)
    );
    CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        actor_fingerprint TEXT NOT NULL,
        action TEXT NOT NULL,
        agreement_id TEXT,
        purpose TEXT,
        details TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    );
    CREATE INDEX audit_by_actor ON audit_log(actor);
    CREATE INDEX audit_by_agreement ON audit_log(agreement_id);
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TABLE audit_anchors (
        seq INTEGER NOT NULL,
        head_hash TEXT NOT NULL,
        at TEXT NOT NULL,
        signer_certificate BLOB NOT NULL,
        signature BLOB NOT NULL
    );
    """,
    # 2: every certificate ever registered (to re-check stored signatures later) and the
    #    applicant's certificate on each agreement
    """
    CREATE TABLE certificates (
        fingerprint TEXT PRIMARY KEY,
        department TEXT NOT NULL,
        pem BLOB NOT NULL,
        registered_at TEXT NOT NULL
    );
    INSERT INTO certificates(fingerprint, department, pem, registered_at)
        SELECT fingerprint, code, certificate_pem, registered_at FROM departments;
    ALTER TABLE agreements ADD COLUMN applicant_fingerprint TEXT;
    UPDATE agreements SET applicant_fingerprint = (
        SELECT fingerprint FROM departments
        WHERE code = json_extract(agreements.application, '$.consumer')
    );
    """,
    # 3: risk warnings (governance.warnings): batches with the seed of their joint-verification
    #    draw, and one row per warning holding opaque record tokens only
    """
    CREATE TABLE warning_batches (
        batch_id TEXT PRIMARY KEY,
        agreement_id TEXT NOT NULL REFERENCES agreements(agreement_id),
        source TEXT NOT NULL,
        left_dataset TEXT NOT NULL,
        right_dataset TEXT NOT NULL,
        rules_version TEXT NOT NULL,
        seed TEXT NOT NULL,
        issued_by TEXT NOT NULL,
        issued_at TEXT NOT NULL,
        UNIQUE (agreement_id, source, left_dataset, right_dataset)
    );
    CREATE TABLE warnings (
        warning_id TEXT PRIMARY KEY,
        batch_id TEXT NOT NULL REFERENCES warning_batches(batch_id),
        agreement_id TEXT NOT NULL REFERENCES agreements(agreement_id),
        token_a TEXT NOT NULL,
        token_b TEXT NOT NULL,
        score REAL NOT NULL,
        rule_id TEXT NOT NULL,
        level TEXT NOT NULL CHECK (level IN ('red', 'orange', 'yellow', 'blue')),
        disposition_hint TEXT NOT NULL,
        joint_verification INTEGER NOT NULL CHECK (joint_verification IN (0, 1)),
        state TEXT NOT NULL CHECK (state IN ('issued', 'verified', 'disputed', 'cleared')),
        issued_at TEXT NOT NULL,
        deadline TEXT,
        disposition TEXT,
        dispute_reason TEXT,
        updated_at TEXT NOT NULL,
        UNIQUE (batch_id, token_a, token_b)
    );
    CREATE INDEX warnings_by_state ON warnings(state, level);
    CREATE INDEX warnings_by_agreement ON warnings(agreement_id);
    """,
)


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the schema up to date; return the resulting version."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise GovernanceError(
            f"governance database schema version {version} is newer than this software "
            f"({len(MIGRATIONS)})"
        )
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        # executescript commits first; wrap each migration in its own transaction.
        try:
            conn.executescript(
                f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;"
            )
        except sqlite3.Error:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    return len(MIGRATIONS)
