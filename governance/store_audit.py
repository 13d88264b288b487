"""The audit log in the governance store (a mixin of GovernanceStore): append, show, verify,
anchor. The chain arithmetic is in `governance.audit`."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Sequence

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from governance import pki
from governance.audit import (
    Anchor,
    AuditEntry,
    ChainReport,
    anchor_message,
    verify_chain,
)
from governance.signed import Actor, signature_of
from governance.store_base import _iso, _parse
from pprl.errors import AuthorisationError, GovernanceError, IntegrityError, PprlError


class AuditMixin:
    """Who did what, when, under which agreement: hash-chained and anchored by the office."""

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

    def verify_audit(
        self, extra_anchors: Sequence[Anchor] = (), ca: x509.Certificate | None = None
    ) -> ChainReport:
        """Check the whole chain, then every stored anchor and any anchor kept elsewhere.

        `ca` is the office's CA certificate pinned outside this database; anchors are checked
        against it (and it must be the CA the database trusts), so replacing the trusted CA in
        the file does not let a forged anchor pass.
        """
        try:
            rows = self._all("SELECT * FROM audit_log ORDER BY rowid")
            entries = [_audit_from_row(r) for r in rows]
            seq_row = self._one("SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'")
        except (sqlite3.DatabaseError, ValueError, TypeError) as exc:
            return ChainReport(0, 1, f"the audit log cannot be read ({type(exc).__name__})")
        report = verify_chain(entries, None if seq_row is None else int(seq_row[0]))
        if not report.ok:
            return report
        if ca is not None and pki.fingerprint(ca) != pki.fingerprint(self.ca_certificate()):
            return ChainReport(report.entries, 1, "the database trusts a different CA")
        by_seq = {e.seq: e for e in entries}
        for anchor in [*self.anchors(), *extra_anchors]:
            problem = self._check_anchor(anchor, by_seq, ca or self.ca_certificate())
            if problem is not None:
                return ChainReport(report.entries, anchor.seq, problem)
        return report

    def _check_anchor(
        self, anchor: Anchor, by_seq: dict[int, AuditEntry], ca: x509.Certificate
    ) -> str | None:
        try:
            cert = pki.certificate_from_pem(anchor.signer_certificate)
            ident = pki.verify_certificate(cert, ca, None, _parse(anchor.at))
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

    def audit_head(self) -> AuditEntry:
        """The newest entry of a chain that verifies: what the office signs to anchor it."""
        report = self.verify_audit()
        if not report.ok:
            raise IntegrityError(f"audit log does not verify: {report.reason}")
        row = self._one("SELECT * FROM audit_log ORDER BY seq DESC LIMIT 1")
        if row is None:
            raise GovernanceError("the audit log is empty")
        return _audit_from_row(row)

    def record_anchor(self, office: Actor, seq: int, head_hash: str) -> Anchor:
        """Keep the office's signature over entry `seq` (`audit_head`, signed on its machine).

        The entry must exist with that hash and the chain must still verify; the signature
        over `anchor_message(seq, head_hash)` is checked against the office's certificate.
        """
        ident = self.identify(office.certificate)
        if ident.role is not pki.Role.OFFICE:
            raise AuthorisationError()
        message = anchor_message(seq, head_hash)
        signature = signature_of(office, message)
        pki.verify_signature(office.certificate, message, signature)
        report = self.verify_audit()
        if not report.ok:
            raise IntegrityError(f"audit log does not verify: {report.reason}")
        row = self._one("SELECT hash, at FROM audit_log WHERE seq = ?", (seq,))
        if row is None or row[0] != head_hash:
            raise IntegrityError(f"entry {seq} is not in the chain with that hash")
        anchor = Anchor(
            seq,
            head_hash,
            row[1],
            office.certificate.public_bytes(serialization.Encoding.PEM),
            signature,
        )
        with self._transaction() as conn:
            self._append_audit(
                conn,
                ident.department,
                ident.fingerprint,
                "audit.anchor",
                None,
                None,
                {"anchored_seq": seq},
            )
            conn.execute(
                "INSERT INTO audit_anchors VALUES (?, ?, ?, ?, ?)",
                (anchor.seq, anchor.head_hash, anchor.at, anchor.signer_certificate, signature),
            )
        return anchor

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
