"""Dates in the forms clerks write them: 1985-03-02, 1985/3/2, 19850302, 1985年3月2日, 1985.03.02.

Full-width digits are folded by NFKC, a trailing time (`1985-03-02 00:00:00`) is ignored, and
a date must exist in the calendar (1880-2100). Dates are held as `int` yyyymmdd (0: unknown).
Day-first and month-first forms (02/03/1985) are ambiguous and therefore refused.

A value in one of these forms that is not a real date (19371233, 1985-02-30) still keeps the
parts that are: its year (1880-2100) and, when it is 1-12, its month (`prepare_date_parts`),
so a mistyped day costs the day's credit only.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bloom.cn_id import days_in_month, valid_date
from bloom.columns import as_string_array, ascii_matrix

_FORMS = (
    r"^(?P<y>[0-9]{4}) *[-/.年] *(?P<m>[0-9]{1,2}) *[-/.月] *(?P<d>[0-9]{1,2}) *日?(?:[ T].*)?$",
    r"^(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})(?:[ T].*)?$",
)


YEARS = (1880, 2100)


def _fields_of(raw: str | None) -> tuple[int, int, int] | None:
    text = unicodedata.normalize("NFKC", raw or "").strip()
    for form in _FORMS:
        m = re.match(form, text, flags=re.S)
        if m:
            y, mo, d = (int(g) for g in m.groups())
            return y, mo, d
    return None


def parse_date(raw: str | None) -> int | None:
    """yyyymmdd for a date in a common form, None when empty or not a real date."""
    fields = _fields_of(raw)
    if fields is None:
        return None
    y, mo, d = fields
    return y * 10000 + mo * 100 + d if valid_date(y, mo, d) else None


def parse_date_parts(raw: str | None) -> int:
    """For a value in a date form that is not a real date: yyyymm00 of the parts that are
    (month 00 when it is not 1-12), 0 when the year is not one either or the date is real."""
    fields = _fields_of(raw)
    if fields is None or parse_date(raw) is not None:
        return 0
    y, mo, _ = fields
    return _partial(np.array([y]), np.array([mo]), np.array([True]))[0].item()


def _partial(y: np.ndarray, m: np.ndarray, usable: np.ndarray) -> np.ndarray:
    year_ok = usable & (y >= YEARS[0]) & (y <= YEARS[1])
    month = np.where((m >= 1) & (m <= 12), m, 0)
    return np.where(year_ok, y * 10000 + month * 100, 0).astype(np.int32)


def _digits(chars: np.ndarray, columns: list[int]) -> np.ndarray:
    out = np.zeros(chars.shape[0], dtype=np.int64)
    for c in columns:
        out = out * 10 + (chars[:, c].astype(np.int64) - 48)
    return out


def prepare_dates(column: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(yyyymmdd int32[n] with 0 unknown, bool[n] non-empty but not a real date)."""
    dates, _, bad = prepare_date_parts(column)
    return dates, bad


def prepare_date_parts(column: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(yyyymmdd int32[n] with 0 unknown, yyyymm00 int32[n] of the parts of the values that
    are not real dates (`parse_date_parts`), bool[n] non-empty but not a real date).

    The two forms almost every extract uses (1985-03-02 and 19850302) are read straight from
    the bytes; every other value goes through the same patterns as `parse_date`."""
    text = pc.utf8_trim_whitespace(pc.utf8_normalize(as_string_array(column), "NFKC"))
    chars, lengths = ascii_matrix(text, 10)
    digit = (chars >= 48) & (chars <= 57)
    separator = np.isin(chars, np.frombuffer(b"-/.", dtype=np.uint8))
    iso = (lengths == 10) & digit[:, [0, 1, 2, 3, 5, 6, 8, 9]].all(axis=1)
    iso &= separator[:, 4] & separator[:, 7]
    compact = (lengths == 8) & digit[:, :8].all(axis=1)
    y = np.where(iso | compact, _digits(chars, [0, 1, 2, 3]), 0)
    m = np.where(iso, _digits(chars, [5, 6]), np.where(compact, _digits(chars, [4, 5]), 0))
    d = np.where(iso, _digits(chars, [8, 9]), np.where(compact, _digits(chars, [6, 7]), 0))
    found = iso | compact
    others = np.flatnonzero(~found & (lengths > 0))
    if others.size:
        rest = text.take(pa.array(others))
        done = np.zeros(others.size, dtype=bool)
        for form in _FORMS:
            parts = pc.extract_regex(rest, form)
            matched = parts.is_valid()
            hit = matched.to_numpy(zero_copy_only=False) & ~done
            for name, out in (("y", y), ("m", m), ("d", d)):
                values = pc.cast(pc.if_else(matched, parts.field(name), "0"), pa.int64())
                out[others[hit]] = values.to_numpy(zero_copy_only=False)[hit]
            done |= hit
        found[others[done]] = True
    real = found & (y >= YEARS[0]) & (y <= YEARS[1]) & (m >= 1) & (m <= 12) & (d >= 1)
    real &= d <= days_in_month(y, m)
    dates = np.where(real, y * 10000 + m * 100 + d, 0).astype(np.int32)
    return dates, _partial(y, m, found & ~real), (lengths > 0) & ~real
