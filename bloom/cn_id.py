"""Resident identity numbers (公民身份号码, GB 11643-1999).

18 characters: 6-digit region code (GB/T 2260), 8-digit birth date, 3-digit sequence whose
parity is the sex (odd: male), and an ISO 7064 MOD 11-2 check character (`X` for 10).
Legacy 15-digit numbers (birth year without "19", no check character) are upgraded to 18.
A wrong check character is most often a typo in one digit: the number is still encoded (so it
can match its correct twin through the other 17 characters) and counted.

`parse_cn_id` is the reference for one value; `prepare_cn_ids` does a whole column with
NumPy and must agree with it (a property test checks this).
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bloom.columns import as_string_array, ascii_matrix

WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)], dtype=np.int64)
CHECK_CHARS = "10X98765432"
_CHECK_CODES = np.frombuffer(CHECK_CHARS.encode("ascii"), dtype=np.uint8)
_STRIP = "[\t\n\r\f\v -]"
_STRIP_RE = re.compile(_STRIP)


class IdStatus(enum.IntEnum):
    OK = 0
    CHECK_DIGIT_WRONG = 1  # encoded and counted
    UPGRADED_15 = 2  # legacy 15-digit number, upgraded
    INVALID = 3  # not encoded (wrong length or characters)
    EMPTY = 4


@dataclass(frozen=True)
class CnId:
    number: str | None  # 18 characters, or None when invalid/empty
    status: IdStatus
    birth: int | None  # yyyymmdd when the embedded date is a real date
    sex: int | None  # 1 male, 2 female
    region: int | None  # six-digit region code


def check_char(first17: str) -> str:
    total = sum(int(d) * int(w) for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def valid_date(y: int, m: int, d: int) -> bool:
    if not (1880 <= y <= 2100 and 1 <= m <= 12 and d >= 1):
        return False
    leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
    days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
    return d <= days


def parse_cn_id(raw: str | None) -> CnId:
    """Reference: normalise, upgrade and check one ID number."""
    text = _STRIP_RE.sub("", unicodedata.normalize("NFKC", raw or "").upper())
    if not text:
        return CnId(None, IdStatus.EMPTY, None, None, None)
    status = IdStatus.OK
    if len(text) == 15 and text.isascii() and text.isdigit():
        first17 = text[:6] + "19" + text[6:]
        text = first17 + check_char(first17)
        status = IdStatus.UPGRADED_15
    if not (
        len(text) == 18 and text.isascii() and text[:17].isdigit() and text[17] in "0123456789X"
    ):
        return CnId(None, IdStatus.INVALID, None, None, None)
    if status is IdStatus.OK and check_char(text[:17]) != text[17]:
        status = IdStatus.CHECK_DIGIT_WRONG
    y, m, d = int(text[6:10]), int(text[10:12]), int(text[12:14])
    birth = y * 10000 + m * 100 + d if valid_date(y, m, d) else None
    return CnId(text, status, birth, 1 if int(text[16]) % 2 else 2, int(text[:6]) or None)


@dataclass(frozen=True)
class IdColumn:
    chars: np.ndarray  # uint8[n, 18] ASCII, zero rows where invalid/empty
    status: np.ndarray  # int8[n] IdStatus
    birth: np.ndarray  # int32[n] yyyymmdd, 0 unknown
    sex: np.ndarray  # int8[n] 1/2, 0 unknown
    region: np.ndarray  # int32[n], 0 unknown

    @property
    def present(self) -> np.ndarray:
        return self.status <= IdStatus.UPGRADED_15

    @property
    def province(self) -> np.ndarray:
        return self.region // 10000


def days_in_month(y: np.ndarray, m: np.ndarray) -> np.ndarray:
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    table = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
    days = table[np.clip(m, 1, 12) - 1]
    return days + ((m == 2) & leap)


def _check_codes(digits17: np.ndarray) -> np.ndarray:
    return _CHECK_CODES[(digits17.astype(np.int64) @ WEIGHTS) % 11]


def prepare_cn_ids(column: pa.Array) -> IdColumn:
    """Column version of `parse_cn_id`."""
    text = pc.utf8_upper(pc.utf8_normalize(as_string_array(column), "NFKC"))
    text = pc.replace_substring_regex(text, _STRIP, "")
    raw, lengths = ascii_matrix(text, 18)
    n = len(lengths)
    is_digit = (raw >= 48) & (raw <= 57)
    status = np.full(n, int(IdStatus.INVALID), dtype=np.int8)
    status[lengths == 0] = IdStatus.EMPTY

    long_ok = (
        (lengths == 18) & is_digit[:, :17].all(axis=1) & (is_digit[:, 17] | (raw[:, 17] == 88))
    )
    short_ok = (lengths == 15) & is_digit[:, :15].all(axis=1)
    chars = np.zeros((n, 18), dtype=np.uint8)
    chars[long_ok] = raw[long_ok]
    if short_ok.any():
        short = raw[short_ok]
        up = np.empty((short.shape[0], 18), dtype=np.uint8)
        up[:, :6] = short[:, :6]
        up[:, 6:8] = (ord("1"), ord("9"))
        up[:, 8:17] = short[:, 6:15]
        up[:, 17] = _check_codes(up[:, :17] - 48)
        chars[short_ok] = up
    status[long_ok] = IdStatus.OK
    status[short_ok] = IdStatus.UPGRADED_15
    good = long_ok | short_ok
    digits = np.clip(chars.astype(np.int64) - 48, 0, 9)  # X (and invalid rows) read as 0-9
    wrong = long_ok & (_check_codes(digits[:, :17]) != chars[:, 17])
    status[wrong] = IdStatus.CHECK_DIGIT_WRONG

    def number(a: int, b: int) -> np.ndarray:
        out = np.zeros(n, dtype=np.int64)
        for i in range(a, b):
            out = out * 10 + digits[:, i]
        return out

    y, m, d = number(6, 10), number(10, 12), number(12, 14)
    real = good & (y >= 1880) & (y <= 2100) & (m >= 1) & (m <= 12) & (d >= 1)
    real &= d <= days_in_month(y, m)
    birth = np.where(real, y * 10000 + m * 100 + d, 0).astype(np.int32)
    sex = np.where(good, np.where(digits[:, 16] % 2 == 1, 1, 2), 0).astype(np.int8)
    region = np.where(good, number(0, 6), 0).astype(np.int32)
    return IdColumn(chars=chars, status=status, birth=birth, sex=sex, region=region)
