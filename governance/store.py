"""The governance store: one SQLite file in the matcher's data directory.

API (the clock is passed in: `GovernanceStore(path, clock=lambda: datetime(..., tzinfo=utc))`):

    store = GovernanceStore(data_dir / "governance.sqlite")
    store.trust(ca_certificate_pem)                   the office's CA; set once
    store.update_crl(crl_pem)                         the CA's latest revocation list
    store.register_department(certificate_pem)       -> Identity (verified against the CA)
    store.identify(certificate_pem | x509.Certificate)-> Identity, or AuthorisationError
    store.add_catalogue_entry(actor, **items)         -> CatalogueEntry (next version if id exists)
    store.apply(actor, UseApplication)                -> Agreement (actor = consumer, signed)
    store.approve(actor, agreement_id)                -> Agreement (signed)
    store.revoke_agreement(actor, agreement_id)       -> Agreement
    store.authorise(department_code, action, agreement_id) -> Agreement   (transport calls this)
    store.audit(actor, action, agreement_id=None, details={})   append to the hash chain
    store.verify_audit(anchors=(), ca=None) -> ChainReport; store.anchor_audit(office) -> Anchor
    store.relay_wrapped_secrets([blob, ...], sender) / store.collect_wrapped_secret(certificate)
    store.issue_warnings(...), resolve_warning, dispute_warning, reverify_warning, warnings()
                                                      (governance.store_warnings)

An actor is a party's `pki.Signer` in its own process or `governance.signed.Signed` (its
certificate and the signature its own client made, as the governance service receives them):
the store verifies signatures, it never makes one for a party.

`authorise` raises AuthorisationError("permission denied") for every refusal alike (unknown
agreement, wrong party, pending, expired, revoked) and logs the refusal in the audit chain.
Every change runs in one transaction together with its audit entry: nothing is half-written.
Wrapped linkage secrets are stored and relayed as opaque blobs; nothing here can unwrap them.
"""

from __future__ import annotations

from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from governance import pki
from governance.envelope import EnvelopeHeader, envelope_header
from governance.signed import Actor, signature_of
from governance.store_agreements import (
    AgreementMixin,
    application_from_json,
    application_to_json,
)
from governance.store_audit import AuditMixin
from governance.store_base import Clock, StoreBase, _iso, utc_now
from governance.store_catalogue import CatalogueMixin
from governance.store_warnings import WarningsMixin
from pprl.errors import AuthorisationError, GovernanceError, InputError, IntegrityError

__all__ = [
    "DB_FILE",
    "Clock",
    "GovernanceStore",
    "application_from_json",
    "application_to_json",
    "utc_now",
]

DB_FILE = "governance.sqlite"


class GovernanceStore(CatalogueMixin, AgreementMixin, WarningsMixin, AuditMixin, StoreBase):
    """Departments, catalogue, agreements, warnings, wrapped secrets and the audit chain."""

    def __init__(self, db_path: str | Path, *, clock: Clock = utc_now) -> None:
        super().__init__(db_path, clock=clock)

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
            conn.execute(
                "INSERT INTO certificates(fingerprint, department, pem, registered_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT(fingerprint) DO NOTHING",
                (ident.fingerprint, ident.department, pem, _iso(self.now())),
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

    def _signed_by(self, actor: Actor, message: bytes) -> tuple[pki.Identity, bytes]:
        """The actor's registered identity and its signature over `message`, verified here.

        The signature is the actor's own (`governance.signed`): the store only checks it.
        """
        ident = self.identify(actor.certificate)
        signature = signature_of(actor, message)
        pki.verify_signature(actor.certificate, message, signature)
        return ident, signature

    # --- wrapped linkage secrets (opaque, relayed only) ------------------------------------
    def relay_wrapped_secrets(
        self, blobs: list[bytes], sender: pki.Identity | None = None
    ) -> list[EnvelopeHeader]:
        """Keep wrapped secrets for their recipients to collect (all or none are stored).

        Only the envelope header is read; the store has no way to open the envelope. `sender`
        is the depositing party when it came over the network (audited as the actor).
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
                    sender.department if sender else "local",
                    sender.fingerprint if sender else "",
                    "secret.relay",
                    None,
                    None,
                    {"key_id": header.key_id, "recipient": header.recipient},
                )
        return headers

    def wrapped_secrets(self, recipient: str) -> list[tuple[str, bytes]]:
        """(key id, blob) waiting for `recipient`, oldest first."""
        rows = self._all(
            "SELECT key_id, blob FROM wrapped_secrets WHERE recipient = ?"
            " ORDER BY stored_at, rowid",
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
