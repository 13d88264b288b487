"""Running a match plan: one partition at a time here, or on a cluster (dask_executor).

`run_partition` is the pure function every executor calls: it gathers the partition's rows
into contiguous arrays (in plan order), runs the kernel and returns canonical pairs with the
datasets' own row numbers. `merge` unites partitions' results the same way for every executor.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from linkage.candidates import CandidatePairs
from linkage.kernel import PackedRows, dice_blocks
from linkage.plan import MatchPlan, Partition
from pprl.errors import LimitExceeded

# Called after each partition with (comparisons done in it, comparisons in the whole plan).
Progress = Callable[[int, int], None]


def run_partition(
    plan: MatchPlan, part: Partition, left: PackedRows, right: PackedRows
) -> CandidatePairs:
    planned = plan.passes[part.pass_index]
    blocks = planned.blocks[part.start : part.stop]
    if len(blocks) == 0:
        return CandidatePairs.empty()
    l0, l1 = int(blocks[:, 0].min()), int(blocks[:, 1].max())
    r0, r1 = int(blocks[:, 2].min()), int(blocks[:, 3].max())
    rows_left = left.take(planned.left_order[l0:l1])
    rows_right = right.take(planned.right_order[r0:r1])
    local = blocks - np.array([l0, l0, r0, r0], dtype=np.int64)
    return dice_blocks(
        rows_left,
        rows_right,
        local,
        plan.threshold,
        top_k=plan.top_k,
        diagonal=l0 - r0 if plan.one_dataset else None,
    )


def merge(plan: MatchPlan, parts: list[CandidatePairs]) -> CandidatePairs:
    """Unite partition results: drop repeats (several passes), keep top-k, canonical order."""
    merged = CandidatePairs.concat(parts).unique()
    if plan.top_k is not None:
        merged = merged.top_k_per_left(plan.top_k)
    return merged


class LocalExecutor:
    """Runs partitions one after another; the kernel itself uses every core.

    With `max_pairs`, a plan whose distinct candidate pairs pass that many stops as soon as
    they do (`LimitExceeded`): the pairs held are merged (repeats of several passes dropped)
    whenever they double, so memory stays within a few times the limit plus one partition.
    """

    def __init__(
        self, target_comparisons: int = 500_000_000, *, max_pairs: int | None = None
    ) -> None:
        self.target_comparisons = target_comparisons
        self.max_pairs = max_pairs

    def run(
        self,
        plan: MatchPlan,
        left: PackedRows,
        right: PackedRows,
        progress: Progress | None = None,
    ) -> CandidatePairs:
        results: list[CandidatePairs] = []
        held, merge_at = 0, self.max_pairs
        for part in plan.partitions(self.target_comparisons):
            results.append(run_partition(plan, part, left, right))
            held += len(results[-1])
            if merge_at is not None and held > merge_at:
                results = [self._within_limit(plan, merge(plan, results))]
                held = len(results[0])
                merge_at = max(merge_at, 2 * held)
            if progress is not None:
                progress(part.comparisons, plan.comparisons)
        return self._within_limit(plan, merge(plan, results))

    def _within_limit(self, plan: MatchPlan, pairs: CandidatePairs) -> CandidatePairs:
        if self.max_pairs is not None and len(pairs) > self.max_pairs:
            raise LimitExceeded(
                f"more than {self.max_pairs:,} candidate pairs at threshold "
                f"{plan.threshold:g} (the limit); raise the threshold"
            )
        return pairs
