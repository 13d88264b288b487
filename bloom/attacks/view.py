"""What the honest-but-curious matcher holds: the encoded file, and nothing else.

`MatcherView` is read from an encoded file (or an `EncodedDataset`) and exposes the filters as
an unpacked bit matrix, the popcounts, the keyed blocking-key columns and the manifest. It
never opens the department's map, rejects or plaintext: the attacks take only this object and
the public reference, and the harness scores their guesses afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from pprl.encoded import EncodedDataset, Manifest, read_encoded


@dataclass(frozen=True)
class MatcherView:
    tokens: list[str]
    filters: np.ndarray  # uint8[n, 128], the stored bytes
    popcounts: np.ndarray  # int32[n]
    blocking: dict[str, tuple[np.ndarray, np.ndarray]]  # name -> (uint64 values, valid)
    manifest: Manifest | None = None

    def __len__(self) -> int:
        return int(self.filters.shape[0])

    @classmethod
    def of(cls, source: str | Path | EncodedDataset | MatcherView) -> MatcherView:
        if isinstance(source, MatcherView):
            return source
        dataset = source if isinstance(source, EncodedDataset) else read_encoded(source)
        return cls(
            tokens=dataset.tokens.to_pylist(),
            filters=np.ascontiguousarray(dataset.filters).view(np.uint8).reshape(len(dataset), -1),
            popcounts=dataset.popcounts.astype(np.int32),
            blocking=dict(dataset.blocking),
            manifest=dataset.manifest,
        )

    @classmethod
    def from_arrays(
        cls, clks: np.ndarray, blocking: dict[str, tuple[np.ndarray, np.ndarray]]
    ) -> MatcherView:
        clks = np.ascontiguousarray(clks, dtype=np.uint8)
        pop = np.unpackbits(clks, axis=1).sum(axis=1).astype(np.int32)
        return cls([f"{i:032x}" for i in range(len(clks))], clks, pop, dict(blocking))

    @cached_property
    def bits(self) -> np.ndarray:
        """bool[n, 1024]: bit i of the format (byte i // 8, mask 0x80 >> (i % 8))."""
        return np.unpackbits(self.filters, axis=1).astype(bool)

    def key_groups(self, name: str) -> np.ndarray:
        """int64[n]: the record's group under blocking key `name` (-1 where null)."""
        values, valid = self.blocking[name]
        out = np.full(len(self), -1, dtype=np.int64)
        if valid.any():
            _, inverse = np.unique(values[valid], return_inverse=True)
            out[valid] = inverse.ravel()
        return out
