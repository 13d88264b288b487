"""Execute one run in its own process:
`python -m transport.run_worker RUN_DIR DATASETS PID [MAX_PAIRS]`.

A separate process so that cancelling is immediate (the matcher terminates it) and a crash in
the matching cannot take the server down. The worker exits on its own when its parent, the
matcher, disappears; the restarted matcher then runs it again from the start.

A run whose candidate pairs pass MAX_PAIRS stops as soon as they do and fails with that
reason, which the parties see (it names no server path); any other failure reaches them only
as "run failed", its reason going to the matcher's log.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pprl.errors import LimitExceeded
from pprl.files import atomic_path, write_json_atomic
from transport.results import threshold_message
from transport.runstate import RUN_FAILED, RunFiles, RunState, RunStatus
from transport.uploads import DATASET_SUFFIX, load_dataset


def _die_with_parent(parent: int) -> None:
    """Ask Linux to kill us when the matcher dies; elsewhere a watchdog thread does it."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os._exit(3)
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    while True:
        if os.getppid() != parent:
            os._exit(3)
        time.sleep(0.2)


RESULT_SCHEMA = pa.schema(
    [
        ("token_a", pa.string()),
        ("token_b", pa.string()),
        ("score", pa.float64()),
        ("probability", pa.float64()),  # null where the run could fit no score model
    ]
)


def canonical_result(pairs: pa.Table) -> pa.Table:
    """Pairs in one documented order (score descending, then tokens) with a match_id each."""
    if "probability" not in pairs.column_names:
        pairs = pairs.append_column("probability", pa.nulls(pairs.num_rows, pa.float64()))
    table = pairs.select(RESULT_SCHEMA.names).cast(RESULT_SCHEMA)
    table = table.sort_by(
        [("score", "descending"), ("token_a", "ascending"), ("token_b", "ascending")]
    )
    match_id = pa.array(range(table.num_rows), type=pa.uint32())
    return table.add_column(0, "match_id", match_id)


# Comparisons per partition: small enough that one partition's pairs, even at a threshold
# that keeps all of them, stay a few hundred MB before the pair limit is checked again.
PARTITION_COMPARISONS = 20_000_000


def run_summary(result) -> dict:
    """summary.json beside the result: the figures of `pprl match --summary` (for the
    matcher's operator; no record tokens)."""
    timings = {k: round(v, 4) for k, v in result.timings.items()}
    return {**result.summary(), "timings_s": timings}


def execute(files: RunFiles, datasets: Path, max_pairs: int | None = None) -> RunStatus:
    import linkage  # imported here: only the worker process pays for the kernels
    from linkage.executor import LocalExecutor

    spec = files.spec()
    status = files.status().moved(state=RunState.RUNNING, stage="loading", progress=0.05)
    files.write_status(status)
    a = load_dataset(datasets / f"{spec.dataset_a}{DATASET_SUFFIX}")
    b = load_dataset(datasets / f"{spec.dataset_b}{DATASET_SUFFIX}")
    a.manifest.check_compatible(b.manifest)
    status = status.moved(stage="matching", progress=0.2)
    files.write_status(status)
    last_write = [0.0]

    def progress(done: int, total: int) -> None:
        # Throttled: the status file is rewritten at most every 0.2 s.
        now = time.monotonic()
        if total and now - last_write[0] >= 0.2:
            last_write[0] = now
            files.write_status(status.moved(progress=0.2 + 0.7 * done / total))

    result = linkage.match(
        a,
        b,
        threshold=spec.threshold or "auto",  # 0: chosen by the run (linkage.auto_threshold)
        blocking=spec.blocking,
        solver=spec.solver,
        duplicates_at=spec.duplicates_at,
        progress=progress,
        executor=LocalExecutor(PARTITION_COMPARISONS, max_pairs=max_pairs),
    )
    table = canonical_result(result.to_table())
    status = status.moved(stage="writing", progress=0.9)
    files.write_status(status)
    with atomic_path(files.result_path) as tmp:
        pq.write_table(table, str(tmp))
    write_json_atomic(files.summary_path, run_summary(result))
    c = result.choice
    status = status.moved(
        state=RunState.SUCCEEDED,
        stage="done",
        progress=1.0,
        matches=table.num_rows,
        message=threshold_message(c.threshold, c.method.value, c.reason),
    )
    files.write_status(status)
    return status


def main(argv: list[str]) -> int:
    run_dir, datasets = Path(argv[0]), Path(argv[1])
    _die_with_parent(int(argv[2]))
    max_pairs = int(argv[3]) if len(argv) > 3 else None
    files = RunFiles(run_dir.parent, run_dir.name)
    try:
        execute(files, datasets, max_pairs)
    except Exception as exc:  # the client gets a generic failure; the reason goes to the log
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        message = f"run failed: {exc}" if isinstance(exc, LimitExceeded) else RUN_FAILED
        files.write_status(
            files.status().moved(state=RunState.FAILED, stage="failed", message=message)
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
