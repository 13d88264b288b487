"""The HMAC-SHA256 kernel against the standard library's HMAC (its slow reference)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bloom.blocking import hmac_sha256
from bloom.hmac_kernel import hmac_prefixes


def _reference(key: bytes, messages: list[bytes]) -> np.ndarray:
    return np.array(
        [int.from_bytes(hmac_sha256(key, m)[:8], "big") for m in messages], dtype=np.uint64
    )


def _packed(messages: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    data = np.frombuffer(b"".join(messages), dtype=np.uint8)
    offsets = np.concatenate([[0], np.cumsum([len(m) for m in messages])]).astype(np.int64)
    return data, offsets


@settings(max_examples=60, deadline=None)
@given(
    key=st.binary(min_size=0, max_size=130),
    messages=st.lists(st.binary(min_size=0, max_size=200), min_size=0, max_size=20),
)
def test_kernel_equals_the_standard_library(key: bytes, messages: list[bytes]) -> None:
    assert np.array_equal(hmac_prefixes(key, *_packed(messages)), _reference(key, messages))


def test_block_boundaries() -> None:
    # 55/56 bytes: where the length stops fitting the last block; 64k: whole blocks
    messages = [b"x" * n for n in (0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 1000)]
    key = bytes(range(32))
    assert np.array_equal(hmac_prefixes(key, *_packed(messages)), _reference(key, messages))
