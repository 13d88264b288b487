"""Slow, obviously-correct NumPy references for the compiled kernels and solvers.

Tests compare every fast path with these on random inputs (hypothesis). They unpack filters to
bits and use plain loops, so they only suit small inputs.
"""

from __future__ import annotations

import numpy as np

from linkage.candidates import CandidatePairs


def bits(filters: np.ndarray) -> np.ndarray:
    """uint64[n, 16] -> uint8[n, 1024] of 0/1."""
    return np.unpackbits(np.ascontiguousarray(filters).view(np.uint8), axis=1)


def dice_matrix(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Dice similarity of every left row with every right row (0 where both are empty)."""
    a = bits(left).astype(np.int64)
    b = bits(right).astype(np.int64)
    common = a @ b.T
    total = a.sum(axis=1)[:, None] + b.sum(axis=1)[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        scores = 2.0 * common / total
    return np.where(total == 0, 0.0, scores)


def threshold_pairs(
    left: np.ndarray, right: np.ndarray, threshold: float, *, upper_only: bool = False
) -> CandidatePairs:
    scores = dice_matrix(left, right)
    li, ri = np.nonzero(scores >= threshold)
    if upper_only:
        keep = li < ri
        li, ri = li[keep], ri[keep]
    return CandidatePairs.from_arrays(li, ri, scores[li, ri])


def top_k_pairs(left: np.ndarray, right: np.ndarray, threshold: float, k: int) -> CandidatePairs:
    scores = dice_matrix(left, right)
    rows, cols, vals = [], [], []
    for i in range(scores.shape[0]):
        ranked = sorted(
            (j for j in range(scores.shape[1]) if scores[i, j] >= threshold),
            key=lambda j: (-scores[i, j], j),
        )
        for j in ranked[:k]:
            rows.append(i)
            cols.append(j)
            vals.append(scores[i, j])
    return CandidatePairs.from_arrays(rows, cols, vals)


def greedy_one_to_one(pairs: CandidatePairs) -> CandidatePairs:
    used_left: set[int] = set()
    used_right: set[int] = set()
    keep = []
    ordered = pairs.canonical()
    for n, (a, b) in enumerate(zip(ordered.left.tolist(), ordered.right.tolist(), strict=True)):
        if a not in used_left and b not in used_right:
            used_left.add(a)
            used_right.add(b)
            keep.append(n)
    return ordered.take(np.array(keep, dtype=np.int64))


def many_to_one(pairs: CandidatePairs) -> CandidatePairs:
    seen: set[int] = set()
    keep = []
    ordered = pairs.canonical()
    for n, a in enumerate(ordered.left.tolist()):
        if a not in seen:
            seen.add(a)
            keep.append(n)
    return ordered.take(np.array(keep, dtype=np.int64))


def many_to_one_with_duplicates(
    pairs: CandidatePairs, right_filters: np.ndarray, duplicates_at: float
) -> CandidatePairs:
    """Best right row per left row, plus its other right rows that are near-copies of the best."""
    ordered = pairs.canonical()
    best: dict[int, int] = {}
    keep = []
    for n, (a, b) in enumerate(zip(ordered.left.tolist(), ordered.right.tolist(), strict=True)):
        if a not in best:
            best[a] = b
            keep.append(n)
        elif dice_matrix(right_filters[[best[a]]], right_filters[[b]])[0, 0] >= duplicates_at:
            keep.append(n)
    return ordered.take(np.array(keep, dtype=np.int64))


def components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Connected components by repeated label propagation; label = smallest member."""
    label = np.arange(n)
    changed = True
    while changed:
        changed = False
        for a, b in zip(left.tolist(), right.tolist(), strict=True):
            low = min(label[a], label[b])
            if label[a] != low or label[b] != low:
                label[a] = label[b] = low
                changed = True
    return label


def sampled_counts(
    left: np.ndarray,
    right: np.ndarray,
    passes: list,
    rows: np.ndarray,
    lo: float,
    hi: float,
    bins: int,
) -> np.ndarray:
    """Per bin of [lo, 1], the scores in [lo, hi) of each of `rows` (left row numbers) with
    every right row sharing a key with it in some pass (`linkage.blocking.BlockingPass`),
    each pair once: what `linkage.kernel_histogram._sampled_counts` sums to."""
    counts = np.zeros(bins, dtype=np.int64)
    scores = dice_matrix(left, right)
    for r in rows.tolist():
        partners = set()
        for p in passes:
            if not p.left_valid[r]:
                continue
            for j in range(right.shape[0]):
                if p.right_valid[j] and p.right_keys[j] == p.left_keys[r]:
                    partners.add(j)
        for j in partners:
            s = float(scores[r, j])
            if lo <= s < hi:
                counts[min(max(int((s - lo) * bins / (1.0 - lo)), 0), bins - 1)] += 1
    return counts
