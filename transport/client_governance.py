"""The client side of the Governance service (a mixin of `MatcherClient`).

Where the matcher's store checks a signature, it is made here, with this party's own key,
over exactly the bytes the store checks (`governance.agreement_messages`,
`governance.warnings.warning_message`, `governance.audit.anchor_message`); the matcher only
verifies. Before approving, the approver checks the consumer's signature on the application
against its own copy of the CA and CRL, so it never signs an application nobody filed.
"""

from __future__ import annotations

import datetime as dt

from governance import pki
from governance.agreement_messages import (
    application_from_json,
    application_message,
    application_to_json,
    approval_message,
)
from governance.agreement_proof import party_identity
from governance.audit import Anchor, anchor_message
from governance.model import UseApplication
from governance.warnings import warning_message
from pprl.errors import IntegrityError, PprlError
from transport import governance_views as views
from transport.generated import governance_pb2, governance_pb2_grpc


class GovernanceMixin:
    """Catalogue, agreements, key relay, warnings, audit and the office's registrations."""

    @property
    def gov(self) -> governance_pb2_grpc.GovernanceStub:
        stub = getattr(self, "_gov_stub", None)
        if stub is None:
            stub = self._gov_stub = governance_pb2_grpc.GovernanceStub(self.channel)
        return stub

    def _sign(self, message: bytes) -> bytes:
        return self.signer.sign(message)

    # --- catalogue -------------------------------------------------------------------------
    def add_catalogue_entry(self, **items) -> governance_pb2.CatalogueEntry:
        return self._call(self.gov.AddCatalogueEntry, governance_pb2.CatalogueEntry(**items))

    def catalogue(self, *, all_versions: bool = False) -> list[governance_pb2.CatalogueEntry]:
        reply = self._call(
            self.gov.ListCatalogue, governance_pb2.CatalogueQuery(all_versions=all_versions)
        )
        return list(reply.entries)

    def catalogue_entry(
        self, entry_id: str, version: int | None = None
    ) -> governance_pb2.CatalogueEntry:
        ref = governance_pb2.CatalogueRef(entry_id=entry_id, version=version or 0)
        return self._call(self.gov.ShowCatalogueEntry, ref)

    # --- applications and agreements -------------------------------------------------------
    def apply(self, application: UseApplication) -> governance_pb2.AgreementRecord:
        text = application_to_json(application)
        request = governance_pb2.ApplyRequest(
            application_json=text, signature=self._sign(application_message(text))
        )
        return self._call(self.gov.Apply, request)

    def show_agreement(self, agreement_id: str) -> governance_pb2.AgreementRecord:
        query = governance_pb2.AgreementQuery(agreement_id=agreement_id)
        return self._call(self.gov.ShowAgreement, query)

    def approve(self, agreement_id: str) -> governance_pb2.AgreementRecord:
        record = self.show_agreement(agreement_id)
        self._check_application(record)
        signature = self._sign(approval_message(agreement_id, record.application_json))
        request = governance_pb2.ApproveRequest(agreement_id=agreement_id, signature=signature)
        return self._call(self.gov.Approve, request)

    def _check_application(self, record: governance_pb2.AgreementRecord) -> None:
        """The application is the one its consumer signed, by our own CA copy and CRL."""
        try:
            app = application_from_json(record.application_json)
            cert, _ = party_identity(
                record.applicant_certificate_pem,
                self.ca,
                self.crl,
                dt.datetime.now(dt.timezone.utc),
                department=app.consumer,
            )
            pki.verify_signature(
                cert, application_message(record.application_json), record.applicant_signature
            )
        except (PprlError, ValueError, KeyError, TypeError):
            raise IntegrityError(
                f"the application of {record.agreement_id} does not verify; not approving"
            ) from None

    def revoke(self, agreement_id: str) -> governance_pb2.AgreementRecord:
        query = governance_pb2.AgreementQuery(agreement_id=agreement_id)
        return self._call(self.gov.Revoke, query)

    def agreements(self, department: str | None = None) -> list[governance_pb2.AgreementRecord]:
        query = governance_pb2.AgreementsQuery(department=department or "")
        return list(self._call(self.gov.ListAgreements, query).agreements)

    # --- wrapped secrets -------------------------------------------------------------------
    def deposit_secrets(self, blobs: list[bytes]) -> governance_pb2.DepositReceipt:
        return self._call(self.gov.DepositSecrets, governance_pb2.WrappedSecrets(blobs=blobs))

    def fetch_secret(self, key_id: str | None = None) -> bytes:
        query = governance_pb2.SecretQuery(key_id=key_id or "")
        return self._call(self.gov.FetchSecret, query).blob

    # --- warnings --------------------------------------------------------------------------
    def issue_warnings(
        self,
        agreement_id: str,
        run_id: str,
        left_dataset: str,
        right_dataset: str,
        *,
        rules_json: str = "",
        seed: int | None = None,
    ) -> governance_pb2.WarningBatch:
        request = governance_pb2.IssueWarningsRequest(
            agreement_id=agreement_id,
            run_id=run_id,
            left_dataset=left_dataset,
            right_dataset=right_dataset,
            rules_json=rules_json,
            signature=self._sign(warning_message("issue", agreement_id)),
        )
        if seed is not None:
            request.seed = seed
        return self._call(self.gov.IssueWarnings, request, 600)

    def warnings(
        self,
        *,
        level: str | None = None,
        state: str | None = None,
        agreement_id: str | None = None,
        overdue: bool = False,
    ) -> list[governance_pb2.RiskWarning]:
        query = governance_pb2.WarningQuery(
            level=level or "", state=state or "", agreement_id=agreement_id or "", overdue=overdue
        )
        return list(self._call(self.gov.ListWarnings, query).warnings)

    def _step(self, method, step: str, warning_id: str, **fields) -> governance_pb2.RiskWarning:
        request = governance_pb2.WarningStep(
            warning_id=warning_id, signature=self._sign(warning_message(step, warning_id)), **fields
        )
        return self._call(method, request)

    def resolve_warning(self, warning_id: str, disposition: str) -> governance_pb2.RiskWarning:
        return self._step(self.gov.ResolveWarning, "resolve", warning_id, disposition=disposition)

    def dispute_warning(self, warning_id: str, reason: str) -> governance_pb2.RiskWarning:
        return self._step(self.gov.DisputeWarning, "dispute", warning_id, reason=reason)

    def reverify_warning(self, warning_id: str, *, confirmed: bool) -> governance_pb2.RiskWarning:
        step = "confirm" if confirmed else "withdraw"
        return self._step(self.gov.ReverifyWarning, step, warning_id, confirmed=confirmed)

    # --- audit -----------------------------------------------------------------------------
    def audit_entries(
        self,
        *,
        agreement_id: str | None = None,
        action: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> list[governance_pb2.AuditEntry]:
        query = governance_pb2.AuditQuery(
            agreement_id=agreement_id or "",
            action=action or "",
            since=since or "",
            until=until or "",
        )
        return list(self._call(self.gov.ShowAudit, query).entries)

    def anchor_audit(self) -> Anchor:
        """The office signs the matcher's chain head here and has the matcher keep it."""
        head = self._call(self.gov.AuditHead, governance_pb2.AuditHeadRequest())
        request = governance_pb2.AnchorRequest(
            seq=head.seq,
            head_hash=head.hash,
            signature=self._sign(anchor_message(head.seq, head.hash)),
        )
        return views.anchor_from_message(self._call(self.gov.AnchorAudit, request))

    # --- the office ------------------------------------------------------------------------
    def register_certificate(self, certificate_pem: bytes) -> governance_pb2.RegisteredParty:
        request = governance_pb2.CertificateRegistration(certificate_pem=certificate_pem)
        return self._call(self.gov.RegisterCertificate, request)

    def update_crl(self, crl_pem: bytes) -> governance_pb2.CrlReceipt:
        return self._call(self.gov.UpdateCrl, governance_pb2.RevocationList(crl_pem=crl_pem))
