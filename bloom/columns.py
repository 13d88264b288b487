"""Column helpers shared by the normalisers: distinct values and fixed-width code matrices.

Normalisation works on whole Arrow columns: vectorised string kernels where Arrow has them,
and a Python function per *distinct* value where it does not. Nothing here outlives a call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numba import njit

T = TypeVar("T")


def as_string_array(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous string array, nulls kept (any non-string column is cast to text)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if pa.types.is_large_string(column.type) or not pa.types.is_string(column.type):
        column = pc.cast(column, pa.string())
    return column


def distinct(column: pa.Array) -> tuple[list[str | None], np.ndarray]:
    """Distinct values and, per row, the index of its value (nulls get their own entry)."""
    encoded = pc.dictionary_encode(column, null_encoding="encode")
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    indices = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return encoded.dictionary.to_pylist(), indices


def distinct_array(column: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, np.ndarray]:
    """Distinct values as an Arrow string array (null read as "") and each row's index."""
    encoded = pc.dictionary_encode(as_string_array(column), null_encoding="encode")
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    indices = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return pc.fill_null(encoded.dictionary, ""), indices


def convert_lines(converter: Callable[[str], str], values: pa.Array) -> pa.Array:
    """Apply a whole-text converter (OpenCC) to every value in one call, one value per line.

    The values must not contain newlines. Joining and splitting stay in Arrow."""
    if len(values) == 0:
        return values
    whole = pa.ListArray.from_arrays(pa.array([0, len(values)], pa.int32()), values)
    text = converter(pc.binary_join(whole, "\n")[0].as_py())
    lines = pc.split_pattern(pa.array([text], pa.string()), "\n").flatten()
    if len(lines) != len(values):
        raise ValueError("the converter changed the number of lines")
    return lines


# Characters NFKC never changes: ASCII, the middle dot and the CJK unified ideographs.
_NOT_NFKC_STABLE = "[^\\x{0}-\\x{7f}\\x{b7}\\x{3400}-\\x{4dbf}\\x{4e00}-\\x{9fff}]"


def nfkc(values: pa.Array) -> pa.Array:
    """Unicode NFKC, applied only to the values that hold a character it could change."""
    needs = pc.fill_null(pc.match_substring_regex(values, _NOT_NFKC_STABLE), False)
    count = pc.sum(needs).as_py() or 0
    if count == 0:
        return values
    if count > len(values) // 4:
        return pc.utf8_normalize(values, "NFKC")
    normalised = pc.utf8_normalize(pc.filter(values, needs), "NFKC")
    return pc.replace_with_mask(values, needs, normalised)


def map_distinct(
    column: pa.Array, fn: Callable[[str], T], missing: T
) -> tuple[list[T], np.ndarray]:
    """Apply `fn` once per distinct non-empty value; returns (results, per-row index)."""
    values, indices = distinct(column)
    results = [missing if v is None or not v.strip() else fn(v) for v in values]
    return results, indices


def code_matrix(strings: list[str], width: int | None = None) -> np.ndarray:
    """Unicode code points as `uint32[len(strings), width]`, zero-padded on the right."""
    if width is None:
        width = max((len(s) for s in strings), default=1) or 1
    if not strings:
        return np.zeros((0, width), dtype=np.uint32)
    arr = np.array(strings, dtype=f"<U{width}")
    return arr.view(np.uint32).reshape(len(strings), width)


def ascii_matrix(column: pa.Array, width: int) -> tuple[np.ndarray, np.ndarray]:
    """The first `width` bytes of each string as `uint8[n, width]` (zero-padded) and lengths."""
    column = as_string_array(column).fill_null("")
    n = len(column)
    offsets = np.frombuffer(
        column.buffers()[1], dtype=np.int32, count=n + 1, offset=4 * column.offset
    )
    data_buf = column.buffers()[2]
    data = (
        np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    )
    starts = offsets[:-1].astype(np.int64)
    lengths = (offsets[1:] - offsets[:-1]).astype(np.int64)
    return _gather_bytes(data, starts, lengths, width), lengths


@njit(cache=True, nogil=True)
def _gather_bytes(data, starts, lengths, width):  # pragma: no cover - compiled
    out = np.zeros((starts.shape[0], width), dtype=np.uint8)
    for r in range(starts.shape[0]):
        for j in range(min(lengths[r], width)):
            out[r, j] = data[starts[r] + j]
    return out


def rows_to_strings(codes: np.ndarray) -> list[str]:
    """Inverse of `code_matrix`/`ascii_matrix`: one string per row, padding dropped."""
    if codes.dtype == np.uint8:
        return [bytes(r).rstrip(b"\0").decode("ascii") for r in codes]
    width = codes.shape[1]
    as_u = np.ascontiguousarray(codes, dtype=np.uint32).view(f"<U{width}").ravel()
    return [str(s) for s in as_u]
