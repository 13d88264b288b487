"""Candidate pairs: the one result type passed from kernel to solver to output.

Canonical order (every stage returns pairs in it, so results are reproducible bit for bit):
score descending, then left row ascending, then right row ascending. Row numbers are the rows
of the input datasets (0-based), never positions in a sorted or blocked view.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def _is_canonical(left, right, score):
    for k in range(1, left.shape[0]):
        if score[k] > score[k - 1]:
            return False
        same = score[k] == score[k - 1]
        if same and (left[k] < left[k - 1] or (left[k] == left[k - 1] and right[k] < right[k - 1])):
            return False
    return True


@dataclass(frozen=True)
class CandidatePairs:
    """Parallel arrays: pair i links `left[i]` to `right[i]` with Dice similarity `score[i]`."""

    left: np.ndarray  # int64
    right: np.ndarray  # int64
    score: np.ndarray  # float64

    def __post_init__(self) -> None:
        if not (len(self.left) == len(self.right) == len(self.score)):
            raise ValueError("left, right and score must have the same length")

    def __len__(self) -> int:
        return int(self.left.shape[0])

    @classmethod
    def empty(cls) -> CandidatePairs:
        return cls(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64))

    @classmethod
    def from_arrays(cls, left, right, score) -> CandidatePairs:
        """Build from any arrays and put them in canonical order."""
        return cls(
            np.asarray(left, dtype=np.int64),
            np.asarray(right, dtype=np.int64),
            np.asarray(score, dtype=np.float64),
        ).canonical()

    def canonical(self) -> CandidatePairs:
        """The same pairs in canonical order (score desc, left asc, right asc)."""
        if _is_canonical(self.left, self.right, self.score):
            return self  # one linear check saves a sort: kernel output is already canonical
        order = np.lexsort((self.right, self.left, -self.score))
        return self.take(order)

    def take(self, index: np.ndarray) -> CandidatePairs:
        return CandidatePairs(self.left[index], self.right[index], self.score[index])

    def unique(self) -> CandidatePairs:
        """Drop repeated (left, right) pairs (found by several blocking passes); canonical order."""
        if len(self) == 0:
            return self
        order = np.lexsort((self.right, self.left))
        left, right = self.left[order], self.right[order]
        keep = np.ones(len(order), dtype=bool)
        keep[1:] = (left[1:] != left[:-1]) | (right[1:] != right[:-1])
        return self.take(order[keep]).canonical()

    def top_k_per_left(self, k: int) -> CandidatePairs:
        """Keep at most `k` best pairs per left row (ties: lower right row first)."""
        pairs = self.canonical()
        if len(pairs) == 0:
            return pairs
        order = np.lexsort((pairs.right, -pairs.score, pairs.left))
        left = pairs.left[order]
        starts = np.flatnonzero(np.r_[True, left[1:] != left[:-1]])
        rank = np.arange(len(left)) - np.repeat(starts, np.diff(np.r_[starts, len(left)]))
        return pairs.take(np.sort(order[rank < k]))

    @staticmethod
    def concat(parts: list[CandidatePairs]) -> CandidatePairs:
        if not parts:
            return CandidatePairs.empty()
        return CandidatePairs(
            np.concatenate([p.left for p in parts]),
            np.concatenate([p.right for p in parts]),
            np.concatenate([p.score for p in parts]),
        )

    def same_as(self, other: CandidatePairs) -> bool:
        return (
            np.array_equal(self.left, other.left)
            and np.array_equal(self.right, other.right)
            and np.array_equal(self.score, other.score)
        )
