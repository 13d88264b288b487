"""Sharing agreements in the governance store (a mixin of GovernanceStore).

Every change is signed by the acting party's certificate (checked by `identify`) and written
together with its audit entry. `authorise` is the one question transport asks.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets

from cryptography.exceptions import InvalidSignature

from governance import pki, rules
from governance.agreement_messages import (
    application_from_json,
    application_message,
    application_to_json,
    approval_message,
)
from governance.model import (
    Action,
    Agreement,
    AgreementEvidence,
    CatalogueEntry,
    SharingType,
    SignedApproval,
    UseApplication,
)
from governance.signed import Actor
from governance.store_base import _iso, _parse
from pprl.errors import (
    AuthorisationError,
    GovernanceError,
    InputError,
    IntegrityError,
    PprlError,
)


class AgreementMixin:
    """Use applications, approvals by sharing type, revocation, and `authorise`."""

    def apply(self, signer: Actor, application: UseApplication) -> Agreement:
        """File a use application signed by its consumer; it authorises nothing until approved.

        The consumer signs `application_message(application_to_json(application))`.
        """
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
                "INSERT INTO agreements(agreement_id, application, sharing_type,"
                " required_approvers, applied_at, applicant_signature, applicant_fingerprint)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    agreement_id,
                    app_json,
                    sharing_type.value,
                    json.dumps(list(approvers)),
                    _iso(self.now()),
                    signature,
                    ident.fingerprint,
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
        """The agreement as its signatures prove it.

        Only approvals whose signature verifies against the approver's registered certificate
        and the stored application count; an application whose own signature fails counts no
        approval at all. A row edited in the database therefore authorises nothing. Revocation
        is read from the agreement row and from the audit log, so clearing the row's
        revocation does not bring an agreement back.
        """
        row = self._one(
            "SELECT agreement_id, application, sharing_type, required_approvers, applied_at,"
            " revoked_at, applicant_signature, applicant_fingerprint FROM agreements"
            " WHERE agreement_id = ?",
            (agreement_id,),
        )
        if row is None:
            raise GovernanceError(f"no agreement {agreement_id}")
        app_text = row[1]
        application = application_from_json(app_text)
        signed = self._signature_verifies(
            row[7], application.consumer, application_message(app_text), bytes(row[6])
        )
        approvals, rejected = [], []
        for party, signature, fp in self._all(
            "SELECT party, signature, certificate_fingerprint FROM approvals"
            " WHERE agreement_id = ? ORDER BY approved_at, party",
            (agreement_id,),
        ):
            message = approval_message(agreement_id, app_text)
            ok = signed and self._signature_verifies(fp, party, message, bytes(signature))
            (approvals if ok else rejected).append(party)
        revoked = row[5] or self._audit_revocation(agreement_id)
        return Agreement(
            agreement_id=row[0],
            application=application,
            sharing_type=SharingType(row[2]),
            required_approvers=tuple(json.loads(row[3])),
            applied_at=dt.datetime.fromisoformat(row[4]),
            approvals=tuple(approvals),
            revoked_at=_parse(revoked),
            rejected_approvals=tuple(rejected),
            application_signed=signed,
        )

    def agreement_evidence(self, agreement_id: str) -> AgreementEvidence:
        """The signed application and approvals with their certificates, for a party to check."""
        row = self._one(
            "SELECT a.application, a.sharing_type, a.applicant_signature, c.pem FROM agreements a"
            " LEFT JOIN certificates c ON c.fingerprint = a.applicant_fingerprint"
            " WHERE a.agreement_id = ?",
            (agreement_id,),
        )
        if row is None:
            raise GovernanceError(f"no agreement {agreement_id}")
        approvals = self._all(
            "SELECT p.party, p.signature, c.pem FROM approvals p"
            " JOIN certificates c ON c.fingerprint = p.certificate_fingerprint"
            " WHERE p.agreement_id = ? ORDER BY p.approved_at, p.party",
            (agreement_id,),
        )
        return AgreementEvidence(
            agreement_id=agreement_id,
            application_json=row[0],
            sharing_type=row[1],
            applicant_signature=bytes(row[2] or b""),
            applicant_certificate_pem=bytes(row[3] or b""),
            approvals=tuple(SignedApproval(p, bytes(s), bytes(pem)) for p, s, pem in approvals),
        )

    def _signature_verifies(
        self, fingerprint: str | None, party: str, message: bytes, signature: bytes
    ) -> bool:
        """True if the registered certificate `fingerprint` belongs to `party`, was issued by
        the trusted CA, and signed `message`."""
        if fingerprint is None:
            return False
        row = self._one("SELECT pem FROM certificates WHERE fingerprint = ?", (fingerprint,))
        if row is None:
            return False
        try:
            cert = pki.certificate_from_pem(bytes(row[0]))
            cert.verify_directly_issued_by(self.ca_certificate())
            if pki.fingerprint(cert) != fingerprint or pki.identity_of(cert).department != party:
                return False
            pki.verify_signature(cert, message, signature)
        except (PprlError, ValueError, TypeError, InvalidSignature):
            return False
        return True

    def _audit_revocation(self, agreement_id: str) -> str | None:
        row = self._one(
            "SELECT at FROM audit_log WHERE agreement_id = ? AND action = 'agreement.revoke'"
            " ORDER BY seq LIMIT 1",
            (agreement_id,),
        )
        return None if row is None else row[0]

    def agreements(self, *, department: str | None = None) -> list[Agreement]:
        ids = [r[0] for r in self._all("SELECT agreement_id FROM agreements ORDER BY applied_at")]
        found = [self.agreement(i) for i in ids]
        if department is not None:
            found = [a for a in found if department in (a.consumer, a.provider, *a.parties)]
        return found

    def approve(self, signer: Actor, agreement_id: str) -> Agreement:
        """Record the signer's approval; refused unless the signer is a required approver.

        The approver signs `approval_message(agreement_id, application_json)`.
        """
        ident = self.identify(signer.certificate)
        agreement = self.agreement(agreement_id)
        if agreement.revoked_at is not None:
            raise GovernanceError(f"agreement {agreement_id} is revoked")
        if ident.department not in agreement.required_approvers:
            raise AuthorisationError()
        if ident.department in agreement.approvals:
            raise GovernanceError(f"{ident.department} has already approved {agreement_id}")
        if not agreement.application_signed:
            raise IntegrityError(f"the application of {agreement_id} does not verify")
        app_text = self._one(
            "SELECT application FROM agreements WHERE agreement_id = ?", (agreement_id,)
        )[0]
        _, signature = self._signed_by(signer, approval_message(agreement_id, app_text))
        with self._transaction() as conn:
            # an approval row whose signature does not verify is replaced, never trusted
            conn.execute(
                "DELETE FROM approvals WHERE agreement_id = ? AND party = ?",
                (agreement_id, ident.department),
            )
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

    def revoke_agreement(self, signer: Actor, agreement_id: str) -> Agreement:
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
