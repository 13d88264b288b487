"""The Governance service: thin methods over the governance store, like the other servicers.

Authorisation, by the caller's certificate identity (`context.caller`, set by the interceptor):
- catalogue: anyone registered reads; the store lets only the office or the provider publish;
- agreements: a caller sees those it is consumer, provider, named party or required approver
  of (the office sees all: it may revoke any); approving and revoking follow the store's
  rules; an agreement the caller may not see is refused exactly like one that does not exist;
- wrapped secrets: a department deposits; each recipient fetches only its own;
- warnings: the consumer or the provider of the warning's agreement sees and acts on it (the
  store decides which of them may take which step); warnings are issued only from a run the
  caller may fetch results of, under that run's agreement;
- audit: a caller reads its own entries; the office reads the chain head and anchors it;
- certificates and revocation lists: the office only.

Signed steps carry the caller's own signature (`governance.signed.Signed`); the store checks
it against the certificate the caller presented. Every refusal is the same "permission
denied" and is written to the audit log.
"""

from __future__ import annotations

import secrets

from governance import pki
from governance.agreement_messages import application_from_json, application_to_json
from governance.model import (
    Action,
    Agreement,
    DataFormat,
    SecurityLevel,
    SharingMethod,
    SharingType,
    UpdateCycle,
)
from governance.signed import Signed
from governance.warning_pairs import pairs_from_run
from governance.warning_rules import Disposition, WarningLevel, default_rules, parse_rules
from governance.warnings import WarningState, seen_by
from pprl.errors import AuthorisationError, GovernanceError, InputError, NotFound
from transport import governance_views as views
from transport.generated import governance_pb2, governance_pb2_grpc

MAX_BLOBS = 64


class GovernanceServicer(governance_pb2_grpc.GovernanceServicer):
    def __init__(self, matcher) -> None:
        self.m = matcher

    @property
    def store(self):
        return self.m.governance

    # --- helpers ---------------------------------------------------------------------------
    @staticmethod
    def _signed(context, signature: bytes = b"") -> Signed:
        return Signed(context.caller.certificate, bytes(signature))

    def _refuse(self, context, what: str):
        self.store.audit(context.caller.identity, "authorise.refused", None, {"action": what})
        raise AuthorisationError()

    def _require_office(self, context, what: str) -> None:
        if context.caller.identity.role is not pki.Role.OFFICE:
            self._refuse(context, what)

    @staticmethod
    def _may_see(context, agreement: Agreement) -> bool:
        me = context.caller.identity
        if me.role is pki.Role.OFFICE:
            return True
        return me.department in {
            agreement.consumer,
            agreement.provider,
            *agreement.parties,
            *agreement.required_approvers,
        }

    def _agreement(self, context, agreement_id: str, what: str) -> Agreement:
        """An agreement the caller may see; unknown ones are refused the same way."""
        try:
            agreement = self.store.agreement(agreement_id)
        except GovernanceError:
            self._refuse(context, what)
        if not self._may_see(context, agreement):
            self._refuse(context, what)
        return agreement

    def _record(self, agreement_id: str) -> governance_pb2.AgreementRecord:
        return views.agreement_message(
            self.store.agreement(agreement_id),
            self.store.agreement_evidence(agreement_id),
            self.store.now(),
        )

    def _warning(self, context, warning_id: str, what: str):
        """A warning under an agreement the caller is consumer or provider of."""
        try:
            warning = self.store.warning(warning_id)
            agreement = self.store.agreement(warning.agreement_id)
        except GovernanceError:
            self._refuse(context, what)
        if context.caller.department not in (agreement.consumer, agreement.provider):
            self._refuse(context, what)
        return warning

    def _warning_reply(self, context, warning_id: str) -> governance_pb2.RiskWarning:
        warning = self.store.warning(warning_id)
        seen = seen_by(warning, context.caller.department, self._token_owners(warning.batch_id))
        return views.warning_message(seen, self.store.now())

    def _token_owners(self, batch_id: str) -> tuple[str, str] | None:
        """The departments that uploaded the datasets of token_a and token_b, for a batch
        issued from a run (None otherwise)."""
        source = self.store.warning_source(batch_id)
        try:
            spec = self.m.runs.files(source).spec()
            return (
                self.m.uploads.dataset(spec.dataset_a).department,
                self.m.uploads.dataset(spec.dataset_b).department,
            )
        except (NotFound, InputError, OSError, ValueError):
            return None

    # --- catalogue -------------------------------------------------------------------------
    def AddCatalogueEntry(self, request, context):
        entry = self.store.add_catalogue_entry(
            self._signed(context),
            entry_id=request.entry_id,
            category=request.category,
            name=request.name,
            provider=request.provider,
            data_format=views.parse_enum(DataFormat, request.data_format, "data_format"),
            fields=tuple(request.fields),
            update_cycle=views.parse_enum(UpdateCycle, request.update_cycle, "update_cycle"),
            sharing_type=views.parse_enum(SharingType, request.sharing_type, "sharing_type"),
            sharing_conditions=request.sharing_conditions,
            sharing_scope=request.sharing_scope,
            sharing_method=views.parse_enum(
                SharingMethod, request.sharing_method, "sharing_method"
            ),
            source_system=request.source_system,
            security_level=views.parse_enum(
                SecurityLevel, request.security_level, "security_level"
            ),
        )
        return views.entry_message(entry)

    def ListCatalogue(self, request, context):
        entries = self.store.catalogue(all_versions=request.all_versions)
        return governance_pb2.CatalogueEntries(entries=[views.entry_message(e) for e in entries])

    def ShowCatalogueEntry(self, request, context):
        entry = self.store.catalogue_entry(request.entry_id, request.version or None)
        return views.entry_message(entry)

    # --- applications and agreements -------------------------------------------------------
    def Apply(self, request, context):
        try:
            application = application_from_json(request.application_json)
        except (ValueError, KeyError, TypeError, AttributeError):
            raise InputError("not a use application", field="application_json") from None
        if application_to_json(application) != request.application_json:
            raise InputError("not in canonical form", field="application_json")
        filed = self.store.apply(self._signed(context, request.signature), application)
        return self._record(filed.agreement_id)

    def Approve(self, request, context):
        self._agreement(context, request.agreement_id, "agreement.approve")
        approved = self.store.approve(
            self._signed(context, request.signature), request.agreement_id
        )
        return self._record(approved.agreement_id)

    def Revoke(self, request, context):
        self._agreement(context, request.agreement_id, "agreement.revoke")
        self.store.revoke_agreement(self._signed(context), request.agreement_id)
        return self._record(request.agreement_id)

    def ShowAgreement(self, request, context):
        self._agreement(context, request.agreement_id, "agreement.show")
        return self._record(request.agreement_id)

    def ListAgreements(self, request, context):
        found = self.store.agreements(department=request.department or None)
        visible = [a for a in found if self._may_see(context, a)]
        return governance_pb2.AgreementRecords(
            agreements=[self._record(a.agreement_id) for a in visible]
        )

    # --- wrapped secrets -------------------------------------------------------------------
    def DepositSecrets(self, request, context):
        if context.caller.identity.role is not pki.Role.DEPARTMENT:
            self._refuse(context, "secret.relay")
        if not request.blobs or len(request.blobs) > MAX_BLOBS:
            raise InputError(f"between 1 and {MAX_BLOBS} wrapped secrets", field="blobs")
        headers = self.store.relay_wrapped_secrets(
            [bytes(b) for b in request.blobs], context.caller.identity
        )
        return governance_pb2.DepositReceipt(
            recipients=[h.recipient for h in headers], key_ids=[h.key_id for h in headers]
        )

    def FetchSecret(self, request, context):
        blob = self.store.collect_wrapped_secret(context.caller.certificate, request.key_id or None)
        return governance_pb2.WrappedSecret(blob=blob)

    # --- warnings --------------------------------------------------------------------------
    def IssueWarnings(self, request, context):
        _, spec, _ = self.m.run_of(context, Action.FETCH_RESULTS, request.run_id)
        if spec.agreement_id != request.agreement_id:
            self._refuse(context, "warning.issue")
        source = pairs_from_run(
            self.m.data_dir,
            request.run_id,
            request.agreement_id,
            datasets=(request.left_dataset, request.right_dataset),
        )
        rules = (
            parse_rules(request.rules_json, "rules_json") if request.rules_json else default_rules()
        )
        seed = request.seed if request.HasField("seed") else secrets.randbelow(2**63)
        report = self.store.issue_warnings(
            self._signed(context, request.signature),
            request.agreement_id,
            source,
            request.left_dataset,
            request.right_dataset,
            rules=rules,
            seed=seed,
        )
        return views.batch_message(report)

    def ListWarnings(self, request, context):
        found = self.store.warnings(
            level=views.parse_enum(WarningLevel, request.level, "level") if request.level else None,
            state=views.parse_enum(WarningState, request.state, "state") if request.state else None,
            agreement_id=request.agreement_id or None,
            overdue=request.overdue,
            party=context.caller.department,
        )
        now, department, owners = self.store.now(), context.caller.department, {}
        for w in found:
            if w.batch_id not in owners:
                owners[w.batch_id] = self._token_owners(w.batch_id)
        return governance_pb2.RiskWarnings(
            warnings=[
                views.warning_message(seen_by(w, department, owners[w.batch_id]), now)
                for w in found
            ]
        )

    def ResolveWarning(self, request, context):
        self._warning(context, request.warning_id, "warning.resolve")
        disposition = views.parse_enum(Disposition, request.disposition, "disposition")
        self.store.resolve_warning(
            self._signed(context, request.signature), request.warning_id, disposition
        )
        return self._warning_reply(context, request.warning_id)

    def DisputeWarning(self, request, context):
        self._warning(context, request.warning_id, "warning.dispute")
        self.store.dispute_warning(
            self._signed(context, request.signature), request.warning_id, request.reason
        )
        return self._warning_reply(context, request.warning_id)

    def ReverifyWarning(self, request, context):
        self._warning(context, request.warning_id, "warning.reverify")
        self.store.reverify_warning(
            self._signed(context, request.signature),
            request.warning_id,
            confirmed=request.confirmed,
        )
        return self._warning_reply(context, request.warning_id)

    # --- audit -----------------------------------------------------------------------------
    def ShowAudit(self, request, context):
        entries = self.store.audit_entries(
            department=context.caller.department,
            agreement_id=request.agreement_id or None,
            action=request.action or None,
            since=views.parse_time(request.since, "since"),
            until=views.parse_time(request.until, "until"),
        )
        return governance_pb2.AuditEntries(entries=[views.audit_message(e) for e in entries])

    def AuditHead(self, request, context):
        self._require_office(context, "audit.head")
        return views.audit_message(self.store.audit_head())

    def AnchorAudit(self, request, context):
        self._require_office(context, "audit.anchor")
        anchor = self.store.record_anchor(
            self._signed(context, request.signature), request.seq, request.head_hash
        )
        return views.anchor_message(anchor)

    # --- the office's certificates and revocation list -------------------------------------
    def RegisterCertificate(self, request, context):
        self._require_office(context, "department.register")
        ident = self.store.register_department(bytes(request.certificate_pem))
        return governance_pb2.RegisteredParty(
            department=ident.department,
            role=ident.role.value,
            fingerprint=ident.fingerprint,
            serial=str(ident.serial),
        )

    def UpdateCrl(self, request, context):
        self._require_office(context, "crl.update")
        self.store.update_crl(bytes(request.crl_pem))
        crl = self.store.crl()
        return governance_pb2.CrlReceipt(revoked=0 if crl is None else len(list(crl)))
