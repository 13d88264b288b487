"""Vectorised renderers against plain Python references."""

import datetime as dt

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from pprl_synthetic.formats import DateStyle, PhoneStyle, render_dates, render_phones

REFERENCE_DATE = {
    DateStyle.ISO: lambda d: d.isoformat(),
    DateStyle.COMPACT: lambda d: d.strftime("%Y%m%d"),
    DateStyle.SLASH: lambda d: f"{d.year}/{d.month}/{d.day}",
    DateStyle.CHINESE: lambda d: f"{d.year}年{d.month}月{d.day}日",
}
REFERENCE_PHONE = {
    PhoneStyle.PLAIN: lambda p: p,
    PhoneStyle.DASHED: lambda p: f"{p[:3]}-{p[3:7]}-{p[7:]}",
    PhoneStyle.INTERNATIONAL: lambda p: f"+86 {p}",
}


@given(st.lists(st.dates(dt.date(1900, 1, 1), dt.date(2030, 12, 31)), min_size=1, max_size=40))
def test_dates_match_reference(dates):
    arr = np.array([d.isoformat() for d in dates], dtype="datetime64[D]")
    for style, ref in REFERENCE_DATE.items():
        assert render_dates(arr, style).tolist() == [ref(d) for d in dates]


@given(st.lists(st.one_of(st.none(), st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)),
                min_size=1, max_size=40))  # fmt: skip
def test_phones_match_reference(phones):
    arr = np.array(phones, dtype=object)
    for style, ref in REFERENCE_PHONE.items():
        expected = [None if p is None else ref(p) for p in phones]
        assert render_phones(arr, style).tolist() == expected
