from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class BeginUploadRequest(_message.Message):
    __slots__ = ("upload_id", "agreement_id", "dataset_name", "manifest_json", "total_bytes", "total_sha256")
    UPLOAD_ID_FIELD_NUMBER: _ClassVar[int]
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    DATASET_NAME_FIELD_NUMBER: _ClassVar[int]
    MANIFEST_JSON_FIELD_NUMBER: _ClassVar[int]
    TOTAL_BYTES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SHA256_FIELD_NUMBER: _ClassVar[int]
    upload_id: str
    agreement_id: str
    dataset_name: str
    manifest_json: str
    total_bytes: int
    total_sha256: str
    def __init__(self, upload_id: _Optional[str] = ..., agreement_id: _Optional[str] = ..., dataset_name: _Optional[str] = ..., manifest_json: _Optional[str] = ..., total_bytes: _Optional[int] = ..., total_sha256: _Optional[str] = ...) -> None: ...

class UploadState(_message.Message):
    __slots__ = ("upload_id", "next_offset", "total_bytes", "complete")
    UPLOAD_ID_FIELD_NUMBER: _ClassVar[int]
    NEXT_OFFSET_FIELD_NUMBER: _ClassVar[int]
    TOTAL_BYTES_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_FIELD_NUMBER: _ClassVar[int]
    upload_id: str
    next_offset: int
    total_bytes: int
    complete: bool
    def __init__(self, upload_id: _Optional[str] = ..., next_offset: _Optional[int] = ..., total_bytes: _Optional[int] = ..., complete: _Optional[bool] = ...) -> None: ...

class UploadChunk(_message.Message):
    __slots__ = ("upload_id", "offset", "data", "sha256")
    UPLOAD_ID_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    upload_id: str
    offset: int
    data: bytes
    sha256: bytes
    def __init__(self, upload_id: _Optional[str] = ..., offset: _Optional[int] = ..., data: _Optional[bytes] = ..., sha256: _Optional[bytes] = ...) -> None: ...

class CommitUploadRequest(_message.Message):
    __slots__ = ("upload_id",)
    UPLOAD_ID_FIELD_NUMBER: _ClassVar[int]
    upload_id: str
    def __init__(self, upload_id: _Optional[str] = ...) -> None: ...

class DatasetInfo(_message.Message):
    __slots__ = ("dataset_id", "department", "dataset_name", "agreement_id", "record_count", "content_hash", "schema_fingerprint", "key_id")
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    DATASET_NAME_FIELD_NUMBER: _ClassVar[int]
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    RECORD_COUNT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_HASH_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    department: str
    dataset_name: str
    agreement_id: str
    record_count: int
    content_hash: str
    schema_fingerprint: str
    key_id: str
    def __init__(self, dataset_id: _Optional[str] = ..., department: _Optional[str] = ..., dataset_name: _Optional[str] = ..., agreement_id: _Optional[str] = ..., record_count: _Optional[int] = ..., content_hash: _Optional[str] = ..., schema_fingerprint: _Optional[str] = ..., key_id: _Optional[str] = ...) -> None: ...

class DatasetQuery(_message.Message):
    __slots__ = ("agreement_id",)
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    agreement_id: str
    def __init__(self, agreement_id: _Optional[str] = ...) -> None: ...

class DatasetList(_message.Message):
    __slots__ = ("datasets",)
    DATASETS_FIELD_NUMBER: _ClassVar[int]
    datasets: _containers.RepeatedCompositeFieldContainer[DatasetInfo]
    def __init__(self, datasets: _Optional[_Iterable[_Union[DatasetInfo, _Mapping]]] = ...) -> None: ...

class DatasetRef(_message.Message):
    __slots__ = ("dataset_id",)
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    def __init__(self, dataset_id: _Optional[str] = ...) -> None: ...
