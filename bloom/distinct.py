"""Distinct integer keys of one call and, for every entry, its rank among them.

`distinct_index(keys, valid)` returns `(distinct, index)`: the sorted distinct valid keys and
an int32 array shaped like `keys` holding each valid entry's position in `distinct` (-1 where
invalid). Small key ranges use a Numba counting pass (linear time, no sort); large ones sort.
"""

from __future__ import annotations

import numpy as np
from numba import njit

DENSE_LIMIT = 1 << 22  # key ranges up to this size use a look-up table


def distinct_index(keys: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if keys.shape != valid.shape:
        raise ValueError("keys and valid must have the same shape")
    flat_keys = np.ascontiguousarray(keys).reshape(-1)
    flat_valid = np.ascontiguousarray(valid).reshape(-1)
    if flat_keys.dtype.kind not in "iu":
        raise TypeError("keys must be integers")
    found, lo, hi = _valid_range(flat_keys, flat_valid)
    if not found:
        return np.zeros(0, dtype=np.int64), np.full(keys.shape, -1, dtype=np.int32)
    if lo >= 0 and hi < DENSE_LIMIT:
        distinct, index = _dense(flat_keys, flat_valid, hi)
        return distinct, index.reshape(keys.shape)
    return _sorted(keys, valid)


@njit(cache=True, nogil=True)
def _valid_range(keys, valid):  # pragma: no cover - compiled
    found = False
    lo = np.int64(0)
    hi = np.int64(0)
    for i in range(keys.shape[0]):
        if valid[i]:
            k = np.int64(keys[i]) if keys[i] < 2**62 else np.int64(2**62)
            if not found:
                lo = k
                hi = k
                found = True
            elif k < lo:
                lo = k
            elif k > hi:
                hi = k
    return found, lo, hi


@njit(cache=True, nogil=True)
def _dense(keys, valid, top):  # pragma: no cover - compiled
    lut = np.full(top + 1, -1, dtype=np.int32)
    for i in range(keys.shape[0]):
        if valid[i]:
            lut[keys[i]] = 0
    count = 0
    for k in range(top + 1):
        if lut[k] == 0:
            lut[k] = count + 1
            count += 1
    distinct = np.empty(count, dtype=np.int64)
    for k in range(top + 1):
        if lut[k] > 0:
            distinct[lut[k] - 1] = k
    index = np.full(keys.shape[0], -1, dtype=np.int32)
    for i in range(keys.shape[0]):
        if valid[i]:
            index[i] = lut[keys[i]] - 1
    return distinct, index


def _sorted(keys: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    index = np.full(keys.shape, -1, dtype=np.int32)
    distinct, inverse = np.unique(keys[valid], return_inverse=True)
    index[valid] = inverse.ravel()
    return distinct.astype(np.int64), index
