"""Keyed bit positions: each distinct token gets k independent positions from a keyed PRF.

Positions are keyed BLAKE2b output read as big-endian 16-bit words reduced modulo the filter
length (a power of two, so without bias). Every position is its own PRF output: there is no
double hashing (h1 + i·h2), whose structure lets an attacker link positions across tokens.
The key is a per-field, per-feature key from HKDF; nothing computed here is kept after a call.
"""

from __future__ import annotations

import hashlib

import numpy as np

WORDS_PER_DIGEST = 32  # 64-byte BLAKE2b output = 32 positions


def token_positions(key: bytes, tokens: list[bytes], k: int, nbits: int) -> np.ndarray:
    """`uint16[len(tokens), k]`: the bit positions of each token under `key`."""
    if nbits & (nbits - 1) or not 8 <= nbits <= 65536:
        raise ValueError("filter length must be a power of two between 8 and 65536")
    blocks = -(-k // WORDS_PER_DIGEST)
    parts = []
    for block in range(blocks):
        # Always the full 64-byte digest: a token's positions must not depend on how many
        # are asked for (BLAKE2b output changes with its digest size).
        keyed = hashlib.blake2b(key=key, digest_size=64, person=b"pprl/pos/%d" % block)
        digests = []
        for token in tokens:
            h = keyed.copy()  # the key block is absorbed once per call, not once per token
            h.update(token)
            digests.append(h.digest())
        words = np.frombuffer(b"".join(digests), dtype=">u2")
        parts.append(words.reshape(len(tokens), WORDS_PER_DIGEST))
    positions = np.concatenate(parts, axis=1)[:, :k]
    return positions.astype(np.uint16) & np.uint16(nbits - 1)
