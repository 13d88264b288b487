"""The BLAKE2b kernel and the positions it gives, against hashlib (their slow reference)."""

from __future__ import annotations

import hashlib

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bloom.blake_kernel import blake_words
from bloom.positions import WORDS_PER_DIGEST, token_positions


def reference_positions(key: bytes, tokens: list[bytes], k: int, nbits: int) -> np.ndarray:
    """One hashlib call per token and 32 positions: the positions as first written."""
    blocks = -(-k // WORDS_PER_DIGEST)
    parts = []
    for block in range(blocks):
        keyed = hashlib.blake2b(key=key, digest_size=64, person=b"pprl/pos/%d" % block)
        digests = []
        for token in tokens:
            h = keyed.copy()
            h.update(token)
            digests.append(h.digest())
        words = np.frombuffer(b"".join(digests), dtype=">u2")
        parts.append(words.reshape(len(tokens), WORDS_PER_DIGEST))
    positions = np.concatenate(parts, axis=1)[:, :k]
    return positions.astype(np.uint16) & np.uint16(nbits - 1)


def _packed(tokens: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    data = np.frombuffer(b"".join(tokens), dtype=np.uint8)
    offsets = np.concatenate([[0], np.cumsum([len(t) for t in tokens])]).astype(np.int64)
    return data, offsets


@settings(max_examples=60, deadline=None)
@given(
    key=st.binary(min_size=1, max_size=64),
    tokens=st.lists(st.binary(min_size=0, max_size=300), min_size=1, max_size=12),
    k=st.integers(1, 64),
    nbits=st.sampled_from([64, 1024, 4096]),
)
def test_positions_equal_hashlib(key: bytes, tokens: list[bytes], k: int, nbits: int) -> None:
    expected = reference_positions(key, tokens, k, nbits)
    assert np.array_equal(token_positions(key, tokens, k, nbits), expected)


def test_block_boundaries_and_persons() -> None:
    tokens = [b"y" * n for n in (0, 1, 127, 128, 129, 255, 256, 257, 1000)]
    key = bytes(range(32))
    persons = [b"pprl/pos/0", b"pprl/pos/1", b"sixteen-byte-prs"]
    got = blake_words(key, persons, *_packed(tokens), 96)
    for row, token in zip(got, tokens, strict=True):
        words = [
            np.frombuffer(hashlib.blake2b(token, key=key, digest_size=64, person=p).digest(), ">u2")
            for p in persons
        ]
        assert np.array_equal(row, np.concatenate(words))


def test_no_tokens() -> None:
    assert token_positions(b"k" * 32, [], 40, 1024).shape == (0, 40)
