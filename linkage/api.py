"""The simple layer: `match`, `dedup` and `link_groups` over encoded datasets.

    result = linkage.match(a, b)  # threshold 0.75, keys blocking, many-to-one
    result.to_table()  # token_a, token_b, score

Each call checks that the encodings may be compared, builds a `MatchPlan`, runs it with an
executor (in this process unless one is given, e.g. `DaskExecutor`) and applies the solver.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from linkage.blocking import passes_for
from linkage.candidates import CandidatePairs
from linkage.evaluation import reduction_ratio
from linkage.executor import LocalExecutor, Progress
from linkage.options import (
    DEFAULT_BLOCKING,
    DEFAULT_DEDUP_THRESHOLD,
    DEFAULT_DUPLICATES_AT,
    DEFAULT_SOLVER,
    BlockingMethod,
    LSHOptions,
    Solver,
    check_unit,
    threshold_for,
)
from linkage.plan import MatchPlan, build_plan
from linkage.solvers import RightDuplicates, cluster_labels, group_labels, solve
from linkage.store import check_compatible, packed_rows
from pprl.encoded import EncodedDataset
from pprl.errors import InputError


@dataclass(frozen=True)
class MatchResult:
    """Matched pairs as row numbers of `a` and `b` (canonical order) plus run figures."""

    pairs: CandidatePairs
    tokens_a: pa.Array
    tokens_b: pa.Array
    candidates: CandidatePairs  # every pair at or above the threshold, before the solver
    comparisons: int  # pairs inside blocks
    n_a: int
    n_b: int
    threshold: float
    blocking: BlockingMethod
    solver: Solver
    timings: Mapping[str, float] = field(default_factory=dict)
    floor_scores: np.ndarray | None = None  # every score >= score_floor, for the histogram
    duplicates_at: float | None = None  # many-to-one: right near-copies kept at this Dice

    def __len__(self) -> int:
        return len(self.pairs)

    def to_table(self) -> pa.Table:
        return pa.table(
            {
                "token_a": self.tokens_a.take(pa.array(self.pairs.left)),
                "token_b": self.tokens_b.take(pa.array(self.pairs.right)),
                "score": pa.array(self.pairs.score, type=pa.float64()),
            }
        )

    def summary(self) -> dict:
        """The run's figures, ready for JSON: sizes, options, comparisons and what they found."""
        return {
            "records_a": self.n_a,
            "records_b": self.n_b,
            "threshold": self.threshold,
            "blocking": self.blocking.value,
            "solver": self.solver.value,
            "duplicates_at": self.duplicates_at,
            "comparisons": self.comparisons,
            "reduction_ratio": reduction_ratio(self.comparisons, self.n_a, self.n_b),
            "candidates": len(self.candidates),
            "pairs": len(self.pairs),
        }


def _enum(kind, value):
    """The Python API's edge: a choice given by its name becomes the enum member."""
    try:
        return value if isinstance(value, kind) else kind(value)
    except ValueError:
        choices = ", ".join(m.value for m in kind)
        raise InputError(f"unknown {kind.__name__} {value!r} (choose {choices})") from None


def plan_match(
    a: EncodedDataset,
    b: EncodedDataset,
    threshold: float | None = None,
    blocking: BlockingMethod | str = DEFAULT_BLOCKING,
    *,
    top_k: int | None = None,
    lsh: LSHOptions | None = None,
    one_dataset: bool = False,
) -> MatchPlan:
    check_compatible(a, b)
    threshold = threshold_for(threshold, a.manifest.match_threshold)
    method = _enum(BlockingMethod, blocking)
    passes = passes_for(method, a, b, lsh)
    return build_plan(
        passes, a.popcounts, b.popcounts, threshold=threshold, top_k=top_k, one_dataset=one_dataset
    )


def match(
    a: EncodedDataset,
    b: EncodedDataset,
    threshold: float | None = None,
    blocking: BlockingMethod | str = DEFAULT_BLOCKING,
    solver: Solver | str = DEFAULT_SOLVER,
    *,
    top_k: int | None = None,
    lsh: LSHOptions | None = None,
    executor=None,
    progress: Progress | None = None,
    score_floor: float | None = None,
    duplicates_at: float | None = DEFAULT_DUPLICATES_AT,
) -> MatchResult:
    """Link two encoded datasets: blocking, Dice ≥ threshold, then the solver.

    With `score_floor` below the threshold the kernel also collects the scores between the
    floor and the threshold (`floor_scores`), for the histogram an operator reads to choose t.
    With many-to-one, `duplicates_at` (None: off) also keeps, for each left record, the right
    records above the threshold that are near-copies of its best one (one person registered
    twice on the right); other solvers ignore it. Without a `threshold`, the one the
    encoding's schema states, else `DEFAULT_THRESHOLD` (`linkage.options.threshold_for`).
    """
    threshold = threshold_for(threshold, a.manifest.match_threshold)
    threshold = check_unit(threshold)
    if score_floor is not None:
        score_floor = check_unit(score_floor, "score_floor")
    method = _enum(BlockingMethod, blocking)
    chosen = _enum(Solver, solver)
    timings = {}
    start = time.perf_counter()
    lowest = threshold if score_floor is None else min(threshold, score_floor)
    plan = plan_match(a, b, lowest, method, top_k=top_k, lsh=lsh)
    timings["plan"] = time.perf_counter() - start
    start = time.perf_counter()
    runner = executor or LocalExecutor()
    candidates = runner.run(plan, packed_rows(a), packed_rows(b), progress)
    floor_scores = None
    if score_floor is not None:
        floor_scores = candidates.score
        candidates = candidates.take(np.flatnonzero(candidates.score >= threshold))
    timings["compare"] = time.perf_counter() - start
    start = time.perf_counter()
    duplicates = None
    if chosen is Solver.MANY_TO_ONE and duplicates_at is not None:
        duplicates = RightDuplicates(b.filters, b.popcounts, duplicates_at)
    pairs = solve(chosen, candidates, len(a), len(b), duplicates)
    timings["solve"] = time.perf_counter() - start
    return MatchResult(
        pairs=pairs,
        tokens_a=a.tokens,
        tokens_b=b.tokens,
        candidates=candidates,
        comparisons=plan.comparisons,
        n_a=len(a),
        n_b=len(b),
        threshold=threshold,
        blocking=method,
        solver=chosen,
        timings=timings,
        floor_scores=floor_scores,
        duplicates_at=None if duplicates is None else duplicates.at,
    )


@dataclass(frozen=True)
class Clusters:
    """Deduplication result: `labels[row]` = smallest row of its cluster."""

    labels: np.ndarray
    pairs: CandidatePairs
    tokens: pa.Array
    comparisons: int
    timings: Mapping[str, float] = field(default_factory=dict)

    def to_table(self) -> pa.Table:
        """Rows that have at least one duplicate: token, cluster (the cluster's first token)."""
        sizes = np.bincount(self.labels, minlength=len(self.labels))
        rows = np.flatnonzero(sizes[self.labels] > 1)
        rows = rows[np.lexsort((rows, self.labels[rows]))]
        return pa.table(
            {
                "cluster": self.tokens.take(pa.array(self.labels[rows])),
                "token": self.tokens.take(pa.array(rows)),
            }
        )


def dedup(
    a: EncodedDataset,
    threshold: float | None = None,
    blocking: BlockingMethod | str = DEFAULT_BLOCKING,
    *,
    lsh: LSHOptions | None = None,
    executor=None,
    progress: Progress | None = None,
) -> Clusters:
    """Find records of one dataset that are the same person (connected components)."""
    threshold = check_unit(threshold)
    timings = {}
    start = time.perf_counter()
    threshold = threshold_for(threshold, a.manifest.match_threshold, DEFAULT_DEDUP_THRESHOLD)
    plan = plan_match(a, a, threshold, blocking, lsh=lsh, one_dataset=True)
    timings["plan"] = time.perf_counter() - start
    start = time.perf_counter()
    rows = packed_rows(a)
    pairs = (executor or LocalExecutor()).run(plan, rows, rows, progress)
    timings["compare"] = time.perf_counter() - start
    start = time.perf_counter()
    labels = cluster_labels(pairs, len(a))
    timings["solve"] = time.perf_counter() - start
    return Clusters(labels, pairs, a.tokens, plan.comparisons, timings)


@dataclass(frozen=True)
class Groups:
    """Multi-party result: member i is row `row[i]` of dataset `dataset[i]` in group `group[i]`.

    Only groups with two or more members are listed; a group holds at most one record per
    dataset. Group ids are the smallest global row number in the group.
    """

    dataset: np.ndarray
    row: np.ndarray
    group: np.ndarray
    tokens: tuple[pa.Array, ...]  # record tokens of each dataset, in the order they were given

    def to_table(self, names: Sequence[str] | None = None) -> pa.Table:
        """group, dataset, token: one row a member, groups numbered 1, 2, ... in listing order.

        `dataset` is `names[i]` for the i-th dataset given (default: "0", "1", ...).
        """
        if names is None:
            names = [str(i) for i in range(len(self.tokens))]
        _, first, numbers = np.unique(self.group, return_index=True, return_inverse=True)
        order = np.argsort(np.argsort(first))
        # Each dataset's tokens are taken at once, then put back in the members' order.
        parts = [t.take(pa.array(self.row[self.dataset == d])) for d, t in enumerate(self.tokens)]
        listing = np.argsort(np.argsort(self.dataset, kind="stable"))
        return pa.table(
            {
                "group": pa.array(order[numbers] + 1, type=pa.int64()),
                "dataset": pa.array([names[d] for d in self.dataset.tolist()], type=pa.string()),
                "token": pa.chunked_array(parts, type=pa.string()).take(pa.array(listing)),
            }
        )


def link_groups(
    datasets: list[EncodedDataset],
    threshold: float | None = None,
    blocking: BlockingMethod | str = DEFAULT_BLOCKING,
    *,
    lsh: LSHOptions | None = None,
    executor=None,
    progress: Progress | None = None,
) -> Groups:
    """Link three or more datasets at once: every pair of datasets is compared, then groups."""
    if len(datasets) < 2:
        raise InputError("link_groups needs at least two datasets")
    threshold = check_unit(threshold)
    method = _enum(BlockingMethod, blocking)
    threshold = threshold_for(threshold, datasets[0].manifest.match_threshold)
    sizes = np.array([len(d) for d in datasets], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    edges = []
    for i in range(len(datasets)):
        for j in range(i + 1, len(datasets)):
            result = match(
                datasets[i],
                datasets[j],
                threshold,
                method,
                Solver.NONE,
                lsh=lsh,
                executor=executor,
                progress=progress,
            )
            c = result.candidates
            edges.append(CandidatePairs(c.left + offsets[i], c.right + offsets[j], c.score))
    source = np.repeat(np.arange(len(datasets)), sizes)
    labels = group_labels(CandidatePairs.concat(edges), source)
    counts = np.bincount(labels, minlength=len(labels))
    members = np.flatnonzero(counts[labels] > 1)
    members = members[np.lexsort((members, labels[members]))]
    dataset = source[members]
    return Groups(
        dataset, members - offsets[dataset], labels[members], tuple(d.tokens for d in datasets)
    )
