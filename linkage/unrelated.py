"""Scores of random pairs of records: what unrelated pairs score under this encoding.

    unrelated_scores(a.filters, a.popcounts, b.filters, b.popcounts, rng)

Two records drawn at random are almost always different people, so their Dice scores show
the non-match score distribution of the encoding itself (about 0.5 for diffused filters),
before any blocking key has brought similar people together. The score model uses them when
the blocked pairs show one hump (`linkage.score_model.fit_over_unrelated`). The generator is
passed in, so a run draws the same pairs every time (`UNRELATED_SEED`).
"""

from __future__ import annotations

import numpy as np

UNRELATED_PAIRS = 20_000  # enough for the shape of a hump of 1024-bit Dice scores
UNRELATED_SEED = 20261203  # runs are reproducible: the same records drawn every time
_BYTE_POPCOUNT = np.array([bin(b).count("1") for b in range(256)], dtype=np.uint16)


def popcount_rows(words: np.ndarray) -> np.ndarray:
    """Set bits per row of a uint64 matrix (a byte table: this runs on 20,000 rows, not the
    join, so it needs no kernel)."""
    as_bytes = np.ascontiguousarray(words).view(np.uint8).reshape(words.shape[0], -1)
    return _BYTE_POPCOUNT[as_bytes].sum(axis=1, dtype=np.int64)


def unrelated_scores(
    filters_a: np.ndarray,
    popcounts_a: np.ndarray,
    filters_b: np.ndarray,
    popcounts_b: np.ndarray,
    rng: np.random.Generator,
    pairs: int = UNRELATED_PAIRS,
    same_dataset: bool = False,
) -> np.ndarray:
    """Dice of `pairs` random (a, b) record pairs (a record never with itself when
    `same_dataset`); empty when either side has no records."""
    if len(filters_a) == 0 or len(filters_b) == 0 or (same_dataset and len(filters_a) < 2):
        return np.zeros(0)
    i = rng.integers(0, len(filters_a), pairs)
    j = rng.integers(0, len(filters_b), pairs)
    if same_dataset:
        keep = i != j
        i, j = i[keep], j[keep]
    common = popcount_rows(np.asarray(filters_a[i]) & np.asarray(filters_b[j]))
    total = popcounts_a[i].astype(np.int64) + popcounts_b[j].astype(np.int64)
    return np.where(total > 0, 2.0 * common / np.maximum(total, 1), 0.0)
