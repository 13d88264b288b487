"""The simple layer: `match`, `dedup` and `link_groups` over encoded datasets.

    result = linkage.match(a, b)  # threshold chosen by the run, keys blocking, many-to-one
    result.to_table()  # token_a, token_b, score, probability

Each call checks that the encodings may be compared, builds a `MatchPlan`, runs it with an
executor (in this process unless one is given, e.g. `DaskExecutor`) and applies the solver.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from linkage.auto_threshold import (
    CHAIN_MARGIN,
    ThresholdChoice,
    auto_floor,
    choose_threshold,
    fit_model,
    given_threshold,
)
from linkage.blocking import passes_for
from linkage.candidates import CandidatePairs
from linkage.evaluation import reduction_ratio
from linkage.executor import LocalExecutor, Progress
from linkage.kernel_histogram import ScoreHistogram, score_histogram
from linkage.options import (
    DEFAULT_BLOCKING,
    DEFAULT_DEDUP_THRESHOLD,
    DEFAULT_DUPLICATES_AT,
    DEFAULT_SOLVER,
    DEFAULT_THRESHOLD_RULE,
    REVIEW_BAND,
    BlockingMethod,
    LSHOptions,
    Solver,
    ThresholdRule,
    check_unit,
    threshold_for,
    threshold_rule,
)
from linkage.plan import MatchPlan, build_plan
from linkage.solvers import RightDuplicates, cluster_labels, group_labels, solve
from linkage.store import check_compatible, packed_rows
from linkage.unrelated import UNRELATED_SEED, unrelated_scores
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
    floor_scores: np.ndarray | None = None  # every score >= the floor, for the histogram
    duplicates_at: float | None = None  # many-to-one: right near-copies kept at this Dice
    choice: ThresholdChoice | None = None  # how the threshold was chosen
    probability: np.ndarray | None = None  # P(match) of each pair, where a model was fitted
    floor_pairs: CandidatePairs | None = None  # the solver's decisions at the floor
    histogram: ScoreHistogram | None = None  # with score_floor: scores binned down to it

    def __len__(self) -> int:
        return len(self.pairs)

    def _table(self, pairs: CandidatePairs, probability: np.ndarray | None) -> pa.Table:
        return pa.table(
            {
                "token_a": self.tokens_a.take(pa.array(pairs.left)),
                "token_b": self.tokens_b.take(pa.array(pairs.right)),
                "score": pa.array(pairs.score, type=pa.float64()),
                "probability": pa.array(probability, type=pa.float64())
                if probability is not None
                else pa.nulls(len(pairs), pa.float64()),
            }
        )

    def to_table(self) -> pa.Table:
        """token_a, token_b, score, probability (null where no model could be fitted)."""
        return self._table(self.pairs, self.probability)

    def review_table(self, band: tuple[float, float] = REVIEW_BAND) -> pa.Table:
        """The uncertain pairs: the solver's decisions at the floor whose match probability is
        in `band`, linked or not (`linked`: at or above the threshold); empty without a model."""
        pairs = self.floor_pairs
        if pairs is None or self.choice is None or self.choice.model is None:
            return self._table(CandidatePairs.empty(), None).append_column(
                "linked", pa.array([], pa.bool_())
            )
        p = self.choice.probability(pairs.score)
        keep = np.flatnonzero((p >= band[0]) & (p <= band[1]))
        table = self._table(pairs.take(keep), p[keep])
        linked = pa.array(pairs.score[keep] >= self.threshold, type=pa.bool_())
        return table.append_column("linked", linked)

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
            "threshold_choice": None if self.choice is None else self.choice.to_dict(),
            "review_band": _band_counts(self.review_table()),
        }


def _band_counts(review: pa.Table) -> dict:
    linked = review.column("linked").to_numpy(zero_copy_only=False)
    return {
        "probability": list(REVIEW_BAND),
        "pairs": review.num_rows,
        "linked": int(linked.sum()),
        "expected_true": round(float(np.nansum(review.column("probability").to_numpy())), 3),
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
    threshold = threshold_for(threshold, a.manifest.match_threshold)  # "auto" never comes here
    method = _enum(BlockingMethod, blocking)
    passes = passes_for(method, a, b, lsh)
    return build_plan(
        passes, a.popcounts, b.popcounts, threshold=threshold, top_k=top_k, one_dataset=one_dataset
    )


def _floor(rule, stated: float, method: BlockingMethod) -> float:
    """Where the kernel stops collecting: low enough for the model (keys blocking, or auto)."""
    if rule is ThresholdRule.AUTO:
        return auto_floor(stated, method)
    if method is BlockingMethod.KEYS:
        return min(rule, auto_floor(stated, method))
    return rule


def match(
    a: EncodedDataset,
    b: EncodedDataset,
    threshold: float | str | ThresholdRule | None = DEFAULT_THRESHOLD_RULE,
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

    `threshold="auto"` (the default): the run chooses it from its own scores, without the
    truth (`linkage.auto_threshold`: a two-hump mixture fitted by EM, the threshold of best
    expected F1; the encoding's stated threshold when no model can be fitted). A number is
    used as given; None: the one the encoding's schema states, else `DEFAULT_THRESHOLD`
    (`linkage.options.threshold_for`). The kernel collects scores down to a floor below the
    threshold (`floor_scores`), and each decided pair gets its match probability from the
    model (`probability`, None without one). With `score_floor`, `histogram` bins the scores
    down to it (`linkage.kernel_histogram`: exact above the floor, sampled below; the run and
    its results are the same with or without it).
    With many-to-one, `duplicates_at` (None: off) also keeps, for each left record, the right
    records above the threshold that are near-copies of its best one (one person registered
    twice on the right); other solvers ignore it.
    """
    rule = threshold_rule(threshold)
    stated = threshold_for(None, a.manifest.match_threshold)
    if rule is not ThresholdRule.AUTO:
        rule = threshold_for(rule, a.manifest.match_threshold)
    if score_floor is not None:
        score_floor = check_unit(score_floor, "score_floor")
    method = _enum(BlockingMethod, blocking)
    chosen = _enum(Solver, solver)
    timings = {}
    start = time.perf_counter()
    floor = _floor(rule, stated, method)
    plan = plan_match(a, b, floor, method, top_k=top_k, lsh=lsh)
    timings["plan"] = time.perf_counter() - start
    start = time.perf_counter()
    runner = executor or LocalExecutor()
    rows_a, rows_b = packed_rows(a), packed_rows(b)
    scored = runner.run(plan, rows_a, rows_b, progress)
    timings["compare"] = time.perf_counter() - start
    start = time.perf_counter()
    duplicates = None
    if chosen is Solver.MANY_TO_ONE and duplicates_at is not None:
        duplicates = RightDuplicates(b.filters, b.popcounts, duplicates_at)
    floor_pairs = solve(chosen, scored, len(a), len(b), duplicates)
    unrelated = _unrelated(a, b)
    if rule is ThresholdRule.AUTO:
        choice = choose_threshold(
            floor_pairs.score, floor_pairs.score, stated, floor, unrelated=unrelated
        )
    else:
        model, _ = fit_model(floor_pairs.score, floor, stated, unrelated=unrelated)
        choice = given_threshold(rule, stated, model, floor)
    threshold = choice.threshold
    timings["choose"] = time.perf_counter() - start
    start = time.perf_counter()
    candidates = scored.take(np.flatnonzero(scored.score >= threshold))
    pairs = solve(chosen, candidates, len(a), len(b), duplicates)
    timings["solve"] = time.perf_counter() - start
    histogram = None
    if score_floor is not None:  # shown from score_floor, or from the threshold if lower
        start = time.perf_counter()
        lo = min(score_floor, threshold)
        histogram = score_histogram(plan, rows_a, rows_b, scored.score, lo)
        timings["histogram"] = time.perf_counter() - start
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
        floor_scores=scored.score,
        duplicates_at=None if duplicates is None else duplicates.at,
        choice=choice,
        probability=choice.probability(pairs.score),
        floor_pairs=floor_pairs,
        histogram=histogram,
    )


@dataclass(frozen=True)
class Clusters:
    """Deduplication result: `labels[row]` = smallest row of its cluster."""

    labels: np.ndarray
    pairs: CandidatePairs
    tokens: pa.Array
    comparisons: int
    timings: Mapping[str, float] = field(default_factory=dict)
    choice: ThresholdChoice | None = None  # how the threshold was chosen

    @property
    def threshold(self) -> float | None:
        return None if self.choice is None else self.choice.threshold

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


def _unrelated(a: EncodedDataset, b: EncodedDataset) -> np.ndarray:
    """Scores of random record pairs, drawn the same way every run (`linkage.unrelated`)."""
    rng = np.random.default_rng(UNRELATED_SEED)
    return unrelated_scores(
        a.filters, a.popcounts, b.filters, b.popcounts, rng, same_dataset=a is b
    )


def _chosen_for_clusters(
    rule, scored: CandidatePairs, n: int, stated: float, floor: float, unrelated: np.ndarray
):
    """Dedup and groups: every scored pair is an edge; the choice counts what chains imply."""
    if rule is ThresholdRule.AUTO:
        edges = scored.canonical()
        return choose_threshold(
            edges.score,
            edges.score,
            stated,
            floor,
            lowest=stated - CHAIN_MARGIN,
            clusters=(n, edges),
            unrelated=unrelated,
        )
    model, _ = fit_model(scored.score, floor, stated, clusters=True, unrelated=unrelated)
    return given_threshold(rule, stated, model, floor)


def dedup(
    a: EncodedDataset,
    threshold: float | str | ThresholdRule | None = DEFAULT_THRESHOLD_RULE,
    blocking: BlockingMethod | str = DEFAULT_BLOCKING,
    *,
    lsh: LSHOptions | None = None,
    executor=None,
    progress: Progress | None = None,
) -> Clusters:
    """Find records of one dataset that are the same person (connected components).

    `threshold` as in `match` ("auto" by default), except that clusters chain, so an
    automatic choice from two humps never goes below the stated threshold minus
    `CHAIN_MARGIN`.
    """
    timings = {}
    start = time.perf_counter()
    method = _enum(BlockingMethod, blocking)
    rule = threshold_rule(threshold)
    stated = threshold_for(None, a.manifest.match_threshold, DEFAULT_DEDUP_THRESHOLD)
    if rule is not ThresholdRule.AUTO:
        rule = threshold_for(rule, a.manifest.match_threshold, DEFAULT_DEDUP_THRESHOLD)
    floor = _floor(rule, stated, method)
    plan = plan_match(a, a, floor, method, lsh=lsh, one_dataset=True)
    timings["plan"] = time.perf_counter() - start
    start = time.perf_counter()
    rows = packed_rows(a)
    scored = (executor or LocalExecutor()).run(plan, rows, rows, progress)
    timings["compare"] = time.perf_counter() - start
    start = time.perf_counter()
    choice = _chosen_for_clusters(rule, scored, len(a), stated, floor, _unrelated(a, a))
    pairs = scored.take(np.flatnonzero(scored.score >= choice.threshold))
    labels = cluster_labels(pairs, len(a))
    timings["solve"] = time.perf_counter() - start
    return Clusters(labels, pairs, a.tokens, plan.comparisons, timings, choice)


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
    choice: ThresholdChoice | None = None  # how the one threshold of every pair was chosen

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
    threshold: float | str | ThresholdRule | None = DEFAULT_THRESHOLD_RULE,
    blocking: BlockingMethod | str = DEFAULT_BLOCKING,
    *,
    lsh: LSHOptions | None = None,
    executor=None,
    progress: Progress | None = None,
) -> Groups:
    """Link three or more datasets at once: every pair of datasets is compared, then groups.

    One threshold for every pair of datasets; "auto" (the default) fits the model to the
    scores of all of them, bounded below as in `dedup` (groups chain too).
    """
    if len(datasets) < 2:
        raise InputError("link_groups needs at least two datasets")
    method = _enum(BlockingMethod, blocking)
    rule = threshold_rule(threshold)
    stated = threshold_for(None, datasets[0].manifest.match_threshold)
    if rule is not ThresholdRule.AUTO:
        rule = threshold_for(rule, datasets[0].manifest.match_threshold)
    floor = _floor(rule, stated, method)
    sizes = np.array([len(d) for d in datasets], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    edges = []
    for i in range(len(datasets)):
        for j in range(i + 1, len(datasets)):
            result = match(
                datasets[i],
                datasets[j],
                floor,
                method,
                Solver.NONE,
                lsh=lsh,
                executor=executor,
                progress=progress,
            )
            c = result.candidates
            edges.append(CandidatePairs(c.left + offsets[i], c.right + offsets[j], c.score))
    scored = CandidatePairs.concat(edges)
    # Random pairs across the first two files: the encoding's unrelated level is the same.
    unrelated = _unrelated(datasets[0], datasets[1])
    choice = _chosen_for_clusters(rule, scored, int(offsets[-1]), stated, floor, unrelated)
    source = np.repeat(np.arange(len(datasets)), sizes)
    labels = group_labels(scored.take(np.flatnonzero(scored.score >= choice.threshold)), source)
    counts = np.bincount(labels, minlength=len(labels))
    members = np.flatnonzero(counts[labels] > 1)
    members = members[np.lexsort((members, labels[members]))]
    dataset = source[members]
    return Groups(
        dataset,
        members - offsets[dataset],
        labels[members],
        tuple(d.tokens for d in datasets),
        choice,
    )
