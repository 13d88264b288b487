"""Dates in the forms clerks write them: 1985-03-02, 1985/3/2, 19850302, 1985年3月2日, 1985.03.02.

Full-width digits are folded by NFKC, a trailing time (`1985-03-02 00:00:00`) is ignored, and
a date must exist in the calendar (1880-2100). Dates are held as `int` yyyymmdd (0: unknown).
Day-first and month-first forms (02/03/1985) are ambiguous and therefore refused.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pyarrow as pa

from bloom.cn_id import valid_date
from bloom.columns import as_string_array, map_distinct

_FORMS = (
    re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})(?:[ T].*)?"),
)


def parse_date(raw: str | None) -> int | None:
    """yyyymmdd for a date in a common form, None when empty or not a real date."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    for form in _FORMS:
        m = form.fullmatch(text)
        if m:
            y, mo, d = (int(g) for g in m.groups())
            return y * 10000 + mo * 100 + d if valid_date(y, mo, d) else None
    return None


def prepare_dates(column: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(yyyymmdd int32[n] with 0 unknown, bool[n] non-empty but unparseable)."""
    values, index = map_distinct(as_string_array(column), lambda v: parse_date(v) or -1, 0)
    table = np.array(values, dtype=np.int64)
    out = table[index]
    return np.where(out > 0, out, 0).astype(np.int32), out < 0
