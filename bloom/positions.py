"""Keyed bit positions: each distinct token gets k independent positions from a keyed PRF.

Positions are keyed BLAKE2b output read as big-endian 16-bit words reduced modulo the filter
length (a power of two, so without bias). Every position is its own PRF output: there is no
double hashing (h1 + i·h2), whose structure lets an attacker link positions across tokens.
The key is a per-field, per-feature key from HKDF; nothing computed here is kept after a call.
The hashing runs in `bloom.blake_kernel` over the packed tokens (hashlib is its reference).
"""

from __future__ import annotations

import numpy as np

from bloom.blake_kernel import blake_words

WORDS_PER_DIGEST = 32  # 64-byte BLAKE2b output = 32 positions


def token_positions(key: bytes, tokens: list[bytes], k: int, nbits: int) -> np.ndarray:
    """`uint16[len(tokens), k]`: the bit positions of each token under `key`."""
    if nbits & (nbits - 1) or not 8 <= nbits <= 65536:
        raise ValueError("filter length must be a power of two between 8 and 65536")
    blocks = -(-k // WORDS_PER_DIGEST)
    # Always the full 64-byte digest, one person per 32 positions: a token's positions must
    # not depend on how many are asked for (BLAKE2b output changes with its digest size).
    persons = [b"pprl/pos/%d" % block for block in range(blocks)]
    lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
    offsets = np.zeros(len(tokens) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    data = np.frombuffer(b"".join(tokens), dtype=np.uint8)
    positions = blake_words(key, persons, data, offsets, k)
    return positions & np.uint16(nbits - 1)
