"""Solvers: from scored candidate pairs to decisions.

Every solver reads pairs in canonical order (score desc, left asc, right asc), so ties are
broken the same way on every run: the lower row number wins. The loops are compiled (sort in
NumPy, then one pass with flags or a union-find in Numba); no Python objects per pair.

- greedy one-to-one: accept the best remaining pair whose two records are both still free.
- many-to-one: each left record keeps its best right record; a right record may be chosen by
  many left records (e.g. several list entries pointing at one death record). With
  `duplicates_at` the left record also keeps the other right records above the threshold that
  are near-copies of its best one (Dice >= duplicates_at between the two right filters): a
  person registered twice in the right dataset is then linked through both registrations.
- clusters (deduplication of one dataset): connected components of the pairs.
- groups (three or more datasets): greedy merging of components in score order, never putting
  two records of the same dataset into one group.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from linkage.candidates import CandidatePairs
from linkage.options import Solver
from linkage.popcount import and_count_rows
from pprl.encoded import FILTER_WORDS
from pprl.errors import InputError


@njit(cache=True, nogil=True)
def _greedy_keep(left, right, n_left, n_right):
    used_left = np.zeros(n_left, dtype=np.bool_)
    used_right = np.zeros(n_right, dtype=np.bool_)
    keep = np.zeros(left.shape[0], dtype=np.bool_)
    for k in range(left.shape[0]):
        a = left[k]
        b = right[k]
        if not used_left[a] and not used_right[b]:
            used_left[a] = True
            used_right[b] = True
            keep[k] = True
    return keep


@njit(cache=True, nogil=True)
def _first_per_left(left, n_left):
    seen = np.zeros(n_left, dtype=np.bool_)
    keep = np.zeros(left.shape[0], dtype=np.bool_)
    for k in range(left.shape[0]):
        if not seen[left[k]]:
            seen[left[k]] = True
            keep[k] = True
    return keep


@njit(cache=True, nogil=True)
def _best_and_duplicates(left, right, n_left, filters, pops, duplicates_at):
    """One pass in canonical order: the first pair of a left row names its best right row;
    a later pair is kept when its right row is a near-copy of that best one."""
    best = np.full(n_left, -1, dtype=np.int64)
    keep = np.zeros(left.shape[0], dtype=np.bool_)
    for k in range(left.shape[0]):
        a = left[k]
        b = right[k]
        if best[a] < 0:
            best[a] = b
            keep[k] = True
            continue
        c = best[a]
        total = pops[c] + pops[b]
        common = and_count_rows(filters, c, filters, b)
        # 0 when both are empty, as in the kernel; such rows never pass a positive threshold.
        keep[k] = total > 0 and 2.0 * common / total >= duplicates_at
    return keep


@njit(inline="always", nogil=True)
def _find(parent, x):
    while parent[x] != x:
        parent[x] = parent[parent[x]]  # path halving
        x = parent[x]
    return x


@njit(cache=True, nogil=True)
def _components(n, left, right):
    parent = np.arange(n)
    for k in range(left.shape[0]):
        a = _find(parent, left[k])
        b = _find(parent, right[k])
        if a != b:
            # The smaller row number becomes the root, so labels are deterministic.
            if a < b:
                parent[b] = a
            else:
                parent[a] = b
    labels = np.empty(n, dtype=np.int64)
    for x in range(n):
        labels[x] = _find(parent, x)
    return labels


@njit(cache=True, nogil=True)
def _constrained_groups(n, left, right, source):
    """Union in the given order, refusing merges that would join two records of one source."""
    parent = np.arange(n)
    mask = np.zeros(n, dtype=np.uint64)
    for x in range(n):
        mask[x] = np.uint64(1) << np.uint64(source[x])
    for k in range(left.shape[0]):
        a = _find(parent, left[k])
        b = _find(parent, right[k])
        if a == b or (mask[a] & mask[b]) != 0:
            continue
        if a < b:
            parent[b] = a
            mask[a] |= mask[b]
        else:
            parent[a] = b
            mask[b] |= mask[a]
    labels = np.empty(n, dtype=np.int64)
    for x in range(n):
        labels[x] = _find(parent, x)
    return labels


def _check_rows(pairs: CandidatePairs, n_left: int, n_right: int) -> None:
    if len(pairs) and (
        pairs.left.min() < 0
        or pairs.right.min() < 0
        or pairs.left.max() >= n_left
        or pairs.right.max() >= n_right
    ):
        raise InputError("pair row numbers outside the datasets")


def greedy_one_to_one(pairs: CandidatePairs, n_left: int, n_right: int) -> CandidatePairs:
    """Each record in at most one pair; better scores first, ties to lower row numbers."""
    _check_rows(pairs, n_left, n_right)
    ordered = pairs.canonical()
    return ordered.take(np.flatnonzero(_greedy_keep(ordered.left, ordered.right, n_left, n_right)))


@dataclass(frozen=True)
class RightDuplicates:
    """What many-to-one needs to recognise near-copies among the right records."""

    filters: np.ndarray  # uint64[n_right, 16], the right dataset's filters by row number
    pops: np.ndarray  # popcount of each right filter
    at: float  # Dice between two right records at which they count as one person


def many_to_one(
    pairs: CandidatePairs,
    n_left: int,
    n_right: int,
    duplicates: RightDuplicates | None = None,
) -> CandidatePairs:
    """Each left record keeps its best right record (ties: lower right row).

    With `duplicates`, it also keeps every other right record it scored above the threshold
    whose filter is within `duplicates.at` Dice of that best record's filter. Near-copies are
    judged against the chosen record only: when two unrelated right records tie for best,
    the lower row is chosen and decides which near-copies come with it.
    """
    _check_rows(pairs, n_left, n_right)
    ordered = pairs.canonical()
    if duplicates is None:
        return ordered.take(np.flatnonzero(_first_per_left(ordered.left, n_left)))
    if not 0.0 < duplicates.at <= 1.0:
        raise InputError("duplicates_at must be in (0, 1]")
    if duplicates.filters.shape != (n_right, FILTER_WORDS) or len(duplicates.pops) != n_right:
        raise InputError("right filters do not match the right dataset")
    keep = _best_and_duplicates(
        ordered.left,
        ordered.right,
        n_left,
        np.ascontiguousarray(duplicates.filters, dtype=np.uint64),
        np.asarray(duplicates.pops, dtype=np.int64),
        float(duplicates.at),
    )
    return ordered.take(np.flatnonzero(keep))


def solve(
    solver: Solver,
    pairs: CandidatePairs,
    n_left: int,
    n_right: int,
    duplicates: RightDuplicates | None = None,
) -> CandidatePairs:
    """Apply `solver`; `duplicates` only concerns many-to-one."""
    if solver is Solver.GREEDY:
        return greedy_one_to_one(pairs, n_left, n_right)
    if solver is Solver.MANY_TO_ONE:
        return many_to_one(pairs, n_left, n_right, duplicates)
    return pairs.canonical()


def cluster_labels(pairs: CandidatePairs, n: int) -> np.ndarray:
    """Deduplication: label of each row = smallest row number in its connected component."""
    _check_rows(pairs, n, n)
    return _components(n, pairs.left, pairs.right)


def group_labels(pairs: CandidatePairs, source: np.ndarray) -> np.ndarray:
    """Multi-party groups over a global row numbering; `source[row]` is its dataset (< 64).

    Pairs are taken in canonical order; a pair joins two groups only if no dataset would then
    appear twice in the group. Label = smallest global row number in the group.
    """
    source = np.asarray(source, dtype=np.int64)
    if len(source) and (source.min() < 0 or source.max() >= 64):
        raise InputError("at most 64 datasets can be grouped")
    _check_rows(pairs, len(source), len(source))
    ordered = pairs.canonical()
    return _constrained_groups(len(source), ordered.left, ordered.right, source)
