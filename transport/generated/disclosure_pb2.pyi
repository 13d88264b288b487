from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AgreementRef(_message.Message):
    __slots__ = ("agreement_id",)
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    agreement_id: str
    def __init__(self, agreement_id: _Optional[str] = ...) -> None: ...

class AgreementView(_message.Message):
    __slots__ = ("agreement_id", "application_json", "sharing_type", "applicant_signature", "applicant_certificate_pem", "approvals")
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_JSON_FIELD_NUMBER: _ClassVar[int]
    SHARING_TYPE_FIELD_NUMBER: _ClassVar[int]
    APPLICANT_SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    APPLICANT_CERTIFICATE_PEM_FIELD_NUMBER: _ClassVar[int]
    APPROVALS_FIELD_NUMBER: _ClassVar[int]
    agreement_id: str
    application_json: str
    sharing_type: str
    applicant_signature: bytes
    applicant_certificate_pem: bytes
    approvals: _containers.RepeatedCompositeFieldContainer[SignedApproval]
    def __init__(self, agreement_id: _Optional[str] = ..., application_json: _Optional[str] = ..., sharing_type: _Optional[str] = ..., applicant_signature: _Optional[bytes] = ..., applicant_certificate_pem: _Optional[bytes] = ..., approvals: _Optional[_Iterable[_Union[SignedApproval, _Mapping]]] = ...) -> None: ...

class SignedApproval(_message.Message):
    __slots__ = ("party", "signature", "certificate_pem")
    PARTY_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_PEM_FIELD_NUMBER: _ClassVar[int]
    party: str
    signature: bytes
    certificate_pem: bytes
    def __init__(self, party: _Optional[str] = ..., signature: _Optional[bytes] = ..., certificate_pem: _Optional[bytes] = ...) -> None: ...

class PartyRef(_message.Message):
    __slots__ = ("agreement_id", "department")
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    agreement_id: str
    department: str
    def __init__(self, agreement_id: _Optional[str] = ..., department: _Optional[str] = ...) -> None: ...

class CertificateView(_message.Message):
    __slots__ = ("department", "certificate_pem")
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_PEM_FIELD_NUMBER: _ClassVar[int]
    department: str
    certificate_pem: bytes
    def __init__(self, department: _Optional[str] = ..., certificate_pem: _Optional[bytes] = ...) -> None: ...

class SealedPayload(_message.Message):
    __slots__ = ("disclosure_id", "run_id", "agreement_id", "sender", "recipient", "fields", "record_count", "ephemeral_public_key", "nonce", "ciphertext", "signature")
    DISCLOSURE_ID_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    SENDER_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    RECORD_COUNT_FIELD_NUMBER: _ClassVar[int]
    EPHEMERAL_PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    CIPHERTEXT_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    disclosure_id: str
    run_id: str
    agreement_id: str
    sender: str
    recipient: str
    fields: _containers.RepeatedScalarFieldContainer[str]
    record_count: int
    ephemeral_public_key: bytes
    nonce: bytes
    ciphertext: bytes
    signature: bytes
    def __init__(self, disclosure_id: _Optional[str] = ..., run_id: _Optional[str] = ..., agreement_id: _Optional[str] = ..., sender: _Optional[str] = ..., recipient: _Optional[str] = ..., fields: _Optional[_Iterable[str]] = ..., record_count: _Optional[int] = ..., ephemeral_public_key: _Optional[bytes] = ..., nonce: _Optional[bytes] = ..., ciphertext: _Optional[bytes] = ..., signature: _Optional[bytes] = ...) -> None: ...

class SubmitReceipt(_message.Message):
    __slots__ = ("disclosure_id",)
    DISCLOSURE_ID_FIELD_NUMBER: _ClassVar[int]
    disclosure_id: str
    def __init__(self, disclosure_id: _Optional[str] = ...) -> None: ...

class FetchRequest(_message.Message):
    __slots__ = ("run_id",)
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    def __init__(self, run_id: _Optional[str] = ...) -> None: ...
