"""Encoding a file's chunks on every core: worker processes, results in input order.

    with ChunkEncoder(schema, secret, workers=2) as encoder:
        for tag, chunk in encoder.map((tag, table) for ...):   # EncodedChunk per table
            ...

`encode_chunk` is the work on one table of records, the same function in this process
(`workers=1`) and in a worker, so the output does not depend on the number of workers: a
record's filter and blocking keys depend only on the record and the key, and chunks come back
in the order they went in. Record tokens are not part of a chunk: the caller draws them.

The linkage secret reaches a worker once, as an argument of the pool's initializer: a forked
worker inherits it in memory, a fresh one receives it through the pool's pipe. It never goes
through the environment, a command line or a file. At most `workers + 1` chunks are in flight,
so reading stays a little ahead of encoding and memory stays bounded.

Workers are forked (cheap: this process has already imported everything) unless this process
has already run a parallel Numba kernel, whose OpenMP threads do not survive a fork; then they
come from a fork server started fresh.
"""

from __future__ import annotations

import multiprocessing as mp
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from bloom.encoder import Reject, encode
from bloom.schema import Schema
from bloom.secret import LinkageSecret

SMALL_ROWS = 2_000  # below this, no thread pool inside the encoder either


@dataclass(frozen=True)
class EncodedChunk:
    """One table's encoding without record tokens (holds no key material)."""

    clks: np.ndarray  # uint8[m, 128]
    blocking: dict[str, tuple[np.ndarray, np.ndarray]]
    source_rows: np.ndarray  # int64[m]: row of the table each encoded record came from
    rejects: list[Reject]  # rows of the table
    counts: dict[str, int]


def encode_chunk(
    table: pa.Table, schema: Schema, secret: LinkageSecret, threads: int = 2
) -> EncodedChunk:
    threads = 1 if table.num_rows < SMALL_ROWS else threads
    result = encode(table, schema, secret, threads=threads)
    return EncodedChunk(
        result.clks, result.blocking, result.source_rows, result.rejects, result.counts
    )


# A worker's own state, set once by its initializer (never sent with a task).
_WORKER: dict[str, Any] = {}


def _start_worker(schema: Schema, raw_secret: bytes) -> None:
    import numba

    numba.set_num_threads(1)  # the workers already fill the cores
    _WORKER["schema"] = schema
    _WORKER["secret"] = LinkageSecret.from_bytes(raw_secret)


def _work(table: pa.Table) -> EncodedChunk:
    # One thread per worker: the workers already fill the cores.
    return encode_chunk(table, _WORKER["schema"], _WORKER["secret"], threads=1)


def _context() -> mp.context.BaseContext:
    from numba.np.ufunc import parallel

    methods = mp.get_all_start_methods()
    if "fork" in methods and not parallel._is_initialized:
        return mp.get_context("fork")
    return mp.get_context("forkserver" if "forkserver" in methods else "spawn")


class ChunkEncoder:
    """Encodes tables in `workers` processes (or in this one for `workers=1`), in order."""

    def __init__(self, schema: Schema, secret: LinkageSecret, workers: int = 1) -> None:
        self.schema = schema
        self.secret = secret
        self.workers = workers
        self.pool = None
        if workers > 1:
            self.pool = _context().Pool(
                workers, initializer=_start_worker, initargs=(schema, secret.expose())
            )

    def map(self, items: Iterable[tuple[Any, pa.Table]]) -> Iterator[tuple[Any, EncodedChunk]]:
        """(tag, table) in -> (tag, EncodedChunk) out, in the same order."""
        if self.pool is None:
            for tag, table in items:
                yield tag, encode_chunk(table, self.schema, self.secret)
            return
        pending: deque = deque()
        for tag, table in items:
            pending.append((tag, self.pool.apply_async(_work, (table,))))
            if len(pending) > self.workers:
                tag_, done = pending.popleft()
                yield tag_, done.get()
        while pending:
            tag_, done = pending.popleft()
            yield tag_, done.get()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.terminate()  # finished or failed: nothing left worth waiting for
            self.pool.join()
            self.pool = None

    def __enter__(self) -> ChunkEncoder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
