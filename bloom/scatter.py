"""Setting token bits in packed filters: validation, then the Numba kernel.

Filters are `uint8[n, nbits / 8]`, bit i in byte i // 8 under mask 0x80 >> (i % 8) (the
encoded-dataset convention). `index[D, w]` names each record's distinct tokens (-1: none),
`row_index[n]` maps records to rows of `index`, `krow[n]` is how many positions each token
sets in that record, and `positions[m, kmax]` are the tokens' keyed positions.
"""

from __future__ import annotations

import numpy as np
from numba import njit


def scatter_bits(
    bits: np.ndarray,
    index: np.ndarray,
    row_index: np.ndarray,
    krow: np.ndarray,
    positions: np.ndarray,
) -> None:
    """Validate, then OR the token positions into `bits` in place."""
    if bits.dtype != np.uint8 or bits.ndim != 2 or bits.shape[0] != row_index.shape[0]:
        raise ValueError("bits must be uint8[n, bytes]")
    if positions.size and int(positions.max()) >= bits.shape[1] * 8:
        raise ValueError("a position lies outside the filter")
    if krow.size and int(krow.max()) > positions.shape[1]:
        raise ValueError("krow asks for more positions than computed")
    _scatter(
        bits,
        np.ascontiguousarray(index, dtype=np.int32),
        np.ascontiguousarray(row_index, dtype=np.int64),
        np.ascontiguousarray(krow, dtype=np.int32),
        np.ascontiguousarray(positions, dtype=np.uint16),
    )


@njit(cache=True, nogil=True)
def _scatter(bits, index, row_index, krow, positions):  # pragma: no cover - compiled
    n = row_index.shape[0]
    w = index.shape[1]
    for r in range(n):
        d = row_index[r]
        k = krow[r]
        for j in range(w):
            t = index[d, j]
            if t >= 0:
                for b in range(k):
                    p = positions[t, b]
                    bits[r, p >> 3] |= np.uint8(0x80 >> (p & 7))
