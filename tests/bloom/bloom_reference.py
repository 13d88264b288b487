"""Slow, obvious references for the encoder's kernels; the property tests compare against them.

One value or one bit at a time in plain Python, so they only suit small inputs.
"""

from __future__ import annotations

import numpy as np

from bloom import pinyin_table
from bloom.names import SEPARATOR, romanised_syllables


def distinct_index(keys: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sorted distinct valid keys, and each valid entry's position among them (-1: invalid)."""
    pairs = list(zip(keys.ravel().tolist(), valid.ravel().tolist(), strict=True))
    distinct = sorted({key for key, ok in pairs if ok})
    rank = {key: i for i, key in enumerate(distinct)}
    index = [rank[key] if ok else -1 for key, ok in pairs]
    return np.array(distinct, dtype=np.int64), np.array(index, dtype=np.int32).reshape(keys.shape)


def scatter_bits(
    nbits: int, index: np.ndarray, row_index: np.ndarray, krow: np.ndarray, positions: np.ndarray
) -> np.ndarray:
    """What `bloom.scatter.scatter_bits` sets in zeroed filters of `nbits` bits."""
    dense = np.zeros((len(row_index), nbits), dtype=bool)
    for r, d in enumerate(row_index):
        for t in index[d]:
            if t >= 0:
                for p in positions[t, : krow[r]]:
                    dense[r, p] = True
    return np.packbits(dense, axis=1)


def readings(ch: str) -> tuple[str, ...]:
    """Every reading of one character, the usual one first."""
    t = pinyin_table.table()
    ids = t.lookup(np.array([ord(ch)]))[0]
    return tuple(t.syllables[i - 1] for i in ids.tolist() if i)


def default_reading(ch: str) -> str | None:
    found = readings(ch)
    return found[0] if found else None


def surname_reading(ch: str) -> str | None:
    t = pinyin_table.table()
    k = int(t.surname_of(np.array([ord(ch)]))[0])
    return t.syllables[k - 1] if k else None


def name_reading(name: str) -> str | None:
    """A normalised name's usual readings, separators left out (None: unreadable)."""
    found = [default_reading(ch) for ch in name if ch != SEPARATOR]
    if not found or None in found:
        return None
    return " ".join(found)


def name_syllables(name: str) -> set[str]:
    """The pinyin syllable tokens of one normalised name."""
    out = {r for ch in name if (r := default_reading(ch))}
    if name:
        out.update(readings(name[0]))
        if (s := surname_reading(name[0])) is not None:
            out.add(s)
    out.update(romanised_syllables(name))
    return out
