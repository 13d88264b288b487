"""A department checks an agreement itself before it seals or accepts disclosed data.

The matcher relays the agreement (`AgreementEvidence`); it does not vouch for it. Who the
provider and the consumer are, which fields may be disclosed and the agreement id are taken
only from signatures that verify against the department's own copy of the CA (and its CRL):

- the application must be signed by the consumer it names, holding a department certificate;
- every approval must be signed over (agreement id, application) by the party it names;
- the approvals must cover the approvers the sharing type requires (the office's with an
  office certificate) and include at least one party other than the consumer;
- the agreement must be inside its validity period.

A matcher holding its own CA-issued key therefore cannot name itself a party, re-address an
agreement under another id, or stand in for a department. Revocation of an agreement is the
matcher's and the office's to enforce; a party cannot prove a negative from relayed data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509

from governance import pki, rules
from governance.agreement_messages import (
    application_from_json,
    application_message,
    approval_message,
)
from governance.model import AgreementEvidence, SharingType, UseApplication
from pprl.errors import AuthorisationError, InputError, IntegrityError, PprlError

_DOES_NOT_VERIFY = "agreement does not verify against the trusted CA"


@dataclass(frozen=True)
class VerifiedAgreement:
    agreement_id: str
    application: UseApplication
    approved_by: tuple[str, ...]

    @property
    def provider(self) -> str:
        return self.application.provider

    @property
    def consumer(self) -> str:
        return self.application.consumer

    @property
    def fields(self) -> tuple[str, ...]:
        return self.application.disclose_fields


def party_identity(
    pem: bytes,
    ca: x509.Certificate,
    crl: x509.CertificateRevocationList | None,
    now: dt.datetime,
    *,
    department: str,
    roles: frozenset[pki.Role] = frozenset({pki.Role.DEPARTMENT}),
) -> tuple[x509.Certificate, pki.Identity]:
    """The certificate if our CA issued it to `department` in one of `roles`, unrevoked."""
    try:
        cert = pki.certificate_from_pem(pem)
        ident = pki.verify_certificate(cert, ca, crl, now)
    except InputError:
        raise AuthorisationError() from None
    if ident.department != department or ident.role not in roles:
        raise AuthorisationError()
    return cert, ident


def verify_agreement(
    evidence: AgreementEvidence,
    agreement_id: str,
    ca: x509.Certificate,
    crl: x509.CertificateRevocationList | None = None,
    now: dt.datetime | None = None,
) -> VerifiedAgreement:
    """The agreement as its signatures prove it; IntegrityError for anything else."""
    now = now or dt.datetime.now(dt.timezone.utc)
    try:
        return _verify(evidence, agreement_id, ca, crl, now)
    except (PprlError, ValueError, KeyError, TypeError):
        raise IntegrityError(_DOES_NOT_VERIFY) from None


def _verify(evidence, agreement_id, ca, crl, now) -> VerifiedAgreement:
    if evidence.agreement_id != agreement_id:
        raise ValueError("another agreement")
    text = evidence.application_json
    app = application_from_json(text)
    applicant, _ = party_identity(
        evidence.applicant_certificate_pem, ca, crl, now, department=app.consumer
    )
    pki.verify_signature(applicant, application_message(text), evidence.applicant_signature)
    approved: dict[str, pki.Role] = {}
    message = approval_message(agreement_id, text)
    for approval in evidence.approvals:
        cert, ident = party_identity(
            approval.certificate_pem,
            ca,
            crl,
            now,
            department=approval.party,
            roles=frozenset({pki.Role.DEPARTMENT, pki.Role.OFFICE}),
        )
        pki.verify_signature(cert, message, approval.signature)
        approved[ident.department] = ident.role
    offices = [code for code, role in approved.items() if role is pki.Role.OFFICE]
    required = rules.required_approvers(
        SharingType(evidence.sharing_type),
        consumer=app.consumer,
        provider=app.provider,
        office=offices[0] if len(offices) == 1 else "",
        named_parties=app.named_parties,
    )
    if not required or set(required) - set(approved) or not set(approved) - {app.consumer}:
        raise ValueError("approvals missing")
    if not app.valid_from <= now < app.valid_until:
        raise ValueError("outside validity")
    return VerifiedAgreement(agreement_id, app, tuple(approved))
