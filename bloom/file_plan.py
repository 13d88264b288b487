"""How a file is encoded: its row count up front, the chunk size and how many processes.

    plan_encoding("records.csv", workers=None) -> EncodePlan(rows, workers, chunk_rows)

`rows` is known before reading: a Parquet file's metadata says it, a CSV's line count (less the
header) is counted in one pass over the bytes (about 0.1 s per 100 MB; a quoted field holding a
newline makes it a slight overestimate), a workbook's rows its reader reports. It gives the
progress bar its total and ETA and sizes the work: a small input is encoded in this process
(starting workers would cost more than they save), a large one in chunks over every core.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pprl.tables import DEFAULT_CHUNK_ROWS, is_excel, is_parquet

PARALLEL_MIN_ROWS = 50_000  # below: one process (2 threads); workers cost more than they save
MIN_CHUNK_ROWS = 10_000
MAX_CHUNK_ROWS = 50_000  # per worker task: bounds memory in flight, keeps every core busy
_READ = 1 << 24


@dataclass(frozen=True)
class EncodePlan:
    rows: int | None  # data rows, as counted before reading (None: unknown)
    workers: int  # 1: encode in this process
    chunk_rows: int


def available_cores() -> int:
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def count_rows(path: str | Path) -> int | None:
    """Data rows of a Parquet file (its metadata) or a CSV (its lines less the header); None
    for a workbook (its reader knows, `TableChunks.total_rows`)."""
    path = str(path)
    if is_excel(path):
        return None
    try:
        if is_parquet(path):
            import pyarrow.parquet as pq

            return pq.ParquetFile(path).metadata.num_rows
        lines, last = 0, b"\n"
        with open(path, "rb") as handle:
            while block := handle.read(_READ):
                lines += block.count(b"\n")
                last = block[-1:]
        lines += last != b"\n"  # a last line without its newline
        return max(lines - 1, 0)
    except Exception:  # unreadable here: the reader reports it properly
        return None


def plan_encoding(path: str | Path, workers: int | None = None) -> EncodePlan:
    """`workers`: None for every core when the input is large; 1 for this process only."""
    rows = count_rows(path)
    if workers is not None and workers < 1:
        raise ValueError("workers must be at least 1")
    cores = available_cores() if workers is None else workers
    if cores == 1 or (workers is None and (rows is None or rows < PARALLEL_MIN_ROWS)):
        return EncodePlan(rows, 1, DEFAULT_CHUNK_ROWS)
    per_task = (rows or DEFAULT_CHUNK_ROWS) // (2 * cores)  # two tasks per core: even finish
    chunk = min(max(per_task, MIN_CHUNK_ROWS), MAX_CHUNK_ROWS)
    return EncodePlan(rows, cores, chunk)
