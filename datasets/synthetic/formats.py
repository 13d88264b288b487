"""How a department writes dates, sexes and phone numbers (vectorised renderers)."""

from __future__ import annotations

import enum

import numpy as np


class DateStyle(enum.Enum):
    ISO = "iso"  # 1985-03-07
    COMPACT = "compact"  # 19850307
    SLASH = "slash"  # 1985/3/7
    CHINESE = "chinese"  # 1985年3月7日


class SexStyle(enum.Enum):
    CHINESE = "chinese"  # 男 / 女
    CODE = "code"  # 1 / 2 (GB/T 2261.1)
    LETTER = "letter"  # M / F


class PhoneStyle(enum.Enum):
    PLAIN = "plain"  # 13812345678
    DASHED = "dashed"  # 138-1234-5678
    INTERNATIONAL = "international"  # +86 13812345678


SEX_LABELS = {
    SexStyle.CHINESE: ("男", "女"),
    SexStyle.CODE: ("1", "2"),
    SexStyle.LETTER: ("M", "F"),
}


def _ymd(dates: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    m = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    d = (dates - dates.astype("datetime64[M]")).astype(np.int64) + 1
    return y, m, d


def render_dates(dates: np.ndarray, style: DateStyle) -> np.ndarray:
    """datetime64[D] -> object array of strings in the given style."""
    if style is DateStyle.ISO:
        return np.datetime_as_string(dates, unit="D").astype(object)
    y, m, d = _ymd(dates)
    if style is DateStyle.COMPACT:
        return (y * 10000 + m * 100 + d).astype(str).astype(object)
    ys, ms, ds = (v.astype(str).astype(object) for v in (y, m, d))
    if style is DateStyle.SLASH:
        return ys + "/" + ms + "/" + ds
    return ys + "年" + ms + "月" + ds + "日"


def render_sex(sex: np.ndarray, style: SexStyle) -> np.ndarray:
    male, female = SEX_LABELS[style]
    return np.where(sex == 1, male, female).astype(object)


def render_phones(phones: np.ndarray, style: PhoneStyle) -> np.ndarray:
    """Object array of 11-digit strings (or None) -> the style; None stays None."""
    out = phones.copy()
    has = np.array([p is not None for p in phones], dtype=bool)
    if style is PhoneStyle.PLAIN or not has.any():
        return out
    p = phones[has].astype("U11")
    if style is PhoneStyle.DASHED:
        a = np.char.add(np.char.add(p.astype("U3"), "-"), np.char.add(_mid(p), "-"))
        out[has] = np.char.add(a, _last4(p)).astype(object)
    else:
        out[has] = np.char.add("+86 ", p).astype(object)
    return out


def _mid(p: np.ndarray) -> np.ndarray:
    return p.view("U1").reshape(len(p), 11)[:, 3:7].copy().view("U4").reshape(len(p))


def _last4(p: np.ndarray) -> np.ndarray:
    return p.view("U1").reshape(len(p), 11)[:, 7:11].copy().view("U4").reshape(len(p))
