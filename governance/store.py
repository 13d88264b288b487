"""The governance store: one SQLite file in the matcher's data directory.

API (the clock is passed in: `GovernanceStore(path, clock=lambda: datetime(..., tzinfo=utc))`):

    store = GovernanceStore(data_dir / "governance.sqlite")
    store.trust(ca_certificate_pem)                   the office's CA; set once
    store.update_crl(crl_pem)                         the CA's latest revocation list
    store.register_department(certificate_pem)       -> Identity (verified against the CA)
    store.identify(certificate_pem | x509.Certificate)-> Identity, or AuthorisationError
    store.add_catalogue_entry(signer, **items)        -> CatalogueEntry (next version if id exists)
    store.apply(signer, UseApplication)               -> Agreement (signer = consumer)
    store.approve(signer, agreement_id)               -> Agreement
    store.revoke_agreement(signer, agreement_id)      -> Agreement
    store.authorise(department_code, action, agreement_id) -> Agreement   (transport calls this)
    store.audit(actor, action, agreement_id=None, details={})   append to the hash chain
    store.verify_audit(anchor=None) -> ChainReport;  store.anchor_audit(office_signer) -> Anchor
    store.relay_wrapped_secrets([blob, ...]) / store.collect_wrapped_secret(certificate)

`authorise` raises AuthorisationError("permission denied") for every refusal alike (unknown
agreement, wrong party, pending, expired, revoked) and logs the refusal in the audit chain.
Every change runs in one transaction together with its audit entry: nothing is half-written.
Wrapped linkage secrets are stored and relayed as opaque blobs; nothing here can unwrap them.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from governance import pki, rules
from governance.audit import (
    GENESIS,
    Anchor,
    AuditEntry,
    ChainReport,
    anchor_message,
    check_details,
    entry_hash,
    verify_chain,
)
from governance.envelope import EnvelopeHeader, envelope_header
from governance.migrations import migrate
from governance.model import (
    Action,
    Agreement,
    CatalogueEntry,
    DataFormat,
    SecurityLevel,
    SharingMethod,
    SharingType,
    UpdateCycle,
    UseApplication,
)
from pprl.errors import (
    AuthorisationError,
    GovernanceError,
    InputError,
    IntegrityError,
    PprlError,
)

Clock = Callable[[], dt.datetime]
DB_FILE = "governance.sqlite"


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _iso(when: dt.datetime) -> str:
    return when.astimezone(dt.timezone.utc).isoformat()


def _parse(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text)


def application_to_json(app: UseApplication) -> str:
    return json.dumps(
        {
            "consumer": app.consumer,
            "provider": app.provider,
            "entries": [[e, v] for e, v in app.entries],
            "purpose": app.purpose,
            "scenario": app.scenario,
            "spatial_scope": app.spatial_scope,
            "disclose_fields": list(app.disclose_fields),
            "valid_from": _iso(app.valid_from),
            "valid_until": _iso(app.valid_until),
            "named_parties": list(app.named_parties),
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def application_from_json(text: str) -> UseApplication:
    d = json.loads(text)
    return UseApplication(
        consumer=d["consumer"],
        provider=d["provider"],
        entries=tuple((e, int(v)) for e, v in d["entries"]),
        purpose=d["purpose"],
        scenario=d["scenario"],
        spatial_scope=d["spatial_scope"],
        disclose_fields=tuple(d["disclose_fields"]),
        valid_from=dt.datetime.fromisoformat(d["valid_from"]),
        valid_until=dt.datetime.fromisoformat(d["valid_until"]),
        named_parties=tuple(d["named_parties"]),
    )


def approval_message(agreement_id: str, application_json: str) -> bytes:
    return f"pprl/approve/v1\0{agreement_id}\0{application_json}".encode()


def application_message(application_json: str) -> bytes:
    return f"pprl/apply/v1\0{application_json}".encode()


class GovernanceStore:
    """Departments, catalogue, agreements, wrapped secrets and the audit chain in SQLite."""

    def __init__(self, db_path: str | Path, *, clock: Clock = utc_now) -> None:
        self.path = Path(db_path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._clock = clock
        self._lock = threading.RLock()
        try:
            self._conn = sqlite3.connect(
                str(self.path), isolation_level=None, check_same_thread=False, timeout=30
            )
            self._conn.execute("PRAGMA foreign_keys = ON")
            self._conn.execute("PRAGMA journal_mode = WAL")
            migrate(self._conn)
        except sqlite3.DatabaseError as exc:
            raise GovernanceError(f"cannot open governance database {self.path}: {exc}") from None

    # --- plumbing ------------------------------------------------------------------------
    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> GovernanceStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def now(self) -> dt.datetime:
        return self._clock()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; rolled back entirely on any error."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            else:
                self._conn.execute("COMMIT")

    def _one(self, sql: str, params: tuple | list = ()) -> tuple | None:
        """One row, read under the store's lock (never inside another thread's transaction)."""
        with self._lock:
            return self._conn.execute(sql, params).fetchone()

    def _all(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def _meta(self, key: str) -> str | None:
        row = self._one("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else row[0]

    def _set_meta(self, conn: sqlite3.Connection, key: str, value: str) -> None:
        conn.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # --- trust: CA, CRL, departments -----------------------------------------------------
    def trust(self, ca_certificate_pem: bytes) -> None:
        """Set the office's CA certificate. Changing it later is refused."""
        ca = pki.certificate_from_pem(ca_certificate_pem)
        pem = ca.public_bytes(serialization.Encoding.PEM).decode("ascii")
        with self._transaction() as conn:
            current = self._meta("ca_certificate")
            if current is not None and current != pem:
                raise GovernanceError("this store already trusts a different CA")
            if current is None:
                self._set_meta(conn, "ca_certificate", pem)
                self._append_audit(conn, "local", "", "ca.trust", None, None, {})

    def ca_certificate(self) -> x509.Certificate:
        pem = self._meta("ca_certificate")
        if pem is None:
            raise GovernanceError("no CA trusted yet; run `pprl pki init` first")
        return pki.certificate_from_pem(pem.encode("ascii"))

    def update_crl(self, crl_pem: bytes) -> None:
        """Store the CA's latest revocation list (signed by the trusted CA, not older)."""
        try:
            crl = x509.load_pem_x509_crl(crl_pem)
        except ValueError:
            raise InputError("not a PEM revocation list") from None
        if not crl.is_signature_valid(self.ca_certificate().public_key()):  # type: ignore[arg-type]
            raise IntegrityError("revocation list is not signed by the trusted CA")
        with self._transaction() as conn:
            current = self.crl()
            # An older list could un-revoke a certificate: only newer ones replace the stored one.
            if current is not None and crl.last_update_utc < current.last_update_utc:
                raise IntegrityError("revocation list is older than the one already in force")
            self._set_meta(conn, "crl", crl_pem.decode("ascii"))
            self._append_audit(
                conn, "local", "", "crl.update", None, None, {"revoked": len(list(crl))}
            )

    def crl(self) -> x509.CertificateRevocationList | None:
        pem = self._meta("crl")
        return None if pem is None else x509.load_pem_x509_crl(pem.encode("ascii"))

    def register_department(self, certificate_pem: bytes) -> pki.Identity:
        """Register (or re-register after re-issue) the holder of a CA-issued certificate."""
        cert = pki.certificate_from_pem(certificate_pem)
        try:
            ident = pki.verify_certificate(cert, self.ca_certificate(), self.crl(), self.now())
        except AuthorisationError:
            raise GovernanceError(
                "certificate not issued by the trusted CA, expired or revoked"
            ) from None
        pem = cert.public_bytes(serialization.Encoding.PEM)
        with self._transaction() as conn:
            if ident.role is pki.Role.OFFICE:
                office = self._meta("office")
                if office is not None and office != ident.department:
                    raise GovernanceError(f"the office is already registered as {office}")
                self._set_meta(conn, "office", ident.department)
            conn.execute(
                "INSERT INTO departments(code, name, role, certificate_pem, fingerprint, serial,"
                " registered_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(code) DO UPDATE SET"
                " name = excluded.name, role = excluded.role,"
                " certificate_pem = excluded.certificate_pem,"
                " fingerprint = excluded.fingerprint, serial = excluded.serial,"
                " registered_at = excluded.registered_at",
                (
                    ident.department,
                    ident.name,
                    ident.role.value,
                    pem,
                    ident.fingerprint,
                    str(ident.serial),
                    _iso(self.now()),
                ),
            )
            self._append_audit(
                conn,
                "local",
                "",
                "department.register",
                None,
                None,
                {
                    "department": ident.department,
                    "role": ident.role.value,
                    "serial": str(ident.serial),
                },
            )
        return ident

    def departments(self) -> list[dict]:
        rows = self._all(
            "SELECT code, name, role, fingerprint, serial, registered_at FROM departments "
            "ORDER BY code"
        )
        keys = ("code", "name", "role", "fingerprint", "serial", "registered_at")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def department_certificate(self, code: str) -> x509.Certificate:
        row = self._one("SELECT certificate_pem FROM departments WHERE code = ?", (code,))
        if row is None:
            raise GovernanceError(f"department {code} is not registered")
        return pki.certificate_from_pem(bytes(row[0]))

    def office(self) -> str:
        office = self._meta("office")
        if office is None:
            raise GovernanceError("the office is not registered; run `pprl pki init` first")
        return office

    def identify(self, certificate: bytes | x509.Certificate) -> pki.Identity:
        """The registered identity behind a peer certificate; AuthorisationError otherwise.

        The certificate must chain to the trusted CA, be in date, not be on the stored CRL and
        be exactly the certificate registered for its department code.
        """
        try:
            cert = (
                certificate
                if isinstance(certificate, x509.Certificate)
                else x509.load_pem_x509_certificate(certificate)
            )
            ident = pki.verify_certificate(cert, self.ca_certificate(), self.crl(), self.now())
        except (ValueError, GovernanceError):
            raise AuthorisationError() from None
        row = self._one("SELECT fingerprint FROM departments WHERE code = ?", (ident.department,))
        if row is None or row[0] != ident.fingerprint:
            raise AuthorisationError()
        return ident

    def _signed_by(self, signer: pki.Signer, message: bytes) -> tuple[pki.Identity, bytes]:
        ident = self.identify(signer.certificate)
        signature = signer.sign(message)
        pki.verify_signature(signer.certificate, message, signature)
        return ident, signature

    # --- catalogue ----------------------------------------------------------------------
    def add_catalogue_entry(
        self,
        signer: pki.Signer,
        *,
        entry_id: str,
        category: str,
        name: str,
        provider: str,
        data_format: DataFormat,
        fields: tuple[str, ...],
        update_cycle: UpdateCycle,
        sharing_type: SharingType,
        sharing_conditions: str,
        sharing_scope: str,
        sharing_method: SharingMethod,
        source_system: str,
        security_level: SecurityLevel,
    ) -> CatalogueEntry:
        """Publish a catalogue entry, or its next version if the id exists. Office or provider."""
        pki.check_department_code(entry_id)
        if not fields or len(set(fields)) != len(fields):
            raise InputError("a catalogue entry needs distinct information items", field="fields")
        for label, value in (("category", category), ("name", name)):
            if not value:
                raise InputError("must not be empty", field=label)
        ident = self.identify(signer.certificate)
        if ident.department not in (provider, self.office()):
            raise AuthorisationError()
        with self._transaction() as conn:
            if (
                conn.execute("SELECT 1 FROM departments WHERE code = ?", (provider,)).fetchone()
                is None
            ):
                raise GovernanceError(f"provider {provider} is not a registered department")
            row = conn.execute(
                "SELECT COALESCE(MAX(version), 0) FROM catalogue_entries WHERE entry_id = ?",
                (entry_id,),
            ).fetchone()
            version = int(row[0]) + 1
            now = self.now()
            conn.execute(
                "INSERT INTO catalogue_entries VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    entry_id,
                    version,
                    category,
                    name,
                    provider,
                    data_format.value,
                    json.dumps(list(fields), ensure_ascii=False),
                    update_cycle.value,
                    sharing_type.value,
                    sharing_conditions,
                    sharing_scope,
                    sharing_method.value,
                    source_system,
                    security_level.value,
                    _iso(now),
                    ident.department,
                ),
            )
            self._append_audit(
                conn,
                ident.department,
                ident.fingerprint,
                "catalogue.add",
                None,
                None,
                {"entry_id": entry_id, "version": version, "sharing_type": sharing_type.value},
            )
        return self.catalogue_entry(entry_id, version)

    def catalogue_entry(self, entry_id: str, version: int | None = None) -> CatalogueEntry:
        if version is None:
            row = self._one(
                "SELECT * FROM catalogue_entries WHERE entry_id = ? ORDER BY version DESC LIMIT 1",
                (entry_id,),
            )
        else:
            row = self._one(
                "SELECT * FROM catalogue_entries WHERE entry_id = ? AND version = ?",
                (entry_id, version),
            )
        if row is None:
            suffix = "" if version is None else f" version {version}"
            raise GovernanceError(f"no catalogue entry {entry_id}{suffix}")
        return _entry_from_row(row)

    def catalogue(self, *, all_versions: bool = False) -> list[CatalogueEntry]:
        if all_versions:
            sql = "SELECT * FROM catalogue_entries ORDER BY entry_id, version"
        else:
            sql = (
                "SELECT c.* FROM catalogue_entries c WHERE version = (SELECT MAX(version) "
                "FROM catalogue_entries WHERE entry_id = c.entry_id) ORDER BY entry_id"
            )
        return [_entry_from_row(row) for row in self._all(sql)]

    # --- agreements ---------------------------------------------------------------------
    def apply(self, signer: pki.Signer, application: UseApplication) -> Agreement:
        """File a use application signed by its consumer; it authorises nothing until approved."""
        ident = self.identify(signer.certificate)
        if ident.department != application.consumer:
            raise AuthorisationError()
        entries = [self.catalogue_entry(e, v) for e, v in application.entries]
        self._check_application(application, entries)
        sharing_type = rules.strictest([e.sharing_type for e in entries])
        if sharing_type is SharingType.DEDICATED:
            if not {application.consumer, application.provider} <= set(application.named_parties):
                raise InputError(
                    "dedicated sharing names its parties, consumer and provider included",
                    field="named_parties",
                )
        elif application.named_parties:
            raise InputError("named parties apply to dedicated sharing only", field="named_parties")
        approvers = rules.required_approvers(
            sharing_type,
            consumer=application.consumer,
            provider=application.provider,
            office=self.office(),
            named_parties=application.named_parties,
        )
        app_json = application_to_json(application)
        _, signature = self._signed_by(signer, application_message(app_json))
        agreement_id = "AG-" + secrets.token_hex(6).upper()
        with self._transaction() as conn:
            conn.execute(
                "INSERT INTO agreements VALUES (?, ?, ?, ?, ?, ?, NULL, NULL)",
                (
                    agreement_id,
                    app_json,
                    sharing_type.value,
                    json.dumps(list(approvers)),
                    _iso(self.now()),
                    signature,
                ),
            )
            self._append_audit(
                conn,
                ident.department,
                ident.fingerprint,
                "agreement.apply",
                agreement_id,
                application.purpose,
                {
                    "provider": application.provider,
                    "sharing_type": sharing_type.value,
                    "entries": [f"{e}@{v}" for e, v in application.entries],
                },
            )
        return self.agreement(agreement_id)

    def _check_application(self, app: UseApplication, entries: list[CatalogueEntry]) -> None:
        if not entries:
            raise InputError("an application names at least one catalogue entry", field="entries")
        for entry in entries:
            if entry.provider != app.provider:
                raise InputError(
                    f"catalogue entry {entry.entry_id} is provided by {entry.provider}, "
                    f"not {app.provider}",
                    field="entries",
                )
        offered = {f for e in entries for f in e.fields}
        extra = [f for f in app.disclose_fields if f not in offered]
        if extra:
            raise InputError(
                f"fields not in the catalogue entries: {', '.join(extra)}", field="disclose_fields"
            )
        if app.valid_until <= app.valid_from:
            raise InputError("validity ends before it starts", field="valid_until")
        if app.consumer == app.provider:
            raise InputError("consumer and provider must differ", field="provider")
        for label, value in (
            ("purpose", app.purpose),
            ("scenario", app.scenario),
            ("spatial_scope", app.spatial_scope),
        ):
            if not value.strip():
                raise InputError("must not be empty", field=label)
        for code in {app.provider, *app.named_parties}:
            if self._one("SELECT 1 FROM departments WHERE code = ?", (code,)) is None:
                raise GovernanceError(f"department {code} is not registered")

    def agreement(self, agreement_id: str) -> Agreement:
        row = self._one(
            "SELECT agreement_id, application, sharing_type, required_approvers, applied_at,"
            " revoked_at FROM agreements WHERE agreement_id = ?",
            (agreement_id,),
        )
        if row is None:
            raise GovernanceError(f"no agreement {agreement_id}")
        approvals = tuple(
            r[0]
            for r in self._all(
                "SELECT party FROM approvals WHERE agreement_id = ? ORDER BY approved_at, party",
                (agreement_id,),
            )
        )
        return Agreement(
            agreement_id=row[0],
            application=application_from_json(row[1]),
            sharing_type=SharingType(row[2]),
            required_approvers=tuple(json.loads(row[3])),
            applied_at=dt.datetime.fromisoformat(row[4]),
            approvals=approvals,
            revoked_at=_parse(row[5]),
        )

    def agreements(self, *, department: str | None = None) -> list[Agreement]:
        ids = [r[0] for r in self._all("SELECT agreement_id FROM agreements ORDER BY applied_at")]
        found = [self.agreement(i) for i in ids]
        if department is not None:
            found = [a for a in found if department in (a.consumer, a.provider, *a.parties)]
        return found

    def approve(self, signer: pki.Signer, agreement_id: str) -> Agreement:
        """Record the signer's approval; refused unless the signer is a required approver."""
        ident = self.identify(signer.certificate)
        agreement = self.agreement(agreement_id)
        if agreement.revoked_at is not None:
            raise GovernanceError(f"agreement {agreement_id} is revoked")
        if ident.department not in agreement.required_approvers:
            raise AuthorisationError()
        if ident.department in agreement.approvals:
            raise GovernanceError(f"{ident.department} has already approved {agreement_id}")
        app_json = application_to_json(agreement.application)
        _, signature = self._signed_by(signer, approval_message(agreement_id, app_json))
        with self._transaction() as conn:
            conn.execute(
                "INSERT INTO approvals VALUES (?, ?, ?, ?, ?)",
                (agreement_id, ident.department, _iso(self.now()), ident.fingerprint, signature),
            )
            self._append_audit(
                conn,
                ident.department,
                ident.fingerprint,
                "agreement.approve",
                agreement_id,
                agreement.purpose,
                {"sharing_type": agreement.sharing_type.value},
            )
        return self.agreement(agreement_id)

    def revoke_agreement(self, signer: pki.Signer, agreement_id: str) -> Agreement:
        """Revoke at once. The office, the provider or the consumer may do it."""
        ident = self.identify(signer.certificate)
        agreement = self.agreement(agreement_id)
        if ident.department not in (self.office(), agreement.provider, agreement.consumer):
            raise AuthorisationError()
        if agreement.revoked_at is not None:
            raise GovernanceError(f"agreement {agreement_id} is already revoked")
        with self._transaction() as conn:
            conn.execute(
                "UPDATE agreements SET revoked_at = ?, revoked_by = ? WHERE agreement_id = ?",
                (_iso(self.now()), ident.department, agreement_id),
            )
            self._append_audit(
                conn,
                ident.department,
                ident.fingerprint,
                "agreement.revoke",
                agreement_id,
                agreement.purpose,
                {},
            )
        return self.agreement(agreement_id)

    def authorise(self, department_code: str, action: Action | str, agreement_id: str) -> Agreement:
        """The agreement if it is in force and lets `department_code` do `action` right now.

        Every refusal raises the same AuthorisationError and is recorded in the audit log.
        """
        try:
            act = Action(action) if isinstance(action, str) else action
            agreement = self.agreement(agreement_id)
            allowed = rules.may_act(agreement, department_code, act, self.now())
        except (ValueError, GovernanceError):
            allowed, agreement = False, None
        if not allowed or agreement is None:
            self.audit(
                department_code,
                "authorise.refused",
                str(agreement_id)[:64],
                {"action": str(getattr(action, "value", action))[:64]},
            )
            raise AuthorisationError()
        return agreement

    # --- wrapped linkage secrets (opaque, relayed only) ------------------------------------
    def relay_wrapped_secrets(self, blobs: list[bytes]) -> list[EnvelopeHeader]:
        """Keep wrapped secrets for their recipients to collect (all or none are stored).

        Only the envelope header is read; the store has no way to open the envelope.
        """
        headers = [envelope_header(bytes(b)) for b in blobs]
        with self._transaction() as conn:
            for header, blob in zip(headers, blobs, strict=True):
                conn.execute(
                    "INSERT INTO wrapped_secrets VALUES (?, ?, ?, ?) ON CONFLICT(key_id, recipient)"
                    " DO UPDATE SET blob = excluded.blob, stored_at = excluded.stored_at",
                    (header.key_id, header.recipient, bytes(blob), _iso(self.now())),
                )
                self._append_audit(
                    conn,
                    "local",
                    "",
                    "secret.relay",
                    None,
                    None,
                    {"key_id": header.key_id, "recipient": header.recipient},
                )
        return headers

    def wrapped_secrets(self, recipient: str) -> list[tuple[str, bytes]]:
        """(key id, blob) waiting for `recipient`, oldest first."""
        rows = self._all(
            "SELECT key_id, blob FROM wrapped_secrets WHERE recipient = ? ORDER BY stored_at",
            (recipient,),
        )
        return [(r[0], bytes(r[1])) for r in rows]

    def collect_wrapped_secret(
        self, certificate: bytes | x509.Certificate, key_id: str | None = None
    ) -> bytes:
        """The newest blob (or the one with `key_id`) for the certificate's holder; audited."""
        ident = self.identify(certificate)
        waiting = [b for k, b in self.wrapped_secrets(ident.department) if key_id in (None, k)]
        if not waiting:
            raise GovernanceError(f"no wrapped secret waiting for {ident.department}")
        header = envelope_header(waiting[-1])
        self.audit(ident, "secret.collect", None, {"key_id": header.key_id})
        return waiting[-1]

    # --- audit ------------------------------------------------------------------------
    def audit(
        self,
        actor: str | pki.Identity,
        action: str,
        agreement_id: str | None = None,
        details: dict | None = None,
    ) -> AuditEntry:
        """Append one entry (who, what, when, agreement and its purpose, counts)."""
        if isinstance(actor, pki.Identity):
            code, fp = actor.department, actor.fingerprint
        else:
            code, fp = str(actor), ""
        purpose = None
        if agreement_id is not None:
            try:
                purpose = self.agreement(agreement_id).purpose
            except GovernanceError:
                purpose = None
        with self._transaction() as conn:
            return self._append_audit(conn, code, fp, action, agreement_id, purpose, details or {})

    def _append_audit(
        self,
        conn: sqlite3.Connection,
        actor: str,
        fingerprint: str,
        action: str,
        agreement_id: str | None,
        purpose: str | None,
        details: dict,
    ) -> AuditEntry:
        details = json.loads(json.dumps(check_details(details)))  # canonical JSON types
        last = conn.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (1, GENESIS) if last is None else (last[0] + 1, last[1])
        at = _iso(self.now())
        digest = entry_hash(
            prev, seq, at, actor, fingerprint, action, agreement_id, purpose, details
        )
        conn.execute(
            "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                seq,
                at,
                actor,
                fingerprint,
                action,
                agreement_id,
                purpose,
                json.dumps(details, sort_keys=True, ensure_ascii=False),
                prev,
                digest,
            ),
        )
        return AuditEntry(
            seq, at, actor, fingerprint, action, agreement_id, purpose, details, prev, digest
        )

    def audit_entries(
        self,
        *,
        department: str | None = None,
        agreement_id: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        action: str | None = None,
    ) -> list[AuditEntry]:
        clauses, params = [], []
        for column, value in (
            ("actor", department),
            ("agreement_id", agreement_id),
            ("action", action),
        ):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        if since is not None:
            clauses.append("at >= ?")
            params.append(_iso(since))
        if until is not None:
            clauses.append("at < ?")
            params.append(_iso(until))
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._all(f"SELECT * FROM audit_log {where} ORDER BY seq", params)
        return [_audit_from_row(r) for r in rows]

    def verify_audit(self, extra_anchors: list[Anchor] = ()) -> ChainReport:  # type: ignore[assignment]
        """Check the whole chain, then every stored anchor and any anchor kept elsewhere."""
        try:
            rows = self._all("SELECT * FROM audit_log ORDER BY rowid")
            entries = [_audit_from_row(r) for r in rows]
            seq_row = self._one("SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'")
        except (sqlite3.DatabaseError, ValueError, TypeError) as exc:
            return ChainReport(0, 1, f"the audit log cannot be read ({type(exc).__name__})")
        report = verify_chain(entries, None if seq_row is None else int(seq_row[0]))
        if not report.ok:
            return report
        by_seq = {e.seq: e for e in entries}
        for anchor in [*self.anchors(), *extra_anchors]:
            problem = self._check_anchor(anchor, by_seq)
            if problem is not None:
                return ChainReport(report.entries, anchor.seq, problem)
        return report

    def _check_anchor(self, anchor: Anchor, by_seq: dict[int, AuditEntry]) -> str | None:
        try:
            cert = pki.certificate_from_pem(anchor.signer_certificate)
            ident = pki.verify_certificate(cert, self.ca_certificate(), None, _parse(anchor.at))
            if ident.role is not pki.Role.OFFICE:
                raise IntegrityError("not the office")
            pki.verify_signature(
                cert, anchor_message(anchor.seq, anchor.head_hash), anchor.signature
            )
        except PprlError:
            return f"the anchor at entry {anchor.seq} is not signed by the office"
        entry = by_seq.get(anchor.seq)
        if entry is None:
            return f"entry {anchor.seq}, anchored by the office, is missing (log truncated)"
        if entry.hash != anchor.head_hash:
            return f"entry {anchor.seq} differs from the office's signed anchor (log rewritten)"
        return None

    def anchors(self) -> list[Anchor]:
        rows = self._all(
            "SELECT seq, head_hash, at, signer_certificate, signature FROM audit_anchors"
            " ORDER BY seq"
        )
        return [Anchor(r[0], r[1], r[2], bytes(r[3]), bytes(r[4])) for r in rows]

    def anchor_audit(self, office: pki.Signer) -> Anchor:
        """The office signs the current chain head (after checking the chain)."""
        ident = self.identify(office.certificate)
        if ident.role is not pki.Role.OFFICE:
            raise AuthorisationError()
        report = self.verify_audit()
        if not report.ok:
            raise IntegrityError(f"audit log does not verify: {report.reason}")
        with self._transaction() as conn:
            entry = self._append_audit(
                conn, ident.department, ident.fingerprint, "audit.anchor", None, None, {}
            )
            anchor = Anchor(
                entry.seq,
                entry.hash,
                entry.at,
                office.certificate_pem,
                office.sign(anchor_message(entry.seq, entry.hash)),
            )
            conn.execute(
                "INSERT INTO audit_anchors VALUES (?, ?, ?, ?, ?)",
                (
                    anchor.seq,
                    anchor.head_hash,
                    anchor.at,
                    anchor.signer_certificate,
                    anchor.signature,
                ),
            )
        return anchor


def _entry_from_row(row: tuple) -> CatalogueEntry:
    return CatalogueEntry(
        entry_id=row[0],
        version=int(row[1]),
        category=row[2],
        name=row[3],
        provider=row[4],
        data_format=DataFormat(row[5]),
        fields=tuple(json.loads(row[6])),
        update_cycle=UpdateCycle(row[7]),
        sharing_type=SharingType(row[8]),
        sharing_conditions=row[9],
        sharing_scope=row[10],
        sharing_method=SharingMethod(row[11]),
        source_system=row[12],
        security_level=SecurityLevel(row[13]),
        created_at=dt.datetime.fromisoformat(row[14]),
    )


def _audit_from_row(row: tuple) -> AuditEntry:
    return AuditEntry(
        seq=int(row[0]),
        at=row[1],
        actor=row[2],
        actor_fingerprint=row[3],
        action=row[4],
        agreement_id=row[5],
        purpose=row[6],
        details=json.loads(row[7]),
        prev_hash=row[8],
        hash=row[9],
    )
