"""The matcher's typed run specification over the run-file format (`pprl.runfiles`).

`RunSpec` carries the run's options as linkage enums; `RunFiles` is the run directory that
reads and writes it. States, statuses and the layout on disk are `pprl.runfiles`'.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from linkage.options import DEFAULT_BLOCKING, DEFAULT_DUPLICATES_AT, BlockingMethod, Solver
from pprl.runfiles import (
    RUN_FAILED,
    RUNS_SUBDIR,
    RunDirectory,
    RunState,
    RunStatus,
    now_iso,
)

__all__ = [
    "RUNS_SUBDIR",
    "RUN_FAILED",
    "RunFiles",
    "RunSpec",
    "RunState",
    "RunStatus",
    "now_iso",
]


@dataclass(frozen=True)
class RunSpec:
    run_id: str
    agreement_id: str
    dataset_a: str
    dataset_b: str
    threshold: float
    blocking: BlockingMethod
    solver: Solver
    created_by: str
    created_at: str
    # Many-to-one near-copies: the Dice to keep them at, or None to keep one B record (a spec
    # without the field runs with the matcher's default).
    duplicates_at: float | None = DEFAULT_DUPLICATES_AT

    def __post_init__(self) -> None:
        # spec.json holds the enums' values; "" is how a spec written before blocking was an
        # enum says the matcher's default.
        if not isinstance(self.blocking, BlockingMethod):
            blocking = BlockingMethod(self.blocking) if self.blocking else DEFAULT_BLOCKING
            object.__setattr__(self, "blocking", blocking)
        object.__setattr__(self, "solver", Solver(self.solver))

    def to_json(self) -> bytes:
        data = asdict(self)
        data["blocking"] = self.blocking.value
        data["solver"] = self.solver.value
        return json.dumps(data, sort_keys=True).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> RunSpec:
        return cls(**json.loads(raw))


class RunFiles(RunDirectory):
    """One run's files, with the spec as a `RunSpec`."""

    def spec(self) -> RunSpec:
        return RunSpec.from_json(self.spec_json())

    def write_spec(self, spec: RunSpec) -> None:
        self.write_spec_json(spec.to_json())
