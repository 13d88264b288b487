"""Sex as written in Chinese records: 男/女, M/F, male/female, GB/T 2261.1 codes 1/2.

Held as int8: 1 male, 2 female, 0 unknown (GB/T 2261.1 codes 0 and 9 mean unknown too).
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pyarrow as pa

from bloom.columns import as_string_array, map_distinct

_MALE = {"男", "男性", "m", "male", "1", "man"}
_FEMALE = {"女", "女性", "f", "female", "2", "woman"}
_UNKNOWN = {"0", "9", "未知", "未说明", "unknown", "u", "x"}


def parse_sex(raw: str | None) -> int | None:
    """1 male, 2 female, 0 stated as unknown, None unreadable."""
    text = unicodedata.normalize("NFKC", raw or "").strip().lower()
    if not text:
        return 0
    if text in _MALE:
        return 1
    if text in _FEMALE:
        return 2
    if text in _UNKNOWN:
        return 0
    return None


def prepare_sex(column: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(int8[n] 1/2/0, bool[n] non-empty but unreadable)."""
    values, index = map_distinct(as_string_array(column), lambda v: parse_sex(v), 0)
    table = np.array([-1 if v is None else v for v in values], dtype=np.int8)
    out = table[index]
    return np.where(out > 0, out, 0).astype(np.int8), out < 0
