"""Resident ID numbers (GB 11643-1999): vectorised construction and validation.

An 18-digit number is: 6-digit GB/T 2260 region code, 8-digit birth date YYYYMMDD, 3-digit
sequence number whose parity is the sex (odd = male, even = female), and an ISO 7064
MOD 11-2 check character (0-9 or X). Legacy 15-digit numbers have a 2-digit year and no check
character. The `*_reference` functions are the slow, obvious versions the tests compare with.
"""

from __future__ import annotations

import numpy as np

from pprl_synthetic.mixing import uniform_from_ids

WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
CHECK_CHARS = "10X98765432"
_CHECK_BYTES = np.frombuffer(CHECK_CHARS.encode("ascii"), dtype=np.uint8)


def check_char_reference(first17: str) -> str:
    """MOD 11-2 check character of the first 17 digits, written out as in the standard."""
    total = sum(int(d) * int(w) for d, w in zip(first17, WEIGHTS, strict=False))
    return CHECK_CHARS[total % 11]


def is_valid_reference(number: str) -> bool:
    """True for a well-formed 18-digit number with a correct check character."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    return check_char_reference(number[:17]) == number[17]


def digits_matrix(region: np.ndarray, birth_ymd: np.ndarray, sequence: np.ndarray) -> np.ndarray:
    """The first 17 digits as an int8 matrix [n, 17] from integer region, YYYYMMDD, sequence."""
    n = len(region)
    out = np.empty((n, 17), dtype=np.int8)
    for col, (values, width) in enumerate(((region, 6), (birth_ymd, 8), (sequence, 3))):
        start = (0, 6, 14)[col]
        v = values.astype(np.int64)
        for k in range(width - 1, -1, -1):
            out[:, start + k] = v % 10
            v = v // 10
    return out


def check_bytes(digits17: np.ndarray) -> np.ndarray:
    """MOD 11-2 check characters (ASCII bytes) for a digit matrix [n, 17]."""
    return _CHECK_BYTES[(digits17.astype(np.int64) @ WEIGHTS) % 11]


def render18(digits17: np.ndarray, check: np.ndarray | None = None) -> np.ndarray:
    """18-character ID numbers as a numpy `S18` array (ASCII)."""
    n = digits17.shape[0]
    buf = np.empty((n, 18), dtype=np.uint8)
    buf[:, :17] = digits17 + ord("0")
    buf[:, 17] = check_bytes(digits17) if check is None else check
    return buf.view("S18").reshape(n)


def legacy15(number18: str) -> str:
    """The 15-digit form of an 18-digit number: 2-digit year, no check character."""
    return number18[:6] + number18[8:17]


def upgrade15(number15: str) -> str:
    """The 18-digit form of a legacy 15-digit number (born 19xx, as all 15-digit holders were)."""
    first17 = number15[:6] + "19" + number15[6:]
    return first17 + check_char_reference(first17)


SEQUENCE_SLOTS = 499  # per sex: odd 001-997 for men, even 002-998 for women
OCCUPANT_STRIDE = 101


def sequence_numbers(
    region: np.ndarray, birth_ymd: np.ndarray, male: np.ndarray, chunk: int, salt: int
) -> np.ndarray:
    """Sequence numbers (parity = sex) that keep ID numbers unique without global state.

    People sharing region, birth date and sex (a *cell*) are ranked within the chunk; the
    r-th of them in chunk c takes slot (h(cell) + c + 101 r) mod 499, with h a per-cell hash.
    Within a chunk slots never repeat; two chunks can only collide when they are 499 chunks
    apart, or when a cell holds several people in one chunk and the chunk distance equals
    101 times their rank difference modulo 499 (at least 95 chunks unless a rank reaches 5),
    so numbers are practically unique up to about 10 million people.
    """
    n = len(region)
    male = male.astype(np.int64)
    key = (region.astype(np.int64) * 100_000_000 + birth_ymd.astype(np.int64)) * 2 + male
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    starts = np.ones(n, dtype=bool)
    starts[1:] = sorted_key[1:] != sorted_key[:-1]
    first = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - first
    base = (uniform_from_ids(key, salt) * SEQUENCE_SLOTS).astype(np.int64)
    slot = (base + chunk + rank * OCCUPANT_STRIDE) % SEQUENCE_SLOTS
    return slot * 2 + np.where(male == 1, 1, 2)
