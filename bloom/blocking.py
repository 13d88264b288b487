"""Keyed blocking keys: HMAC-SHA256 of a record's blocking values, truncated to uint64.

The matcher joins records on equal keys without learning the values (birth year, sex, region,
surname pinyin…). Each blocking key has its own HKDF-derived HMAC key, so equal values under
two different blocking keys give unrelated numbers. A key is null when any value is missing.
Each distinct combination of values is hashed once per call, by `bloom.hmac_kernel`.
"""

from __future__ import annotations

import hashlib
import hmac

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bloom.distinct import distinct_index
from bloom.hmac_kernel import hmac_prefixes
from bloom.tokens import Part


class _Hmac:
    """HMAC-SHA256 (RFC 2104) with the padded-key states computed once per call (one message
    at a time; `bloom.hmac_kernel` hashes the many messages of a blocking key)."""

    def __init__(self, key: bytes) -> None:
        if len(key) > 64:
            key = hashlib.sha256(key).digest()
        padded = key.ljust(64, b"\0")
        self.inner = hashlib.sha256(bytes(b ^ 0x36 for b in padded))
        self.outer = hashlib.sha256(bytes(b ^ 0x5C for b in padded))

    def digest(self, message: bytes) -> bytes:
        inner = self.inner.copy()
        inner.update(message)
        outer = self.outer.copy()
        outer.update(inner.digest())
        return outer.digest()


def hmac_sha256(key: bytes, message: bytes) -> bytes:
    """The standard library's HMAC, the reference for `_Hmac`."""
    return hmac.digest(key, message, "sha256")


def blocking_values(key: bytes, parts: list[Part]) -> tuple[np.ndarray, np.ndarray]:
    """(uint64[n] keyed values, bool[n] valid) for one blocking key."""
    n = len(parts[0].keys)
    valid = np.ones(n, dtype=bool)
    for part in parts:
        valid &= part.valid
    values = np.zeros(n, dtype=np.uint64)
    if not valid.any():
        return values, valid
    # Each part's values are numbered 0..m-1; a record's combination is the mixed-radix
    # number of its part numbers, so distinct combinations are distinct integers.
    combined = np.zeros(int(valid.sum()), dtype=np.int64)
    all_valid = np.ones(combined.size, dtype=bool)
    labels = []
    for part in parts:
        values_i, inverse_i = distinct_index(part.keys[valid], all_valid)
        labels.append(part.render(values_i))
        combined = combined * len(values_i) + inverse_i
    distinct, inverse = distinct_index(combined, all_valid)
    digits = []
    rest = distinct
    for names in reversed(labels):
        rest, digit = np.divmod(rest, len(names))
        digits.append(digit)
    # The messages (values joined by 0x1f) are put together by Arrow and hashed by the kernel,
    # so no Python code runs per combination.
    columns = [
        pa.array(names, pa.binary()).take(pa.array(ds))
        for names, ds in zip(labels, reversed(digits), strict=True)
    ]
    joined = columns[0] if len(columns) == 1 else pc.binary_join_element_wise(*columns, b"\x1f")
    data, offsets = _packed(joined)
    values[valid] = hmac_prefixes(key, data, offsets)[inverse]
    return values, valid


def _packed(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """A binary array's bytes and its int64 offsets (rebased to 0)."""
    array = array.cast(pa.large_binary()) if array.type != pa.large_binary() else array
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[
        array.offset : array.offset + len(array) + 1
    ]
    data = array.buffers()[2]
    raw = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
    return raw, offsets.astype(np.int64)
