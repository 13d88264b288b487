"""A match plan: the blocks to compare, independent of where they are compared.

`build_plan` turns blocking passes into blocks of row ranges over per-pass row orders (rows
sorted by key, then popcount, so the kernel's length filter applies inside each block). An
executor runs the plan's partitions: `linkage.executor.LocalExecutor` in this process,
`linkage.dask_executor.DaskExecutor` on a Dask cluster. Results do not depend on the executor
or on how the plan is partitioned: every partition yields canonical pairs and the merge removes
repeats and sorts canonically.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from linkage.blocking import BlockingPass
from linkage.options import check_unit
from pprl.encoded import FILTER_BITS
from pprl.errors import InputError

MAX_BLOCK_LEFT = 256  # big blocks are cut into left slabs so partitions can balance


@dataclass(frozen=True)
class PlannedPass:
    """Blocks `(ls, le, rs, re)` index positions in `left_order` / `right_order`."""

    name: str
    left_order: np.ndarray
    right_order: np.ndarray
    blocks: np.ndarray

    @property
    def block_comparisons(self) -> np.ndarray:
        b = self.blocks
        return (b[:, 1] - b[:, 0]) * (b[:, 3] - b[:, 2])

    @property
    def comparisons(self) -> int:
        return int(self.block_comparisons.sum())


@dataclass(frozen=True)
class Partition:
    """A unit of work: blocks `start:stop` of pass `pass_index`."""

    pass_index: int
    start: int
    stop: int
    comparisons: int


@dataclass(frozen=True)
class MatchPlan:
    threshold: float
    top_k: int | None
    one_dataset: bool  # a dataset against itself: each unordered pair once, never (x, x)
    n_left: int
    n_right: int
    passes: tuple[PlannedPass, ...]

    @property
    def comparisons(self) -> int:
        """Pairs inside blocks, summed over passes (before the popcount length filter)."""
        return sum(p.comparisons for p in self.passes)

    def partitions(self, target_comparisons: int = 200_000_000) -> list[Partition]:
        """Consecutive runs of blocks holding about `target_comparisons` each."""
        parts = []
        for index, planned in enumerate(self.passes):
            sizes = planned.block_comparisons
            start, acc = 0, 0
            for k, size in enumerate(sizes.tolist()):
                acc += size
                if acc >= target_comparisons:
                    parts.append(Partition(index, start, k + 1, acc))
                    start, acc = k + 1, 0
            if start < len(sizes):
                parts.append(Partition(index, start, len(sizes), acc))
        return parts


POP_BITS = FILTER_BITS.bit_length()  # popcounts 0..FILTER_BITS (1024) fit in 11 bits


def _grouped(keys: np.ndarray, valid: np.ndarray, pops: np.ndarray):
    """Rows grouped by key, popcount ascending inside each group.

    One sort over `key << 11 | popcount` instead of a two-key lexsort (about 3x faster). The
    shift drops a key's top 11 bits, so keys equal in their low 53 bits share a group: LSH
    keys of more than 53 sampled bits, or two 64-bit HMAC keys with probability 2^-53 per
    pair. Merged groups only add comparisons (blocking may lower recall, never precision).
    """
    rows = np.flatnonzero(valid)
    groups = keys[rows].astype(np.uint64, copy=False) << np.uint64(POP_BITS)
    ranked = np.argsort(groups | pops[rows].astype(np.uint64), kind="quicksort")
    uniq, start, count = np.unique(groups[ranked], return_index=True, return_counts=True)
    return rows[ranked], uniq, start, count


def _kept(order: np.ndarray, starts: np.ndarray, counts: np.ndarray):
    """`order[starts[i]:starts[i] + counts[i]]` for every i, concatenated; and the new starts."""
    new_starts = np.cumsum(counts) - counts
    index = np.repeat(starts - new_starts, counts) + np.arange(int(counts.sum()))
    return order[index], new_starts


def plan_pass(blocking: BlockingPass, left_pops: np.ndarray, right_pops: np.ndarray) -> PlannedPass:
    lorder, lkeys, lstart, lcount = _grouped(blocking.left_keys, blocking.left_valid, left_pops)
    rorder, rkeys, rstart, rcount = _grouped(blocking.right_keys, blocking.right_valid, right_pops)
    _, li, ri = np.intersect1d(lkeys, rkeys, assume_unique=True, return_indices=True)
    # Keep only the rows of keys both sides share: executors copy the rows between a
    # partition's first and last block, and rows no block uses would be copied for nothing.
    lorder, ls = _kept(lorder, lstart[li], lcount[li])
    rorder, rs = _kept(rorder, rstart[ri], rcount[ri])
    le, re = ls + lcount[li], rs + rcount[ri]
    # Cut blocks with many left rows into slabs (same right range) for balanced partitions.
    pieces = (le - ls + MAX_BLOCK_LEFT - 1) // MAX_BLOCK_LEFT
    owner = np.repeat(np.arange(len(ls)), pieces)
    k = np.arange(len(owner)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    slab_ls = ls[owner] + k * MAX_BLOCK_LEFT
    slab_le = np.minimum(slab_ls + MAX_BLOCK_LEFT, le[owner])
    blocks = np.stack([slab_ls, slab_le, rs[owner], re[owner]], axis=1).astype(np.int64)
    return PlannedPass(blocking.name, lorder.astype(np.int64), rorder.astype(np.int64), blocks)


def build_plan(
    passes: list[BlockingPass],
    left_pops: np.ndarray,
    right_pops: np.ndarray,
    *,
    threshold: float,
    top_k: int | None = None,
    one_dataset: bool = False,
) -> MatchPlan:
    threshold = check_unit(threshold)
    if top_k is not None and top_k < 1:
        raise InputError("top_k must be at least 1")
    planned = tuple(plan_pass(p, left_pops, right_pops) for p in passes)
    if one_dataset and not all(np.array_equal(p.left_order, p.right_order) for p in planned):
        raise InputError("a one-dataset plan needs the same rows and keys on both sides")
    return MatchPlan(threshold, top_k, one_dataset, len(left_pops), len(right_pops), planned)
