from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CatalogueEntry(_message.Message):
    __slots__ = ("entry_id", "version", "category", "name", "provider", "data_format", "fields", "update_cycle", "sharing_type", "sharing_conditions", "sharing_scope", "sharing_method", "source_system", "security_level", "created_at")
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    DATA_FORMAT_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_CYCLE_FIELD_NUMBER: _ClassVar[int]
    SHARING_TYPE_FIELD_NUMBER: _ClassVar[int]
    SHARING_CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    SHARING_SCOPE_FIELD_NUMBER: _ClassVar[int]
    SHARING_METHOD_FIELD_NUMBER: _ClassVar[int]
    SOURCE_SYSTEM_FIELD_NUMBER: _ClassVar[int]
    SECURITY_LEVEL_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    entry_id: str
    version: int
    category: str
    name: str
    provider: str
    data_format: str
    fields: _containers.RepeatedScalarFieldContainer[str]
    update_cycle: str
    sharing_type: str
    sharing_conditions: str
    sharing_scope: str
    sharing_method: str
    source_system: str
    security_level: str
    created_at: str
    def __init__(self, entry_id: _Optional[str] = ..., version: _Optional[int] = ..., category: _Optional[str] = ..., name: _Optional[str] = ..., provider: _Optional[str] = ..., data_format: _Optional[str] = ..., fields: _Optional[_Iterable[str]] = ..., update_cycle: _Optional[str] = ..., sharing_type: _Optional[str] = ..., sharing_conditions: _Optional[str] = ..., sharing_scope: _Optional[str] = ..., sharing_method: _Optional[str] = ..., source_system: _Optional[str] = ..., security_level: _Optional[str] = ..., created_at: _Optional[str] = ...) -> None: ...

class CatalogueQuery(_message.Message):
    __slots__ = ("all_versions",)
    ALL_VERSIONS_FIELD_NUMBER: _ClassVar[int]
    all_versions: bool
    def __init__(self, all_versions: _Optional[bool] = ...) -> None: ...

class CatalogueEntries(_message.Message):
    __slots__ = ("entries",)
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[CatalogueEntry]
    def __init__(self, entries: _Optional[_Iterable[_Union[CatalogueEntry, _Mapping]]] = ...) -> None: ...

class CatalogueRef(_message.Message):
    __slots__ = ("entry_id", "version")
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    entry_id: str
    version: int
    def __init__(self, entry_id: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class ApplyRequest(_message.Message):
    __slots__ = ("application_json", "signature")
    APPLICATION_JSON_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    application_json: str
    signature: bytes
    def __init__(self, application_json: _Optional[str] = ..., signature: _Optional[bytes] = ...) -> None: ...

class ApproveRequest(_message.Message):
    __slots__ = ("agreement_id", "signature")
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    agreement_id: str
    signature: bytes
    def __init__(self, agreement_id: _Optional[str] = ..., signature: _Optional[bytes] = ...) -> None: ...

class AgreementQuery(_message.Message):
    __slots__ = ("agreement_id",)
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    agreement_id: str
    def __init__(self, agreement_id: _Optional[str] = ...) -> None: ...

class AgreementsQuery(_message.Message):
    __slots__ = ("department",)
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    department: str
    def __init__(self, department: _Optional[str] = ...) -> None: ...

class AgreementRecord(_message.Message):
    __slots__ = ("agreement_id", "status", "sharing_type", "consumer", "provider", "entries", "purpose", "scenario", "spatial_scope", "disclose_fields", "valid_from", "valid_until", "named_parties", "required_approvers", "approvals", "rejected_approvals", "application_signed", "applied_at", "revoked_at", "application_json", "applicant_signature", "applicant_certificate_pem")
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SHARING_TYPE_FIELD_NUMBER: _ClassVar[int]
    CONSUMER_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    SCENARIO_FIELD_NUMBER: _ClassVar[int]
    SPATIAL_SCOPE_FIELD_NUMBER: _ClassVar[int]
    DISCLOSE_FIELDS_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_FIELD_NUMBER: _ClassVar[int]
    VALID_UNTIL_FIELD_NUMBER: _ClassVar[int]
    NAMED_PARTIES_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_APPROVERS_FIELD_NUMBER: _ClassVar[int]
    APPROVALS_FIELD_NUMBER: _ClassVar[int]
    REJECTED_APPROVALS_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_SIGNED_FIELD_NUMBER: _ClassVar[int]
    APPLIED_AT_FIELD_NUMBER: _ClassVar[int]
    REVOKED_AT_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_JSON_FIELD_NUMBER: _ClassVar[int]
    APPLICANT_SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    APPLICANT_CERTIFICATE_PEM_FIELD_NUMBER: _ClassVar[int]
    agreement_id: str
    status: str
    sharing_type: str
    consumer: str
    provider: str
    entries: _containers.RepeatedScalarFieldContainer[str]
    purpose: str
    scenario: str
    spatial_scope: str
    disclose_fields: _containers.RepeatedScalarFieldContainer[str]
    valid_from: str
    valid_until: str
    named_parties: _containers.RepeatedScalarFieldContainer[str]
    required_approvers: _containers.RepeatedScalarFieldContainer[str]
    approvals: _containers.RepeatedScalarFieldContainer[str]
    rejected_approvals: _containers.RepeatedScalarFieldContainer[str]
    application_signed: bool
    applied_at: str
    revoked_at: str
    application_json: str
    applicant_signature: bytes
    applicant_certificate_pem: bytes
    def __init__(self, agreement_id: _Optional[str] = ..., status: _Optional[str] = ..., sharing_type: _Optional[str] = ..., consumer: _Optional[str] = ..., provider: _Optional[str] = ..., entries: _Optional[_Iterable[str]] = ..., purpose: _Optional[str] = ..., scenario: _Optional[str] = ..., spatial_scope: _Optional[str] = ..., disclose_fields: _Optional[_Iterable[str]] = ..., valid_from: _Optional[str] = ..., valid_until: _Optional[str] = ..., named_parties: _Optional[_Iterable[str]] = ..., required_approvers: _Optional[_Iterable[str]] = ..., approvals: _Optional[_Iterable[str]] = ..., rejected_approvals: _Optional[_Iterable[str]] = ..., application_signed: _Optional[bool] = ..., applied_at: _Optional[str] = ..., revoked_at: _Optional[str] = ..., application_json: _Optional[str] = ..., applicant_signature: _Optional[bytes] = ..., applicant_certificate_pem: _Optional[bytes] = ...) -> None: ...

class AgreementRecords(_message.Message):
    __slots__ = ("agreements",)
    AGREEMENTS_FIELD_NUMBER: _ClassVar[int]
    agreements: _containers.RepeatedCompositeFieldContainer[AgreementRecord]
    def __init__(self, agreements: _Optional[_Iterable[_Union[AgreementRecord, _Mapping]]] = ...) -> None: ...

class WrappedSecrets(_message.Message):
    __slots__ = ("blobs",)
    BLOBS_FIELD_NUMBER: _ClassVar[int]
    blobs: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, blobs: _Optional[_Iterable[bytes]] = ...) -> None: ...

class DepositReceipt(_message.Message):
    __slots__ = ("recipients", "key_ids")
    RECIPIENTS_FIELD_NUMBER: _ClassVar[int]
    KEY_IDS_FIELD_NUMBER: _ClassVar[int]
    recipients: _containers.RepeatedScalarFieldContainer[str]
    key_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, recipients: _Optional[_Iterable[str]] = ..., key_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class SecretQuery(_message.Message):
    __slots__ = ("key_id",)
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    def __init__(self, key_id: _Optional[str] = ...) -> None: ...

class WrappedSecret(_message.Message):
    __slots__ = ("blob",)
    BLOB_FIELD_NUMBER: _ClassVar[int]
    blob: bytes
    def __init__(self, blob: _Optional[bytes] = ...) -> None: ...

class IssueWarningsRequest(_message.Message):
    __slots__ = ("agreement_id", "run_id", "left_dataset", "right_dataset", "rules_json", "seed", "signature")
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    LEFT_DATASET_FIELD_NUMBER: _ClassVar[int]
    RIGHT_DATASET_FIELD_NUMBER: _ClassVar[int]
    RULES_JSON_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    agreement_id: str
    run_id: str
    left_dataset: str
    right_dataset: str
    rules_json: str
    seed: int
    signature: bytes
    def __init__(self, agreement_id: _Optional[str] = ..., run_id: _Optional[str] = ..., left_dataset: _Optional[str] = ..., right_dataset: _Optional[str] = ..., rules_json: _Optional[str] = ..., seed: _Optional[int] = ..., signature: _Optional[bytes] = ...) -> None: ...

class WarningBatch(_message.Message):
    __slots__ = ("batch_id", "source", "rule_id", "rules_version", "level", "deadline", "issued", "joint_verification", "seed")
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    RULES_VERSION_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    ISSUED_FIELD_NUMBER: _ClassVar[int]
    JOINT_VERIFICATION_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    source: str
    rule_id: str
    rules_version: str
    level: str
    deadline: str
    issued: int
    joint_verification: int
    seed: int
    def __init__(self, batch_id: _Optional[str] = ..., source: _Optional[str] = ..., rule_id: _Optional[str] = ..., rules_version: _Optional[str] = ..., level: _Optional[str] = ..., deadline: _Optional[str] = ..., issued: _Optional[int] = ..., joint_verification: _Optional[int] = ..., seed: _Optional[int] = ...) -> None: ...

class WarningQuery(_message.Message):
    __slots__ = ("level", "state", "agreement_id", "overdue")
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    level: str
    state: str
    agreement_id: str
    overdue: bool
    def __init__(self, level: _Optional[str] = ..., state: _Optional[str] = ..., agreement_id: _Optional[str] = ..., overdue: _Optional[bool] = ...) -> None: ...

class RiskWarning(_message.Message):
    __slots__ = ("warning_id", "batch_id", "agreement_id", "token_a", "token_b", "score", "rule_id", "level", "state", "issued_at", "deadline", "overdue", "joint_verification", "disposition_hint", "disposition", "dispute_reason")
    WARNING_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    TOKEN_A_FIELD_NUMBER: _ClassVar[int]
    TOKEN_B_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ISSUED_AT_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    JOINT_VERIFICATION_FIELD_NUMBER: _ClassVar[int]
    DISPOSITION_HINT_FIELD_NUMBER: _ClassVar[int]
    DISPOSITION_FIELD_NUMBER: _ClassVar[int]
    DISPUTE_REASON_FIELD_NUMBER: _ClassVar[int]
    warning_id: str
    batch_id: str
    agreement_id: str
    token_a: str
    token_b: str
    score: float
    rule_id: str
    level: str
    state: str
    issued_at: str
    deadline: str
    overdue: bool
    joint_verification: bool
    disposition_hint: str
    disposition: str
    dispute_reason: str
    def __init__(self, warning_id: _Optional[str] = ..., batch_id: _Optional[str] = ..., agreement_id: _Optional[str] = ..., token_a: _Optional[str] = ..., token_b: _Optional[str] = ..., score: _Optional[float] = ..., rule_id: _Optional[str] = ..., level: _Optional[str] = ..., state: _Optional[str] = ..., issued_at: _Optional[str] = ..., deadline: _Optional[str] = ..., overdue: _Optional[bool] = ..., joint_verification: _Optional[bool] = ..., disposition_hint: _Optional[str] = ..., disposition: _Optional[str] = ..., dispute_reason: _Optional[str] = ...) -> None: ...

class RiskWarnings(_message.Message):
    __slots__ = ("warnings",)
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    warnings: _containers.RepeatedCompositeFieldContainer[RiskWarning]
    def __init__(self, warnings: _Optional[_Iterable[_Union[RiskWarning, _Mapping]]] = ...) -> None: ...

class WarningStep(_message.Message):
    __slots__ = ("warning_id", "disposition", "reason", "confirmed", "signature")
    WARNING_ID_FIELD_NUMBER: _ClassVar[int]
    DISPOSITION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CONFIRMED_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    warning_id: str
    disposition: str
    reason: str
    confirmed: bool
    signature: bytes
    def __init__(self, warning_id: _Optional[str] = ..., disposition: _Optional[str] = ..., reason: _Optional[str] = ..., confirmed: _Optional[bool] = ..., signature: _Optional[bytes] = ...) -> None: ...

class AuditQuery(_message.Message):
    __slots__ = ("agreement_id", "action", "since", "until")
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    agreement_id: str
    action: str
    since: str
    until: str
    def __init__(self, agreement_id: _Optional[str] = ..., action: _Optional[str] = ..., since: _Optional[str] = ..., until: _Optional[str] = ...) -> None: ...

class AuditEntry(_message.Message):
    __slots__ = ("seq", "at", "actor", "action", "agreement_id", "purpose", "details_json", "hash")
    SEQ_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    DETAILS_JSON_FIELD_NUMBER: _ClassVar[int]
    HASH_FIELD_NUMBER: _ClassVar[int]
    seq: int
    at: str
    actor: str
    action: str
    agreement_id: str
    purpose: str
    details_json: str
    hash: str
    def __init__(self, seq: _Optional[int] = ..., at: _Optional[str] = ..., actor: _Optional[str] = ..., action: _Optional[str] = ..., agreement_id: _Optional[str] = ..., purpose: _Optional[str] = ..., details_json: _Optional[str] = ..., hash: _Optional[str] = ...) -> None: ...

class AuditEntries(_message.Message):
    __slots__ = ("entries",)
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[AuditEntry]
    def __init__(self, entries: _Optional[_Iterable[_Union[AuditEntry, _Mapping]]] = ...) -> None: ...

class AuditHeadRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class AnchorRequest(_message.Message):
    __slots__ = ("seq", "head_hash", "signature")
    SEQ_FIELD_NUMBER: _ClassVar[int]
    HEAD_HASH_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    seq: int
    head_hash: str
    signature: bytes
    def __init__(self, seq: _Optional[int] = ..., head_hash: _Optional[str] = ..., signature: _Optional[bytes] = ...) -> None: ...

class AuditAnchor(_message.Message):
    __slots__ = ("seq", "head_hash", "at", "signer_certificate_pem", "signature")
    SEQ_FIELD_NUMBER: _ClassVar[int]
    HEAD_HASH_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    SIGNER_CERTIFICATE_PEM_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    seq: int
    head_hash: str
    at: str
    signer_certificate_pem: bytes
    signature: bytes
    def __init__(self, seq: _Optional[int] = ..., head_hash: _Optional[str] = ..., at: _Optional[str] = ..., signer_certificate_pem: _Optional[bytes] = ..., signature: _Optional[bytes] = ...) -> None: ...

class CertificateRegistration(_message.Message):
    __slots__ = ("certificate_pem",)
    CERTIFICATE_PEM_FIELD_NUMBER: _ClassVar[int]
    certificate_pem: bytes
    def __init__(self, certificate_pem: _Optional[bytes] = ...) -> None: ...

class RegisteredParty(_message.Message):
    __slots__ = ("department", "role", "fingerprint", "serial")
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    SERIAL_FIELD_NUMBER: _ClassVar[int]
    department: str
    role: str
    fingerprint: str
    serial: str
    def __init__(self, department: _Optional[str] = ..., role: _Optional[str] = ..., fingerprint: _Optional[str] = ..., serial: _Optional[str] = ...) -> None: ...

class RevocationList(_message.Message):
    __slots__ = ("crl_pem",)
    CRL_PEM_FIELD_NUMBER: _ClassVar[int]
    crl_pem: bytes
    def __init__(self, crl_pem: _Optional[bytes] = ...) -> None: ...

class CrlReceipt(_message.Message):
    __slots__ = ("revoked",)
    REVOKED_FIELD_NUMBER: _ClassVar[int]
    revoked: int
    def __init__(self, revoked: _Optional[int] = ...) -> None: ...
