"""A score histogram that costs little: fixed bins, exact above the run's floor, sampled below.

The threshold kernel only collects pairs at or above the run's floor, and its exact early exits
drop the rest after half or three quarters of the work. A histogram reaching further down
(`pprl match --plot`, 0.5 by default) used to lower the floor itself: every pair above 0.5 was
collected, sorted and solved, and the exits rarely fired. Instead:

- at or above the floor: the scores the run collected anyway, binned exactly;
- below it: 1 in `every` left rows (a fixed, unkeyed hash of the row number, so the same
  rows whatever the executor) is compared with every partner its blocks give it, once each
  however many blocking passes pair them, by `_sampled_counts` beside the kernel; each count
  is scaled by the rows sampled (n_left / sampled rows, about `every`). Small inputs are not
  sampled (`every` = 1: exact everywhere).

Layers as in `linkage.kernel`: `score_histogram` (plan → ranges, allocation), `_sampled_counts`
(`@njit(parallel=True)`, one sampled row per iteration), `bin_of` and the popcount intrinsics.
The pure-Python reference is `tests/linkage/linkage_reference.py::sampled_counts`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from linkage.kernel import PackedRows
from linkage.kernel_bounds import dice, max_partner_pop, min_partner_pop
from linkage.plan import MatchPlan
from linkage.popcount import and_count_rows

BINS = 200
SAMPLE_ROWS = 2048  # about this many (up to twice as many) left rows are sampled below the floor


@njit(inline="always", nogil=True)
def bin_of(score, lo, bins):
    b = int((score - lo) * bins / (1.0 - lo))
    return min(max(b, 0), bins - 1)


def bins_of(scores: np.ndarray, lo: float, bins: int) -> np.ndarray:
    """`bin_of` over an array (the same float arithmetic, so the same bins)."""
    index = ((scores - lo) * bins / (1.0 - lo)).astype(np.int64)
    return np.clip(index, 0, bins - 1)


def sample_every(n_left: int, target: int = SAMPLE_ROWS) -> int:
    """1 in this many left rows is sampled: a power of two, 1 for small inputs."""
    every = 1
    while n_left // (every * 2) >= target:
        every *= 2
    return every


def sampled(ids: np.ndarray, every: int) -> np.ndarray:
    """Whether each row number is in the 1-in-`every` sample (splitmix64 of the number)."""
    if every == 1:
        return np.ones(len(ids), dtype=bool)
    z = ids.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return (z % np.uint64(every)) == 0


@njit(parallel=True, nogil=True, cache=True)
def _sampled_counts(L, Lp, R, Rp, rows, starts, ranges, partners, lo, hi, bins):
    """Per sampled left row k: its distinct partners `partners[ranges[m, 0]:ranges[m, 1]]`
    (m in starts[k]:starts[k + 1]) within the popcount window for `lo`, scored in full;
    counts[k, bin] of the scores in [lo, hi)."""
    counts = np.zeros((rows.shape[0], bins), dtype=np.int64)
    for k in prange(rows.shape[0]):
        r = rows[k]
        pa = Lp[r]
        low = min_partner_pop(pa, lo)
        high = max_partner_pop(pa, lo)
        total = 0
        for m in range(starts[k], starts[k + 1]):
            total += ranges[m, 1] - ranges[m, 0]
        found = np.empty(total, dtype=np.int64)
        n = 0
        for m in range(starts[k], starts[k + 1]):
            for p in range(ranges[m, 0], ranges[m, 1]):
                j = partners[p]
                if Rp[j] >= low and Rp[j] <= high:
                    found[n] = j
                    n += 1
        found = np.sort(found[:n])
        previous = -1
        for q in range(n):
            j = found[q]
            if j == previous:  # the same pair from another blocking pass: counted once
                continue
            previous = j
            s = dice(and_count_rows(L, r, R, j), pa, Rp[j])
            if s >= lo and s < hi:
                counts[k, bin_of(s, lo, bins)] += 1
    return counts


def partner_ranges(plan: MatchPlan, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each of `rows` (left row numbers): ranges of `partners` (right row numbers) its
    blocks give it in every pass. Returns (starts per row, ranges [m, 2], partners)."""
    owner, lows, highs, pieces = [], [], [], []
    offset = 0
    for planned in plan.passes:
        blocks = planned.blocks
        if len(blocks) == 0:
            continue
        position = np.full(plan.n_left, -1, dtype=np.int64)
        position[planned.left_order] = np.arange(len(planned.left_order))
        at = position[rows]
        block = np.searchsorted(blocks[:, 0], at, side="right") - 1
        inside = (at >= 0) & (block >= 0)
        inside[inside] &= at[inside] < blocks[block[inside], 1]
        k = np.flatnonzero(inside)
        rs, re = blocks[block[k], 2], blocks[block[k], 3]
        lengths = re - rs
        if int(lengths.sum()) < len(planned.right_order):  # small blocks: copy only those
            new_rs = np.cumsum(lengths) - lengths
            index = np.repeat(rs - new_rs, lengths) + np.arange(int(lengths.sum()))
            pieces.append(planned.right_order[index])
            rs = new_rs
        else:  # one big block (exhaustive): the pass's whole right order, once
            pieces.append(planned.right_order)
        owner.append(k)
        lows.append(rs + offset)
        highs.append(rs + lengths + offset)
        offset += len(pieces[-1])
    if not owner:
        return np.zeros(len(rows) + 1, np.int64), np.empty((0, 2), np.int64), np.empty(0, np.int64)
    k = np.concatenate(owner)
    order = np.argsort(k, kind="stable")
    ranges = np.stack([np.concatenate(lows)[order], np.concatenate(highs)[order]], axis=1)
    starts = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(np.bincount(k, minlength=len(rows)), out=starts[1:])
    return starts, np.ascontiguousarray(ranges, dtype=np.int64), np.concatenate(pieces)


@dataclass(frozen=True)
class ScoreHistogram:
    """Pairs per bin of [lo, 1]: exact at or above `exact_from`, below it estimated from 1 in
    `every` left rows (exact when `every` is 1)."""

    lo: float
    counts: np.ndarray  # float64[bins]
    exact_from: float
    every: int = 1

    @property
    def edges(self) -> np.ndarray:
        return np.linspace(self.lo, 1.0, len(self.counts) + 1)

    @property
    def total(self) -> float:
        return float(self.counts.sum())

    @classmethod
    def of_scores(cls, scores: np.ndarray, lo: float = 0.0, bins: int = BINS) -> ScoreHistogram:
        """Every score at or above `lo`, counted exactly."""
        scores = np.asarray(scores, dtype=np.float64)
        kept = scores[scores >= lo]
        counts = np.bincount(bins_of(kept, lo, bins), minlength=bins).astype(np.float64)
        return cls(lo, counts, lo, 1)


def score_histogram(
    plan: MatchPlan,
    left: PackedRows,
    right: PackedRows,
    collected: np.ndarray,
    lo: float,
    *,
    bins: int = BINS,
    every: int | None = None,
) -> ScoreHistogram:
    """The histogram of a run's scores over [lo, 1]; `collected` are the scores the run found
    (every pair at or above `plan.threshold`), `left`/`right` the datasets' rows in their own
    order (`linkage.store.packed_rows`). Below the threshold the plan's blocks are sampled
    (`every`: default `sample_every`); one-dataset plans are not supported."""
    if not 0.0 <= lo < 1.0:
        raise ValueError(f"the histogram's lowest score must be in [0, 1), got {lo}")
    if plan.one_dataset:
        raise ValueError("a histogram below the floor is made for two datasets")
    floor = plan.threshold
    exact = np.asarray(collected, dtype=np.float64)
    exact = exact[exact >= max(lo, floor)]
    counts = np.bincount(bins_of(exact, lo, bins), minlength=bins).astype(np.float64)
    if lo >= floor:
        return ScoreHistogram(lo, counts, lo, 1)
    every = sample_every(plan.n_left) if every is None else int(every)
    rows = np.flatnonzero(sampled(np.arange(plan.n_left, dtype=np.int64), every))
    starts, ranges, partners = partner_ranges(plan, rows)
    below = _sampled_counts(
        left.filters, left.pops, right.filters, right.pops, rows, starts, ranges, partners,
        float(lo), float(floor), bins,
    )  # fmt: skip
    # Each sampled row stands for n_left / sampled rows (not `every`: the hash's draw varies).
    weight = plan.n_left / max(len(rows), 1)
    return ScoreHistogram(lo, counts + weight * below.sum(axis=0), float(floor), every)
