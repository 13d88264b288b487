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
import pyarrow.compute as pc

from bloom.cn_id import days_in_month, valid_date
from bloom.columns import as_string_array

_FORMS = (
    r"^(?P<y>[0-9]{4}) *[-/.年] *(?P<m>[0-9]{1,2}) *[-/.月] *(?P<d>[0-9]{1,2}) *日?(?:[ T].*)?$",
    r"^(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})(?:[ T].*)?$",
)


def parse_date(raw: str | None) -> int | None:
    """yyyymmdd for a date in a common form, None when empty or not a real date."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    for form in _FORMS:
        m = re.match(form, text, flags=re.S)
        if m:
            y, mo, d = (int(g) for g in m.groups())
            return y * 10000 + mo * 100 + d if valid_date(y, mo, d) else None
    return None


def prepare_dates(column: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(yyyymmdd int32[n] with 0 unknown, bool[n] non-empty but unparseable)."""
    text = pc.utf8_trim_whitespace(pc.utf8_normalize(as_string_array(column), "NFKC"))
    n = len(text)
    y = np.zeros(n, dtype=np.int64)
    m = np.zeros(n, dtype=np.int64)
    d = np.zeros(n, dtype=np.int64)
    found = np.zeros(n, dtype=bool)
    for form in _FORMS:
        parts = pc.extract_regex(text, form)
        matched = parts.is_valid()
        hit = matched.to_numpy(zero_copy_only=False) & ~found
        for name, out in (("y", y), ("m", m), ("d", d)):
            values = pc.cast(pc.if_else(matched, parts.field(name), "0"), pa.int64())
            out[hit] = values.to_numpy(zero_copy_only=False)[hit]
        found |= hit
    real = found & (y >= 1880) & (y <= 2100) & (m >= 1) & (m <= 12) & (d >= 1)
    real &= d <= days_in_month(y, m)
    dates = np.where(real, y * 10000 + m * 100 + d, 0).astype(np.int32)
    nonempty = pc.fill_null(pc.utf8_length(text), 0).to_numpy(zero_copy_only=False) > 0
    return dates, nonempty & ~real
