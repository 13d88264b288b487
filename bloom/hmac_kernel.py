"""HMAC-SHA256 (RFC 2104, FIPS 180-4) of many short messages at once, as uint64 prefixes.

    hmac_prefixes(key, data, offsets) -> uint64[m]  # first 8 bytes of each HMAC, big-endian

Message i is `data[offsets[i]:offsets[i + 1]]`. The blocking keys of a million records are a
few million HMACs of short messages; one call per message from Python costs more than the
hashing itself, so the compression function runs here over the packed messages. The padded-key
states (inner and outer) are computed once per call. `bloom.blocking.hmac_sha256` (the standard
library's HMAC) is the reference the tests hold this to.
"""

from __future__ import annotations

import hashlib

import numpy as np
from numba import njit

_K = np.array(
    [
        0x428A2F98, 0x71374491, 0xB5C0FBCF, 0xE9B5DBA5, 0x3956C25B, 0x59F111F1, 0x923F82A4,
        0xAB1C5ED5, 0xD807AA98, 0x12835B01, 0x243185BE, 0x550C7DC3, 0x72BE5D74, 0x80DEB1FE,
        0x9BDC06A7, 0xC19BF174, 0xE49B69C1, 0xEFBE4786, 0x0FC19DC6, 0x240CA1CC, 0x2DE92C6F,
        0x4A7484AA, 0x5CB0A9DC, 0x76F988DA, 0x983E5152, 0xA831C66D, 0xB00327C8, 0xBF597FC7,
        0xC6E00BF3, 0xD5A79147, 0x06CA6351, 0x14292967, 0x27B70A85, 0x2E1B2138, 0x4D2C6DFC,
        0x53380D13, 0x650A7354, 0x766A0ABB, 0x81C2C92E, 0x92722C85, 0xA2BFE8A1, 0xA81A664B,
        0xC24B8B70, 0xC76C51A3, 0xD192E819, 0xD6990624, 0xF40E3585, 0x106AA070, 0x19A4C116,
        0x1E376C08, 0x2748774C, 0x34B0BCB5, 0x391C0CB3, 0x4ED8AA4A, 0x5B9CCA4F, 0x682E6FF3,
        0x748F82EE, 0x78A5636F, 0x84C87814, 0x8CC70208, 0x90BEFFFA, 0xA4506CEB, 0xBEF9A3F7,
        0xC67178F2,
    ],
    dtype=np.uint64,
)  # fmt: skip
_IV = np.array(
    [0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB,
     0x5BE0CD19],
    dtype=np.uint64,
)  # fmt: skip
_MASK = np.uint64(0xFFFFFFFF)


def hmac_prefixes(key: bytes, data: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """uint64[len(offsets) - 1]: the first 8 bytes (big-endian) of HMAC-SHA256(key, message)."""
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    padded = np.frombuffer(key.ljust(64, b"\0"), dtype=np.uint8)
    data = np.ascontiguousarray(data, dtype=np.uint8)
    offsets = np.ascontiguousarray(offsets, dtype=np.int64)
    return _hmac_prefixes(padded ^ np.uint8(0x36), padded ^ np.uint8(0x5C), data, offsets, _K, _IV)


@njit(inline="always")
def _rotr(x, n):
    return ((x >> np.uint64(n)) | (x << np.uint64(32 - n))) & _MASK


@njit(cache=True, nogil=True)
def _compress(state, block, w, k):  # pragma: no cover - compiled
    """One SHA-256 compression of the 64-byte `block` into `state` (uint64 words, 32 bits used)."""
    for t in range(16):
        w[t] = (
            (np.uint64(block[4 * t]) << np.uint64(24))
            | (np.uint64(block[4 * t + 1]) << np.uint64(16))
            | (np.uint64(block[4 * t + 2]) << np.uint64(8))
            | np.uint64(block[4 * t + 3])
        )
    for t in range(16, 64):
        x, y = w[t - 15], w[t - 2]
        s0 = _rotr(x, 7) ^ _rotr(x, 18) ^ (x >> np.uint64(3))
        s1 = _rotr(y, 17) ^ _rotr(y, 19) ^ (y >> np.uint64(10))
        w[t] = (w[t - 16] + s0 + w[t - 7] + s1) & _MASK
    a, b, c, d, e, f, g, h = (
        state[0],
        state[1],
        state[2],
        state[3],
        state[4],
        state[5],
        state[6],
        state[7],
    )  # noqa: E501
    for t in range(64):
        s1 = _rotr(e, 6) ^ _rotr(e, 11) ^ _rotr(e, 25)
        ch = (e & f) ^ ((~e & _MASK) & g)
        t1 = (h + s1 + ch + k[t] + w[t]) & _MASK
        s0 = _rotr(a, 2) ^ _rotr(a, 13) ^ _rotr(a, 22)
        maj = (a & b) ^ (a & c) ^ (b & c)
        t2 = (s0 + maj) & _MASK
        h, g, f, e = g, f, e, (d + t1) & _MASK
        d, c, b, a = c, b, a, (t1 + t2) & _MASK
    state[0] = (state[0] + a) & _MASK
    state[1] = (state[1] + b) & _MASK
    state[2] = (state[2] + c) & _MASK
    state[3] = (state[3] + d) & _MASK
    state[4] = (state[4] + e) & _MASK
    state[5] = (state[5] + f) & _MASK
    state[6] = (state[6] + g) & _MASK
    state[7] = (state[7] + h) & _MASK


@njit(cache=True, nogil=True)
def _hmac_prefixes(ipad, opad, data, offsets, k, iv):  # pragma: no cover - compiled
    w = np.empty(64, dtype=np.uint64)
    inner0 = iv.copy()
    _compress(inner0, ipad, w, k)
    outer0 = iv.copy()
    _compress(outer0, opad, w, k)
    m = offsets.shape[0] - 1
    out = np.empty(m, dtype=np.uint64)
    block = np.zeros(64, dtype=np.uint8)
    state = np.empty(8, dtype=np.uint64)
    for i in range(m):
        start, stop = offsets[i], offsets[i + 1]
        length = stop - start
        state[:] = inner0
        # Whole blocks of the message, then the tail with 0x80, zeros and the bit length.
        pos = start
        while stop - pos >= 64:
            _compress(state, data[pos : pos + 64], w, k)
            pos += 64
        rest = stop - pos
        block[:] = 0
        block[:rest] = data[pos:stop]
        block[rest] = 0x80
        if rest >= 56:
            _compress(state, block, w, k)
            block[:] = 0
        bits = (64 + length) * 8  # the padded key block counts too
        for j in range(8):
            block[63 - j] = (bits >> (8 * j)) & 0xFF
        _compress(state, block, w, k)
        # Outer hash: one block holding the inner digest.
        block[:] = 0
        for j in range(8):
            word = state[j]
            block[4 * j] = (word >> np.uint64(24)) & np.uint64(0xFF)
            block[4 * j + 1] = (word >> np.uint64(16)) & np.uint64(0xFF)
            block[4 * j + 2] = (word >> np.uint64(8)) & np.uint64(0xFF)
            block[4 * j + 3] = word & np.uint64(0xFF)
        block[32] = 0x80
        block[62] = 0x03  # (64 + 32) * 8 = 768 bits = 0x0300
        state[:] = outer0
        _compress(state, block, w, k)
        out[i] = (state[0] << np.uint64(32)) | state[1]
    return out
