from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Solver(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SOLVER_UNSPECIFIED: _ClassVar[Solver]
    SOLVER_GREEDY: _ClassVar[Solver]
    SOLVER_MANY_TO_ONE: _ClassVar[Solver]
    SOLVER_NONE: _ClassVar[Solver]

class Blocking(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BLOCKING_UNSPECIFIED: _ClassVar[Blocking]
    BLOCKING_KEYS: _ClassVar[Blocking]
    BLOCKING_LSH: _ClassVar[Blocking]
    BLOCKING_EXHAUSTIVE: _ClassVar[Blocking]

class RunState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RUN_STATE_UNSPECIFIED: _ClassVar[RunState]
    QUEUED: _ClassVar[RunState]
    RUNNING: _ClassVar[RunState]
    SUCCEEDED: _ClassVar[RunState]
    FAILED: _ClassVar[RunState]
    CANCELLED: _ClassVar[RunState]
SOLVER_UNSPECIFIED: Solver
SOLVER_GREEDY: Solver
SOLVER_MANY_TO_ONE: Solver
SOLVER_NONE: Solver
BLOCKING_UNSPECIFIED: Blocking
BLOCKING_KEYS: Blocking
BLOCKING_LSH: Blocking
BLOCKING_EXHAUSTIVE: Blocking
RUN_STATE_UNSPECIFIED: RunState
QUEUED: RunState
RUNNING: RunState
SUCCEEDED: RunState
FAILED: RunState
CANCELLED: RunState

class CreateRunRequest(_message.Message):
    __slots__ = ("agreement_id", "dataset_a", "dataset_b", "threshold", "solver", "duplicates_at", "blocking")
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    DATASET_A_FIELD_NUMBER: _ClassVar[int]
    DATASET_B_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    SOLVER_FIELD_NUMBER: _ClassVar[int]
    DUPLICATES_AT_FIELD_NUMBER: _ClassVar[int]
    BLOCKING_FIELD_NUMBER: _ClassVar[int]
    agreement_id: str
    dataset_a: str
    dataset_b: str
    threshold: float
    solver: Solver
    duplicates_at: float
    blocking: Blocking
    def __init__(self, agreement_id: _Optional[str] = ..., dataset_a: _Optional[str] = ..., dataset_b: _Optional[str] = ..., threshold: _Optional[float] = ..., solver: _Optional[_Union[Solver, str]] = ..., duplicates_at: _Optional[float] = ..., blocking: _Optional[_Union[Blocking, str]] = ...) -> None: ...

class RunRef(_message.Message):
    __slots__ = ("run_id",)
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    def __init__(self, run_id: _Optional[str] = ...) -> None: ...

class RunStatus(_message.Message):
    __slots__ = ("run_id", "agreement_id", "state", "stage", "progress", "matches", "message", "dataset_a", "dataset_b", "created_at", "finished_at", "attempts")
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    MATCHES_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    DATASET_A_FIELD_NUMBER: _ClassVar[int]
    DATASET_B_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    agreement_id: str
    state: RunState
    stage: str
    progress: float
    matches: int
    message: str
    dataset_a: str
    dataset_b: str
    created_at: str
    finished_at: str
    attempts: int
    def __init__(self, run_id: _Optional[str] = ..., agreement_id: _Optional[str] = ..., state: _Optional[_Union[RunState, str]] = ..., stage: _Optional[str] = ..., progress: _Optional[float] = ..., matches: _Optional[int] = ..., message: _Optional[str] = ..., dataset_a: _Optional[str] = ..., dataset_b: _Optional[str] = ..., created_at: _Optional[str] = ..., finished_at: _Optional[str] = ..., attempts: _Optional[int] = ...) -> None: ...

class ResultChunk(_message.Message):
    __slots__ = ("arrow_ipc", "side")
    ARROW_IPC_FIELD_NUMBER: _ClassVar[int]
    SIDE_FIELD_NUMBER: _ClassVar[int]
    arrow_ipc: bytes
    side: str
    def __init__(self, arrow_ipc: _Optional[bytes] = ..., side: _Optional[str] = ...) -> None: ...

class ListRunsRequest(_message.Message):
    __slots__ = ("agreement_id",)
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    agreement_id: str
    def __init__(self, agreement_id: _Optional[str] = ...) -> None: ...

class RunList(_message.Message):
    __slots__ = ("runs",)
    RUNS_FIELD_NUMBER: _ClassVar[int]
    runs: _containers.RepeatedCompositeFieldContainer[RunStatus]
    def __init__(self, runs: _Optional[_Iterable[_Union[RunStatus, _Mapping]]] = ...) -> None: ...
