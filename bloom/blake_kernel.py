"""Keyed BLAKE2b-512 (RFC 7693) of many short tokens at once, read as 16-bit words.

    blake_words(key, persons, data, offsets, k) -> uint16[m, k]

Token i is `data[offsets[i]:offsets[i + 1]]`; its words are the big-endian 16-bit words of
BLAKE2b(token, key=key, digest_size=64, person=persons[0]), then of the same with persons[1],
and so on, cut to `k`: what `bloom.positions` needs, computed without a Python call per token.
The key block is compressed once per person. `hashlib.blake2b` is the reference the tests hold
this to.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_IV = np.array(
    [0x6A09E667F3BCC908, 0xBB67AE8584CAA73B, 0x3C6EF372FE94F82B, 0xA54FF53A5F1D36F1,
     0x510E527FADE682D1, 0x9B05688C2B3E6C1F, 0x1F83D9ABFB41BD6B, 0x5BE0CD19137E2179],
    dtype=np.uint64,
)  # fmt: skip
_SIGMA = np.array(
    [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
        [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
        [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
        [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
        [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
        [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
        [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
        [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
        [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
        [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
    ],
    dtype=np.int64,
)
DIGEST = 64
WORDS = DIGEST // 2


def blake_words(
    key: bytes, persons: list[bytes], data: np.ndarray, offsets: np.ndarray, k: int
) -> np.ndarray:
    """uint16[len(offsets) - 1, k]: see the module docstring (1 <= len(key) <= 64)."""
    if not 1 <= len(key) <= 64 or any(len(p) > 16 for p in persons):
        raise ValueError("BLAKE2b takes a key of 1-64 bytes and a person of up to 16")
    if not 0 < k <= WORDS * len(persons):
        raise ValueError("k must be between 1 and 32 words per person")
    starts = np.empty((len(persons), 8), dtype=np.uint64)
    for i, person in enumerate(persons):
        params = np.zeros(8, dtype=np.uint64)
        params[0] = DIGEST | (len(key) << 8) | (1 << 16) | (1 << 24)  # fanout 1, depth 1
        params[6:8] = np.frombuffer(person.ljust(16, b"\0"), dtype="<u8")
        starts[i] = _IV ^ params
    key_block = np.frombuffer(key.ljust(128, b"\0"), dtype=np.uint8)
    data = np.ascontiguousarray(data, dtype=np.uint8)
    offsets = np.ascontiguousarray(offsets, dtype=np.int64)
    return _blake_words(starts, key_block, data, offsets, k, _IV, _SIGMA)


@njit(inline="always")
def _rotr(x, n):
    return (x >> np.uint64(n)) | (x << np.uint64(64 - n))


@njit(cache=True, nogil=True)
def _compress(h, block, t, final, m, v, iv, sigma):  # pragma: no cover - compiled
    for i in range(16):
        word = np.uint64(0)
        for j in range(8):
            word |= np.uint64(block[8 * i + j]) << np.uint64(8 * j)
        m[i] = word
    for i in range(8):
        v[i] = h[i]
        v[i + 8] = iv[i]
    v[12] ^= np.uint64(t)
    if final:
        v[14] = ~v[14]
    for r in range(12):
        s = sigma[r % 10]
        for g in range(8):
            if g < 4:
                a, b, c, d = g, g + 4, g + 8, g + 12
            else:
                a, b, c, d = g - 4, (g - 3) % 4 + 4, (g - 2) % 4 + 8, (g - 1) % 4 + 12
            x, y = m[s[2 * g]], m[s[2 * g + 1]]
            v[a] = v[a] + v[b] + x
            v[d] = _rotr(v[d] ^ v[a], 32)
            v[c] = v[c] + v[d]
            v[b] = _rotr(v[b] ^ v[c], 24)
            v[a] = v[a] + v[b] + y
            v[d] = _rotr(v[d] ^ v[a], 16)
            v[c] = v[c] + v[d]
            v[b] = _rotr(v[b] ^ v[c], 63)
    for i in range(8):
        h[i] ^= v[i] ^ v[i + 8]


@njit(cache=True, nogil=True)
def _blake_words(starts, key_block, data, offsets, k, iv, sigma):  # pragma: no cover - compiled
    m_ = np.empty(16, dtype=np.uint64)
    v = np.empty(16, dtype=np.uint64)
    persons = starts.shape[0]
    keyed = starts.copy()  # the state after the key block, per person
    for p in range(persons):
        _compress(keyed[p], key_block, 128, False, m_, v, iv, sigma)
    n = offsets.shape[0] - 1
    out = np.empty((n, k), dtype=np.uint16)
    block = np.zeros(128, dtype=np.uint8)
    h = np.empty(8, dtype=np.uint64)
    for i in range(n):
        start, stop = offsets[i], offsets[i + 1]
        for p in range(persons):
            first = p * 32
            if first >= k:
                break
            if stop == start:  # an empty token: the key block is the last block
                h[:] = starts[p]
                _compress(h, key_block, 128, True, m_, v, iv, sigma)
            else:
                h[:] = keyed[p]
                pos = start
                while stop - pos > 128:
                    _compress(
                        h, data[pos : pos + 128], 128 + pos + 128 - start, False, m_, v, iv, sigma
                    )  # noqa: E501
                    pos += 128
                block[:] = 0
                block[: stop - pos] = data[pos:stop]
                _compress(h, block, 128 + stop - start, True, m_, v, iv, sigma)
            for w in range(min(32, k - first)):
                word = h[w // 4]
                shift = np.uint64(16 * (w % 4))
                pair = (word >> shift) & np.uint64(0xFFFF)  # bytes 2w, 2w+1, little-endian
                out[i, first + w] = np.uint16(
                    ((pair & np.uint64(0xFF)) << np.uint64(8)) | (pair >> np.uint64(8))
                )  # noqa: E501
    return out
