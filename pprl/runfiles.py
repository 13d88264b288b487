"""The run-file format: a run's specification and progress as files in the matcher's data directory.

    runs/<run_id>/spec.json       what to match (written once, at creation)
    runs/<run_id>/status.json     state, stage, progress (rewritten atomically as it moves)
    runs/<run_id>/result.parquet  match_id, token_a, token_b, score, probability (written once)
    runs/<run_id>/summary.json    the run's figures: threshold and why, blocking, timings, the
                                  score histogram and model curves (written with the result)

Because all of a run lives in these files, a matcher restarted after a crash finds every run
that had not finished and starts it again; the matching is deterministic, so the result is the
same as an uninterrupted run's.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import re
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from pprl.errors import NotFound
from pprl.files import write_atomic

# What a client is told of any failure; the reason (which may name server paths) is logged.
RUN_FAILED = "run failed (the reason is in the matcher's log)"

_RUN_ID = re.compile(r"^run-[0-9a-f]{16}$")
RUNS_SUBDIR = "runs"  # under the matcher's data directory


class RunState(enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def final(self) -> bool:
        return self in (RunState.SUCCEEDED, RunState.FAILED, RunState.CANCELLED)


@dataclass(frozen=True)
class RunStatus:
    state: RunState
    stage: str = "queued"
    progress: float = 0.0
    matches: int = 0
    message: str = ""
    attempts: int = 0
    finished_at: str = ""

    def to_json(self) -> bytes:
        data = asdict(self)
        data["state"] = self.state.value
        return json.dumps(data, sort_keys=True).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> RunStatus:
        data = json.loads(raw)
        data["state"] = RunState(data["state"])
        return cls(**data)

    def moved(self, **changes) -> RunStatus:
        status = replace(self, **changes)
        if status.state.final and not status.finished_at:
            status = replace(status, finished_at=now_iso())
        return status


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class RunDirectory:
    """Reads and writes one run's files; the spec as the JSON it is stored as.

    The matcher's typed view of the spec (its options as linkage enums) is
    `transport.runstate.RunSpec`; this layer only knows the file layout.
    """

    def __init__(self, runs_root: Path, run_id: str) -> None:
        if not _RUN_ID.match(run_id):
            raise NotFound("unknown run")
        self.dir = runs_root / run_id
        self.run_id = run_id

    @classmethod
    def in_data_dir(cls, data_dir: Path, run_id: str):
        return cls(Path(data_dir) / RUNS_SUBDIR, run_id)

    @property
    def exists(self) -> bool:
        return (self.dir / "spec.json").exists()

    @property
    def result_path(self) -> Path:
        return self.dir / "result.parquet"

    @property
    def summary_path(self) -> Path:
        return self.dir / "summary.json"

    def spec_json(self) -> bytes:
        if not self.exists:
            raise NotFound("unknown run")
        return (self.dir / "spec.json").read_bytes()

    def spec_data(self) -> dict:
        return json.loads(self.spec_json())

    def status(self) -> RunStatus:
        return RunStatus.from_json((self.dir / "status.json").read_bytes())

    def write_spec_json(self, spec_json: bytes) -> None:
        self.dir.mkdir(parents=True, exist_ok=False)
        write_atomic(self.dir / "status.json", RunStatus(RunState.QUEUED).to_json())
        write_atomic(self.dir / "spec.json", spec_json)

    def write_status(self, status: RunStatus) -> None:
        write_atomic(self.dir / "status.json", status.to_json())
