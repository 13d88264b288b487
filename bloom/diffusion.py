"""Diffusion: every stored bit is the XOR of a few keyed positions of the Bloom filter.

A Bloom filter sets the same bit positions for the same token in every record, so frequent
tokens (a common surname's characters, a birth year, the sex value) show as frequent bit
patterns that pattern-mining attacks align with public frequencies. A diffusion layer (after
Armknecht, Heng and Schnell, PoPETs 2023) replaces each output bit j by the XOR of `taps`
filter positions chosen for j with a key the matcher never holds: no output bit belongs to one
token any more, and every output bit is about half set whatever the record holds. Two records
that share most filter bits still share most output bits (a bit differs only when an odd
number of its taps differ), so Dice stays a similarity, on a scale where unrelated records
score about 0.5 instead of near 0: the schema states the threshold that fits
(`match_threshold`).

Three layers, as for the matcher's kernels: `diffuse` validates, `_diffuse_rows` is the
parallel loop over packed rows, `_bit` reads one bit. The slow reference is in the tests.
"""

from __future__ import annotations

import numba
import numpy as np

from bloom.hardening import keyed_generator
from bloom.secret import LinkageSecret


def diffusion_taps(secret: LinkageSecret, info: bytes, nbits: int, taps: int) -> np.ndarray:
    """int64[nbits, taps]: the distinct filter positions XORed into each output bit."""
    rng = keyed_generator(secret, info)
    # Each output bit draws its own taps; sorting keeps the kernel's reads in order.
    return np.sort(
        np.stack([rng.choice(nbits, taps, replace=False) for _ in range(nbits)]), axis=1
    ).astype(np.int64)


def diffuse(bits: np.ndarray, taps: np.ndarray) -> np.ndarray:
    """Packed filters uint8[n, nbits/8] -> packed diffused filters of the same shape."""
    if bits.dtype != np.uint8 or bits.ndim != 2:
        raise TypeError("diffuse takes packed uint8[n, bytes] filters")
    if taps.ndim != 2 or taps.shape[0] != bits.shape[1] * 8:
        raise TypeError("one row of taps per output bit")
    if taps.size and (taps.min() < 0 or taps.max() >= bits.shape[1] * 8):
        raise TypeError("taps outside the filter")
    out = np.zeros_like(bits)
    if len(bits):
        _diffuse_rows(np.ascontiguousarray(bits), np.ascontiguousarray(taps), out)
    return out


@numba.njit(inline="always")
def _bit(row: np.ndarray, position: int) -> int:
    # np.packbits order: bit 0 is the most significant bit of byte 0.
    return (row[position >> 3] >> (7 - (position & 7))) & 1


@numba.njit(parallel=True, cache=True, nogil=True)
def _diffuse_rows(bits: np.ndarray, taps: np.ndarray, out: np.ndarray) -> None:
    n, nbytes = bits.shape
    ntaps = taps.shape[1]
    for i in numba.prange(n):
        row = bits[i]
        for byte in range(nbytes):
            value = 0
            for k in range(8):
                j = byte * 8 + k
                b = 0
                for t in range(ntaps):
                    b ^= _bit(row, taps[j, t])
                value |= b << (7 - k)
            out[i, byte] = value
