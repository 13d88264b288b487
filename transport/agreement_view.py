"""Agreement evidence on the wire: `governance.model.AgreementEvidence` <-> the proto view.

The matcher relays the evidence; each department checks it itself with
`governance.agreement_proof.verify_agreement`.
"""

from __future__ import annotations

from governance.model import AgreementEvidence, SignedApproval
from transport.generated import disclosure_pb2


def evidence_to_view(evidence: AgreementEvidence) -> disclosure_pb2.AgreementView:
    return disclosure_pb2.AgreementView(
        agreement_id=evidence.agreement_id,
        application_json=evidence.application_json,
        sharing_type=evidence.sharing_type,
        applicant_signature=evidence.applicant_signature,
        applicant_certificate_pem=evidence.applicant_certificate_pem,
        approvals=[
            disclosure_pb2.SignedApproval(
                party=a.party, signature=a.signature, certificate_pem=a.certificate_pem
            )
            for a in evidence.approvals
        ],
    )


def evidence_from_view(view: disclosure_pb2.AgreementView) -> AgreementEvidence:
    return AgreementEvidence(
        agreement_id=view.agreement_id,
        application_json=view.application_json,
        sharing_type=view.sharing_type,
        applicant_signature=view.applicant_signature,
        applicant_certificate_pem=view.applicant_certificate_pem,
        approvals=tuple(
            SignedApproval(a.party, a.signature, a.certificate_pem) for a in view.approvals
        ),
    )
