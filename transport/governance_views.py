"""Governance records on the wire: `governance.model` and friends <-> `governance_pb2` messages.

The servicer builds messages from the store's records; the client turns them into the dicts
the commands print (the same keys the local commands printed).
"""

from __future__ import annotations

import datetime as dt
import enum
import json

from google.protobuf.json_format import MessageToDict

from governance.agreement_messages import application_to_json
from governance.audit import Anchor, AuditEntry
from governance.model import Agreement, AgreementEvidence, CatalogueEntry
from governance.validity import show_validity
from governance.warnings import IssueReport, RiskWarning
from pprl.errors import InputError
from transport.generated import governance_pb2

EVIDENCE_FIELDS = ("application_json", "applicant_signature", "applicant_certificate_pem")


def parse_enum(kind: type[enum.Enum], value: str, field: str):
    """An option enum from its stored string; InputError naming the field otherwise."""
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(m.value for m in kind)
        raise InputError(f"expected one of {choices}, got {value!r}", field=field) from None


def parse_time(text: str, field: str) -> dt.datetime | None:
    if not text:
        return None
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"not an ISO date-time: {text!r}", field=field) from None
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


def _iso(when: dt.datetime | dt.date | None) -> str:
    return when.isoformat() if when is not None else ""


def entry_message(entry: CatalogueEntry) -> governance_pb2.CatalogueEntry:
    return governance_pb2.CatalogueEntry(
        entry_id=entry.entry_id,
        version=entry.version,
        category=entry.category,
        name=entry.name,
        provider=entry.provider,
        data_format=entry.data_format.value,
        fields=list(entry.fields),
        update_cycle=entry.update_cycle.value,
        sharing_type=entry.sharing_type.value,
        sharing_conditions=entry.sharing_conditions,
        sharing_scope=entry.sharing_scope,
        sharing_method=entry.sharing_method.value,
        source_system=entry.source_system,
        security_level=entry.security_level.value,
        created_at=_iso(entry.created_at),
    )


def entry_dict(message: governance_pb2.CatalogueEntry) -> dict:
    """The entry's twelve items with its id, version and time, as `catalog show` prints them."""
    return {
        "entry_id": message.entry_id,
        "version": message.version,
        "category": message.category,
        "name": message.name,
        "provider": message.provider,
        "format": message.data_format,
        "fields": list(message.fields),
        "update_cycle": message.update_cycle,
        "sharing_type": message.sharing_type,
        "sharing_conditions": message.sharing_conditions,
        "sharing_scope": message.sharing_scope,
        "sharing_method": message.sharing_method,
        "source_system": message.source_system,
        "security_level": message.security_level,
        "created_at": message.created_at or None,
    }


def agreement_message(
    agreement: Agreement, evidence: AgreementEvidence, now: dt.datetime
) -> governance_pb2.AgreementRecord:
    app = agreement.application
    return governance_pb2.AgreementRecord(
        agreement_id=agreement.agreement_id,
        status=agreement.status(now).value,
        sharing_type=agreement.sharing_type.value,
        consumer=app.consumer,
        provider=app.provider,
        entries=[f"{e}@{v}" for e, v in app.entries],
        purpose=app.purpose,
        scenario=app.scenario,
        spatial_scope=app.spatial_scope,
        disclose_fields=list(app.disclose_fields),
        valid_from=show_validity(app.valid_from),  # China dates, the end inclusive
        valid_until=show_validity(app.valid_until, until=True),
        named_parties=list(app.named_parties),
        required_approvers=list(agreement.required_approvers),
        approvals=list(agreement.approvals),
        rejected_approvals=list(agreement.rejected_approvals),
        application_signed=agreement.application_signed,
        applied_at=_iso(agreement.applied_at),
        revoked_at=_iso(agreement.revoked_at),
        application_json=evidence.application_json or application_to_json(app),
        applicant_signature=evidence.applicant_signature,
        applicant_certificate_pem=evidence.applicant_certificate_pem,
    )


def agreement_dict(record: governance_pb2.AgreementRecord) -> dict:
    """What `agreement show` prints: everything but the signed evidence."""
    shown = MessageToDict(
        record, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )
    for name in EVIDENCE_FIELDS:
        shown.pop(name, None)
    shown["revoked_at"] = shown.get("revoked_at") or None
    return shown


def warning_message(warning: RiskWarning, now: dt.datetime) -> governance_pb2.RiskWarning:
    return governance_pb2.RiskWarning(
        warning_id=warning.warning_id,
        batch_id=warning.batch_id,
        agreement_id=warning.agreement_id,
        token_a=warning.token_a,
        token_b=warning.token_b,
        score=warning.score,
        rule_id=warning.rule_id,
        level=warning.level.value,
        state=warning.state.value,
        issued_at=_iso(warning.issued_at),
        deadline=_iso(warning.deadline),
        overdue=warning.overdue(now),
        joint_verification=warning.joint_verification,
        disposition_hint=warning.disposition_hint.value,
        disposition=warning.disposition.value if warning.disposition else "",
        dispute_reason=warning.dispute_reason or "",
    )


def warning_dict(message: governance_pb2.RiskWarning) -> dict:
    """One warning as `warnings list --json` prints it (empty values as null)."""
    shown = MessageToDict(
        message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )
    for name in ("deadline", "disposition", "dispute_reason"):
        shown[name] = shown.get(name) or None
    return shown


def batch_message(report: IssueReport) -> governance_pb2.WarningBatch:
    return governance_pb2.WarningBatch(
        batch_id=report.batch_id,
        source=report.source,
        rule_id=report.rule_id,
        rules_version=report.rules_version,
        level=report.level.value,
        deadline=_iso(report.deadline),
        issued=report.issued,
        joint_verification=report.joint_verification,
        seed=report.seed,
    )


def audit_message(entry: AuditEntry) -> governance_pb2.AuditEntry:
    return governance_pb2.AuditEntry(
        seq=entry.seq,
        at=entry.at,
        actor=entry.actor,
        action=entry.action,
        agreement_id=entry.agreement_id or "",
        purpose=entry.purpose or "",
        details_json=json.dumps(entry.details, sort_keys=True, ensure_ascii=False),
        hash=entry.hash,
    )


def anchor_message(anchor: Anchor) -> governance_pb2.AuditAnchor:
    return governance_pb2.AuditAnchor(
        seq=anchor.seq,
        head_hash=anchor.head_hash,
        at=anchor.at,
        signer_certificate_pem=anchor.signer_certificate,
        signature=anchor.signature,
    )


def anchor_from_message(message: governance_pb2.AuditAnchor) -> Anchor:
    return Anchor(
        message.seq,
        message.head_hash,
        message.at,
        message.signer_certificate_pem,
        message.signature,
    )
