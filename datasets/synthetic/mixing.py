"""Deterministic pseudo-random values derived from integer ids (no generator state).

Used where several chunks must agree on a value without sharing state: a household's
selection or assistance category, the offset of an ID-number cell. SplitMix64's finaliser
over uint64 arithmetic gives the same value on every machine; Python's `hash()` would not.
"""

from __future__ import annotations

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def uniform_from_ids(ids: np.ndarray, salt: int) -> np.ndarray:
    """Uniform [0, 1) per id: the same value for the same id and salt."""
    with np.errstate(over="ignore"):
        z = ids.astype(np.uint64) + np.uint64(salt) * _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) / float(1 << 53)
