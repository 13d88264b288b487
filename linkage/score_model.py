"""A two-component model of candidate scores, fitted without the truth (EM).

    model = fit_scores(scores, floor=0.3, start=0.6, upper=0.75)  # or FitFailure, with why
    model.probability(scores)  # P(same person | score), per pair

The scores of the pairs a run compares form two humps: non-matches (namesakes and relatives
that share a blocking key; about 0.5 for a diffused encoding, near 0-0.3 without diffusion)
and matches (0.7-1.0). The fit sees the scores of [floor, upper) only: above `upper` the
non-match hump has died out, and the top of the match hump is lumpy (exact copies at 1.0, one
wrong field near 0.87) in ways no two-parameter family follows. Each hump is a *discretised
Beta*: the weight of bin b is proportional to x_b^(a-1) (1 - x_b)^(c-1) at its centre x_b,
normalised over the bins of the window. Scores below the floor were never collected, so the
components are truncated at the floor by construction, and each is an exponential family
in (a, c) with statistics (log x, log(1 - x)): its M-step is a concave maximisation that a
few Newton steps solve exactly. The E-step is the usual posterior per bin.

Contract: `fit_scores` raises `FitFailure` (with the reason) rather than return a model it
cannot stand behind: too few pairs, a component with almost no weight, humps that are not
apart, or two components that together make one hump (`OneHump`: their mixture does not dip
between them, so they are two halves of one hump, not two). The higher hump is always the
match component.

One hump: when blocking keys are selective, nearly every pair they compare is a match, and
the scores show the match hump alone with a handful of unrelated pairs below it.
`fit_over_unrelated` then takes the non-match component's shape from the scores of random
pairs of records (almost all of different people: `linkage.unrelated`) and fits only its
weight and the match component, so the handful gets its true, small weight. It refuses a
match hump that sits at the level of the random pairs (then every pair may be unrelated).
A fitted non-match hump far above the random pairs' level (`unrelated_level`) is no hump of
non-matches either: its pairs resemble each other far more than strangers do, so they are
copies with errors, the low side of the match hump (a few hundred scores can show a dip by
chance); the caller then takes the one-hump model too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BIN_WIDTH = 0.005  # Dice values of 1024-bit filters differ by about 1/1000; bins pool them
MIN_PAIRS = 100  # fewer scores than this cannot show two humps
MIN_COMPONENT_PAIRS = 5.0  # expected pairs in the smaller component
MIN_SEPARATION = 0.08  # the humps' means must be at least this far apart (Dice)
MIN_DIP = 0.2  # two humps: between them the mixture falls this far below the lower peak
MIN_UNRELATED_PAIRS = 50  # random pairs inside the window needed to shape the non-matches
UNRELATED_APART_SD = 4.0  # a lone match hump's mean lies this many random-pair sd above theirs
_ITERATIONS = 500
_TOLERANCE = 1e-9


class FitFailure(Exception):
    """Why no model was fitted (a sentence for the run summary)."""


class OneHump(FitFailure):
    """The scores show one hump: two components would only split it."""


@dataclass(frozen=True)
class ScoreModel:
    """A fitted mixture on the bins of [floor, 1]; the fit saw the bins below `upper`.

    Above `upper` every collected pair counts as a match hump's pair: the non-match hump has
    died out well before (the window is chosen so), and the lumpy top of the match hump (exact
    copies at 1.0, one wrong field near 0.87) need not be modelled to tell the humps apart.
    """

    floor: float
    upper: float
    edges: np.ndarray  # bin edges, floor .. 1
    posterior: np.ndarray  # P(match | bin), made non-decreasing in the score from above
    match_density: np.ndarray  # P(bin | match, bin in window); extrapolated above it
    nonmatch_density: np.ndarray
    match_share: float  # of the pairs in the window
    match_shape: tuple[float, float]  # discretised Beta (a, c) of the match component
    nonmatch_shape: tuple[float, float]
    pairs: int  # in the window
    pairs_above: int  # above it
    iterations: int
    nonmatch_from: str = "fitted"  # or "random pairs": the shape of unrelated pairs' scores

    def probability(self, scores: np.ndarray) -> np.ndarray:
        """P(match | score) for each score (scores below the floor: the floor's bin)."""
        return self.posterior[_bin_index(np.asarray(scores, dtype=np.float64), self.edges)]

    def _mean(self, density: np.ndarray) -> float:
        centres = 0.5 * (self.edges[1:] + self.edges[:-1])
        inside = centres < self.upper
        return float(np.dot(density[inside], centres[inside]))

    def match_mean(self) -> float:
        """Mean score of the match hump inside the window."""
        return self._mean(self.match_density)

    def nonmatch_mean(self) -> float:
        return self._mean(self.nonmatch_density)

    def to_dict(self) -> dict:
        return {
            "family": "two discretised Beta components over [floor, upper), fitted by EM",
            "nonmatch_shape_from": self.nonmatch_from,
            "floor": round(self.floor, 6),
            "upper": round(self.upper, 6),
            "pairs_in_window": self.pairs,
            "pairs_above_window": self.pairs_above,
            "iterations": self.iterations,
            "match_share_in_window": round(self.match_share, 6),
            "match_mean_in_window": round(self.match_mean(), 6),
            "nonmatch_mean": round(self.nonmatch_mean(), 6),
            "match_shape": [round(x, 4) for x in self.match_shape],
            "nonmatch_shape": [round(x, 4) for x in self.nonmatch_shape],
        }


def _edges(floor: float) -> np.ndarray:
    n = max(1, int(np.ceil((1.0 - floor) / BIN_WIDTH - 1e-9)))
    return np.linspace(floor, 1.0, n + 1)


def _bin_index(scores: np.ndarray, edges: np.ndarray) -> np.ndarray:
    # The last bin is closed on the right: a score of exactly 1.0 belongs to it.
    return np.clip(np.searchsorted(edges, scores, side="right") - 1, 0, len(edges) - 2)


def _statistics(edges: np.ndarray) -> np.ndarray:
    """T[b] = (log x_b, log(1 - x_b)) at the bins' centres (kept inside (0, 1))."""
    x = np.clip(0.5 * (edges[1:] + edges[:-1]), 1e-6, 1.0 - 1e-6)
    return np.stack([np.log(x), np.log1p(-x)], axis=1)


def _shape_bins(theta: np.ndarray, stats: np.ndarray) -> np.ndarray:
    """Bin probabilities of the discretised Beta with natural parameters theta = (a-1, c-1)."""
    logits = stats @ theta
    logits -= logits.max()
    weights = np.exp(logits)
    return weights / weights.sum()


def _m_step(theta: np.ndarray, weights: np.ndarray, stats: np.ndarray) -> np.ndarray:
    """Maximise sum_b w_b log q_b(theta): concave (exponential family), solved by Newton."""
    total = weights.sum()
    if total <= 0:
        return theta
    target = weights @ stats / total  # the weighted mean statistic the model must reproduce
    for _ in range(50):
        q = _shape_bins(theta, stats)
        mean = q @ stats
        centred = stats - mean
        cov = (centred * q[:, None]).T @ centred + 1e-9 * np.eye(2)
        gradient = target - mean
        step = np.linalg.solve(cov, gradient)
        norm = float(np.abs(step).max())
        if norm > 50.0:  # damped: far from the optimum, never jump across the whole space
            step *= 50.0 / norm
        theta = theta + step
        if norm < 1e-10:
            break
    return theta


@dataclass(frozen=True)
class _Window:
    """The binned scores: every bin of [floor, 1], and the window [floor, upper) fitted."""

    edges: np.ndarray
    all_counts: np.ndarray
    all_stats: np.ndarray
    inside: np.ndarray  # bool per bin

    @classmethod
    def of(cls, scores: np.ndarray, floor: float, upper: float) -> _Window:
        edges = _edges(floor)
        counts = np.bincount(_bin_index(scores, edges), minlength=len(edges) - 1).astype(float)
        centres = 0.5 * (edges[1:] + edges[:-1])
        return cls(edges, counts, _statistics(edges), centres < upper)

    @property
    def counts(self) -> np.ndarray:
        return self.all_counts[self.inside]

    @property
    def stats(self) -> np.ndarray:
        return self.all_stats[self.inside]

    @property
    def centres(self) -> np.ndarray:
        return (0.5 * (self.edges[1:] + self.edges[:-1]))[self.inside]

    def check_pairs(self, upper: float) -> None:
        if self.counts.sum() < MIN_PAIRS:
            raise FitFailure(
                f"{int(self.counts.sum())} candidate pairs below {upper:g}, fewer than the "
                f"{MIN_PAIRS} a fit needs"
            )


def _em(
    w: _Window,
    theta_m: np.ndarray,
    theta_u: np.ndarray,
    share: float,
    fixed_u: bool = False,
) -> tuple[np.ndarray, np.ndarray, float, int]:
    """EM from a first guess; with `fixed_u` the non-match shape stays as given."""
    counts, stats = w.counts, w.stats
    n = counts.sum()
    previous = -np.inf
    iterations = 0
    for iterations in range(1, _ITERATIONS + 1):  # noqa: B007 (reported in the model)
        qm, qu = _shape_bins(theta_m, stats), _shape_bins(theta_u, stats)
        m, u = share * qm, (1.0 - share) * qu
        total = m + u
        loglik = float(counts @ np.log(np.maximum(total, 1e-300)))
        resp = np.where(total > 0, m / np.maximum(total, 1e-300), 0.0)
        share = float(np.clip((counts * resp).sum() / n, 1e-9, 1.0 - 1e-9))
        theta_m = _m_step(theta_m, counts * resp, stats)
        if not fixed_u:
            theta_u = _m_step(theta_u, counts * (1.0 - resp), stats)
        if loglik - previous < _TOLERANCE * n:
            break
        previous = loglik
    return theta_m, theta_u, share, iterations


def _model(
    w: _Window,
    floor: float,
    upper: float,
    fitted: tuple[np.ndarray, np.ndarray, float, int],
    nonmatch_from: str,
) -> ScoreModel:
    theta_m, theta_u, share, iterations = fitted
    qm, qu = _extended(theta_m, w.stats, w.all_stats), _extended(theta_u, w.stats, w.all_stats)
    m, u = share * qm, (1.0 - share) * qu
    with np.errstate(invalid="ignore"):
        posterior = np.where(m + u > 0, m / (m + u), 0.0)
    posterior[~w.inside] = np.maximum(posterior[~w.inside], 1.0 if share > 0 else 0.0)
    return ScoreModel(
        floor=floor,
        upper=float(upper),
        edges=w.edges,
        posterior=np.minimum.accumulate(posterior[::-1])[::-1],
        match_density=qm,
        nonmatch_density=qu,
        match_share=share,
        match_shape=(float(theta_m[0] + 1), float(theta_m[1] + 1)),
        nonmatch_shape=(float(theta_u[0] + 1), float(theta_u[1] + 1)),
        pairs=int(w.counts.sum()),
        pairs_above=int(w.all_counts[~w.inside].sum()),
        iterations=iterations,
        nonmatch_from=nonmatch_from,
    )


def _dips(w: _Window, model: ScoreModel) -> bool:
    """Whether the mixture's density falls between the two components' peaks (two humps).

    A non-match hump cut by the floor (its peak in the first bin, as when lsh or exhaustive
    blocking stops just under the stated threshold) shows only its falling tail: there the
    dip cannot be judged, and the humps count as two."""
    qm, qu = model.match_density[w.inside], model.nonmatch_density[w.inside]
    total = model.match_share * qm + (1.0 - model.match_share) * qu
    if int(np.argmax(qu)) == 0:
        return True
    lo, hi = sorted((int(np.argmax(qu)), int(np.argmax(qm))))
    between = total[lo : hi + 1]
    if between.size < 3:
        return False
    k = int(np.argmin(between))
    return between[k] < (1.0 - MIN_DIP) * min(between[: k + 1].max(), between[k:].max())


def fit_scores(
    scores: np.ndarray, floor: float, start: float | None = None, upper: float = 1.0
) -> ScoreModel:
    """Fit the two humps to `scores` (every collected score, all >= floor) by EM.

    `start` is where the first guess splits the humps (e.g. the threshold the schema states);
    by default half way between the floor and 1. Raises `FitFailure` with the reason when the
    scores do not support a model (`OneHump` when they show one hump).
    """
    scores = np.asarray(scores, dtype=np.float64)
    floor = float(min(floor, scores.min())) if len(scores) else float(floor)
    w = _Window.of(scores, floor, upper)
    w.check_pairs(upper)
    counts, stats, centres = w.counts, w.stats, w.centres
    split = 0.5 * (floor + 1.0) if start is None else float(start)
    resp = 1.0 / (1.0 + np.exp(-(centres - split) / 0.02))  # first guess: above split = match
    theta_m = _m_step(np.zeros(2), counts * resp, stats)
    theta_u = _m_step(np.zeros(2), counts * (1.0 - resp), stats)
    share = float((counts * resp).sum() / counts.sum())
    theta_m, theta_u, share, iterations = _em(w, theta_m, theta_u, share)
    if float(_shape_bins(theta_m, stats) @ centres) < float(_shape_bins(theta_u, stats) @ centres):
        theta_m, theta_u, share = theta_u, theta_m, 1.0 - share  # the higher hump: matches
    model = _model(w, floor, upper, (theta_m, theta_u, share, iterations), "fitted")
    n = counts.sum()
    smaller = min(share, 1.0 - share) * n
    if smaller < MIN_COMPONENT_PAIRS:
        raise FitFailure(
            f"one hump only: the smaller component holds {smaller:.1f} of {int(n)} pairs"
        )
    gap = model.match_mean() - model.nonmatch_mean()
    if gap < MIN_SEPARATION:
        raise FitFailure(f"the two humps are not apart (means {gap:.3f} Dice apart)")
    if not _dips(w, model):
        raise OneHump("one hump only: the two components do not dip between them")
    return model


def unrelated_level(unrelated: np.ndarray) -> float:
    """Scores above this are far from what strangers score: random pairs' mean + 4 sd."""
    return float(np.mean(unrelated)) + UNRELATED_APART_SD * float(np.std(unrelated))


def fit_over_unrelated(
    scores: np.ndarray, unrelated: np.ndarray, floor: float, upper: float = 1.0
) -> ScoreModel:
    """The model of one match hump over unrelated pairs whose shape `unrelated` (the scores
    of random pairs) gives: only the match component and the two weights are fitted."""
    scores = np.asarray(scores, dtype=np.float64)
    unrelated = np.asarray(unrelated, dtype=np.float64)
    floor = float(min(floor, scores.min())) if len(scores) else float(floor)
    w = _Window.of(scores, floor, upper)
    w.check_pairs(upper)
    reference = _Window.of(unrelated[unrelated >= floor], floor, upper)
    if reference.counts.sum() < MIN_UNRELATED_PAIRS:
        raise FitFailure(
            f"random pairs of records score below the window ({int(reference.counts.sum())} "
            f"of {len(unrelated)} inside it), so they cannot shape the non-matches"
        )
    theta_u = _m_step(np.zeros(2), reference.counts, w.stats)
    level = unrelated_level(unrelated)
    resp = (w.centres >= level).astype(float)
    theta_m = _m_step(np.zeros(2), w.counts * np.maximum(resp, 1e-6), w.stats)
    share = float(np.clip((w.counts * resp).sum() / w.counts.sum(), 0.5, 1.0 - 1e-6))
    fitted = _em(w, theta_m, theta_u, share, fixed_u=True)
    model = _model(w, floor, upper, fitted, "random pairs")
    if model.match_share * model.pairs < MIN_COMPONENT_PAIRS or model.match_mean() < level:
        raise FitFailure(
            f"one hump only, at the level of random pairs of records (their mean + "
            f"{UNRELATED_APART_SD:g} sd: {level:.3f}): its pairs may all be unrelated"
        )
    return model


def _extended(theta: np.ndarray, window_stats: np.ndarray, all_stats: np.ndarray) -> np.ndarray:
    """The component's bin probabilities on every bin, normalised over the window's."""
    window_logits = window_stats @ theta
    top = window_logits.max()
    norm = np.log(np.exp(window_logits - top).sum()) + top
    return np.exp(np.minimum(all_stats @ theta - norm, 700.0))
