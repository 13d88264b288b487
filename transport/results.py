"""What each party of an agreement may see of a run's matched pairs (pure functions).

A party sees the match ids, its own record tokens, the score and the match probability (null
where the run fitted no score model; results written before it existed have none), never the
counterpart's
tokens (they would let it follow the other department's records across runs). Anybody else
gets nothing: the servicer refuses before calling these.
"""

from __future__ import annotations

import re

import pyarrow as pa

from pprl.errors import AuthorisationError

CHUNK_BYTES = 1024 * 1024


_THRESHOLD_MESSAGE = re.compile(r"^threshold ([0-9.]+) \((\w+)\): (.*)$", re.S)


def threshold_message(threshold: float, method: str, reason: str) -> str:
    """What a finished run's status says of its threshold (`threshold_of_message` reads it)."""
    return f"threshold {threshold:g} ({method}): {reason}"


def threshold_of_message(message: str) -> tuple[float | None, str]:
    """The threshold and its reason from a run status message; (None, message) if it has none."""
    found = _THRESHOLD_MESSAGE.match(message or "")
    if found is None:
        return None, message or ""
    return float(found.group(1)), f"{found.group(2)}: {found.group(3)}"


def side_of(department: str, dept_a: str, dept_b: str) -> str:
    if department == dept_a:
        return "a"
    if department == dept_b:
        return "b"
    raise AuthorisationError()


def party_view(result: pa.Table, side: str) -> pa.Table:
    own = "token_a" if side == "a" else "token_b"
    return pa.table(
        {
            "match_id": result.column("match_id"),
            "own_token": result.column(own),
            "score": result.column("score"),
            "probability": result.column("probability")
            if "probability" in result.column_names
            else pa.nulls(result.num_rows, pa.float64()),
        }
    )


def ipc_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def byte_chunks(raw: bytes, size: int = CHUNK_BYTES):
    """Consecutive slices; concatenated in order they give `raw` back (at least one slice)."""
    for start in range(0, max(len(raw), 1), size):
        yield raw[start : start + size]


def read_ipc(raw: bytes) -> pa.Table:
    with pa.ipc.open_stream(pa.py_buffer(raw)) as reader:
        return reader.read_all()
