"""The threshold a run chooses for itself (`threshold="auto"`, the default), without the truth.

    choice = choose_threshold(fit_scores_of_run, decided_scores, stated=0.6)
    choice.threshold, choice.reason, choice.probability(scores)

Contract:
1. Scores are collected below any threshold the run could choose, down to `auto_floor`
   (keys blocking compares few pairs, so the whole blocked set is scored; other blockings
   compare many unrelated pairs, so they stop just under the encoding's stated threshold).
2. A two-component mixture is fitted to them (`linkage.score_model`); each pair's match
   probability is the model's posterior at its score. When the scores show one hump (the
   blocking keys compared almost only matches: the two components do not dip between them,
   or the lower one lies far above what random pairs score), the non-match component takes
   the shape of random pairs' scores (`linkage.unrelated`) and only the match hump is fitted.
3. The threshold maximises the F1 the model expects on the pairs the solver decides at the
   floor: expected true positives above t are the sum of their probabilities, expected true
   pairs the sum over all of them. Many-to-one and `none` decide above t exactly the floor's
   decisions that score at least t, so the curve is their curve; greedy's is close to it.
4. Clusters chain (dedup, groups): one wrong edge between clusters of a and b records makes
   a*b wrong pairs. There the expected F1 counts the pairs the clusters imply (connected
   components as edges are added in score order) against the expected true edges, and with
   two humps the choice never goes below the stated threshold minus `CHAIN_MARGIN` (a model
   can misjudge the high tail of the non-matches, relatives sharing a household, and chaining
   multiplies each such edge; with one hump over random pairs there is no such tail). The
   fit also looks further up (`WINDOW_ABOVE`): duplicates inside one file are mostly exact
   copies near 1.0, so just above the stated threshold too few of them shape the match hump.
5. When no model can be fitted (too few pairs, one hump), the run uses the stated threshold
   (`linkage.options.threshold_for`) and the choice says why.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np
from numba import njit

from linkage.options import BlockingMethod
from linkage.score_model import (
    FitFailure,
    OneHump,
    ScoreModel,
    fit_over_unrelated,
    fit_scores,
    unrelated_level,
)

KEYS_FLOOR_BELOW = 0.3  # keys blocking: scores collected from the stated threshold minus this
OTHER_FLOOR_BELOW = 0.03  # lsh / exhaustive: unrelated pairs are many, stop just under it
# The mixture is fitted below the stated threshold plus this; clusters (dedup, groups) or not.
# Measured on the synthetic scenarios (bench/threshold_quality.py).
WINDOW_ABOVE: dict[bool, float] = {False: 0.15, True: 0.30}
CHAIN_MARGIN = 0.05  # dedup / groups never go lower than the stated threshold minus this
GRID_STEP = 0.005


class ChoiceMethod(enum.Enum):
    GIVEN = "given"  # a number was given
    FITTED = "fitted"  # the mixture's expected-F1 maximum
    FALLBACK = "fallback"  # no model: the encoding's stated threshold, else the default


def auto_floor(stated: float, blocking: BlockingMethod) -> float:
    below = KEYS_FLOOR_BELOW if blocking is BlockingMethod.KEYS else OTHER_FLOOR_BELOW
    return max(0.0, stated - below)


def window_upper(stated: float, clusters: bool = False) -> float:
    return min(1.0, stated + WINDOW_ABOVE[clusters])


@dataclass(frozen=True)
class EstimatedQuality:
    """Precision, recall and F1 the model expects at each threshold of `thresholds`."""

    thresholds: np.ndarray
    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    pairs: np.ndarray  # decided pairs at or above each threshold


def estimated_quality(
    scores: np.ndarray, probability: np.ndarray, thresholds: np.ndarray
) -> EstimatedQuality:
    """Expected quality of keeping the pairs with score >= t, for each t (see the contract)."""
    order = np.argsort(-scores, kind="stable")
    s, p = scores[order], probability[order]
    kept = np.searchsorted(-s, -thresholds, side="right")  # pairs with score >= t
    cumulative = np.concatenate([[0.0], np.cumsum(p)])
    tp = cumulative[kept]
    total = float(p.sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(kept > 0, tp / np.maximum(kept, 1), 1.0)
        recall = tp / total if total > 0 else np.ones_like(tp)
        f1 = np.where(kept + total > 0, 2 * tp / np.maximum(kept + total, 1e-300), 0.0)
    return EstimatedQuality(thresholds, precision, recall, f1, kept)


@njit(cache=True, nogil=True)
def _implied_pairs(n, left, right):
    """After each edge (in the given order): record pairs inside the connected components."""
    parent = np.arange(n)
    size = np.ones(n, dtype=np.int64)
    out = np.empty(left.shape[0], dtype=np.int64)
    total = 0
    for k in range(left.shape[0]):
        a = left[k]
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        b = right[k]
        while parent[b] != b:
            parent[b] = parent[parent[b]]
            b = parent[b]
        if a != b:
            total += size[a] * size[b]
            if size[a] < size[b]:
                a, b = b, a
            parent[b] = a
            size[a] += size[b]
        out[k] = total
    return out


def estimated_cluster_quality(
    n: int, pairs, probability: np.ndarray, thresholds: np.ndarray
) -> EstimatedQuality:
    """As `estimated_quality`, for clusters: pairs kept are the pairs the components imply.

    `pairs` (CandidatePairs over one numbering of n records) in canonical order.
    """
    kept = np.searchsorted(-pairs.score, -thresholds, side="right")  # edges with score >= t
    implied = np.concatenate([[0], _implied_pairs(n, pairs.left, pairs.right)])[kept]
    tp = np.concatenate([[0.0], np.cumsum(probability)])[kept]
    total = float(probability.sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(implied > 0, np.minimum(tp / np.maximum(implied, 1), 1.0), 1.0)
        recall = tp / total if total > 0 else np.ones_like(tp)
        f1 = np.where(implied + total > 0, 2 * tp / np.maximum(implied + total, 1e-300), 0.0)
    return EstimatedQuality(thresholds, precision, recall, f1, implied)


@dataclass(frozen=True)
class ThresholdChoice:
    """The threshold a run used, how it was chosen and, where a model was fitted, the model."""

    threshold: float
    method: ChoiceMethod
    reason: str
    stated: float  # the encoding's stated threshold, else the default
    model: ScoreModel | None = None
    floor: float | None = None  # lowest score collected

    def probability(self, scores: np.ndarray) -> np.ndarray | None:
        return None if self.model is None else self.model.probability(scores)

    def to_dict(self) -> dict:
        out = {
            "threshold": round(self.threshold, 6),
            "method": self.method.value,
            "reason": self.reason,
            "stated_threshold": self.stated,
            "score_floor": None if self.floor is None else round(self.floor, 6),
        }
        if self.model is not None:
            out["model"] = self.model.to_dict()
        return out


def _grid(floor: float) -> np.ndarray:
    return np.round(np.arange(floor, 1.0 + 1e-9, GRID_STEP), 6)


def fit_model(
    fit_scores_: np.ndarray,
    floor: float,
    stated: float,
    *,
    clusters: bool = False,
    unrelated: np.ndarray | None = None,
) -> tuple[ScoreModel | None, str]:
    """The model, or None and the reason it could not be fitted (`unrelated`: random pairs'
    scores, used when the scores show one hump)."""
    upper = window_upper(stated, clusters)
    try:
        two = fit_scores(fit_scores_, floor, start=stated, upper=upper)
    except OneHump as one:
        if unrelated is None:
            return None, str(one)
        try:
            return fit_over_unrelated(fit_scores_, unrelated, floor, upper), ""
        except FitFailure as failure:
            return None, f"{one}; {failure}"
    except FitFailure as failure:
        return None, str(failure)
    if unrelated is not None and two.nonmatch_mean() > unrelated_level(unrelated):
        # Far above what strangers score, that "non-match" hump is the low side of the
        # match hump (score_model's docstring); without a one-hump model keep the two.
        try:
            return fit_over_unrelated(fit_scores_, unrelated, floor, upper), ""
        except FitFailure:
            pass
    return two, ""


def choose_threshold(
    fit_on: np.ndarray,
    decided: np.ndarray,
    stated: float,
    floor: float,
    *,
    lowest: float | None = None,
    clusters: tuple | None = None,
    unrelated: np.ndarray | None = None,
) -> ThresholdChoice:
    """Fit the model to `fit_on`, then the threshold with the best expected F1 on `decided`.

    `clusters` = (n, canonical pairs) counts the pairs that clusters imply instead (dedup,
    groups); `lowest` bounds a two-hump model's choice from below; `unrelated` (random
    pairs' scores) shapes the non-matches when the scores show one hump. Without a model:
    `stated`.
    """
    model, failure = fit_model(
        fit_on, floor, stated, clusters=clusters is not None, unrelated=unrelated
    )
    if model is None:
        return ThresholdChoice(
            stated,
            ChoiceMethod.FALLBACK,
            f"no score model ({failure}): the encoding's stated threshold {stated:g}",
            stated,
            None,
            floor,
        )
    grid = _grid(floor)
    if clusters is None:
        estimate = estimated_quality(decided, model.probability(decided), grid)
    else:
        n, pairs = clusters
        estimate = estimated_cluster_quality(n, pairs, model.probability(pairs.score), grid)
    # The highest threshold of the best: below it, down to the next pair, nothing changes.
    best = len(grid) - 1 - int(np.argmax(estimate.f1[::-1]))
    threshold = float(grid[best])
    over = "" if model.nonmatch_from == "fitted" else ", one hump over random pairs' scores"
    reason = (
        f"fitted from {model.pairs + model.pairs_above:,} scored pairs{over}: expected F1 "
        f"{estimate.f1[best]:.4f} is highest at {threshold:g} (stated {stated:g})"
    )
    if model.nonmatch_from == "fitted" and lowest is not None and threshold < lowest:
        reason += f"; raised to {lowest:g}, the lowest that keeps clusters from chaining"
        threshold = lowest
    return ThresholdChoice(threshold, ChoiceMethod.FITTED, reason, stated, model, floor)


def given_threshold(
    threshold: float, stated: float, model: ScoreModel | None, floor
) -> ThresholdChoice:
    return ThresholdChoice(
        threshold, ChoiceMethod.GIVEN, f"given: {threshold:g}", stated, model, floor
    )
