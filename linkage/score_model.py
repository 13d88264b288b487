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
cannot stand behind: too few pairs, a component with almost no weight, or humps that are
not apart. The higher hump is always the match component.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BIN_WIDTH = 0.005  # Dice values of 1024-bit filters differ by about 1/1000; bins pool them
MIN_PAIRS = 100  # fewer scores than this cannot show two humps
MIN_COMPONENT_PAIRS = 5.0  # expected pairs in the smaller component
MIN_SEPARATION = 0.08  # the humps' means must be at least this far apart (Dice)
_ITERATIONS = 500
_TOLERANCE = 1e-9


class FitFailure(Exception):
    """Why no model was fitted (a sentence for the run summary)."""


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


def fit_scores(
    scores: np.ndarray, floor: float, start: float | None = None, upper: float = 1.0
) -> ScoreModel:
    """Fit the two humps to `scores` (every collected score, all >= floor) by EM.

    `start` is where the first guess splits the humps (e.g. the threshold the schema states);
    by default half way between the floor and 1. Raises `FitFailure` with the reason when the
    scores do not support a model.
    """
    scores = np.asarray(scores, dtype=np.float64)
    floor = float(min(floor, scores.min())) if len(scores) else float(floor)
    edges = _edges(floor)
    all_counts = np.bincount(_bin_index(scores, edges), minlength=len(edges) - 1).astype(float)
    all_stats = _statistics(edges)
    all_centres = 0.5 * (edges[1:] + edges[:-1])
    window = all_centres < upper
    counts, stats, centres = all_counts[window], all_stats[window], all_centres[window]
    if counts.sum() < MIN_PAIRS:
        raise FitFailure(
            f"{int(counts.sum())} candidate pairs below {upper:g}, fewer than the {MIN_PAIRS} "
            "a fit needs"
        )
    split = 0.5 * (floor + 1.0) if start is None else float(start)
    resp = 1.0 / (1.0 + np.exp(-(centres - split) / 0.02))  # first guess: above split = match
    theta_m = _m_step(np.zeros(2), counts * resp, stats)
    theta_u = _m_step(np.zeros(2), counts * (1.0 - resp), stats)
    share = float((counts * resp).sum() / counts.sum())
    previous = -np.inf
    n = counts.sum()
    iterations = 0
    for iterations in range(1, _ITERATIONS + 1):  # noqa: B007 (reported in the model)
        qm, qu = _shape_bins(theta_m, stats), _shape_bins(theta_u, stats)
        m, u = share * qm, (1.0 - share) * qu
        total = m + u
        loglik = float(counts @ np.log(np.maximum(total, 1e-300)))
        resp = np.where(total > 0, m / np.maximum(total, 1e-300), 0.0)
        share = float(np.clip((counts * resp).sum() / n, 1e-9, 1.0 - 1e-9))
        theta_m = _m_step(theta_m, counts * resp, stats)
        theta_u = _m_step(theta_u, counts * (1.0 - resp), stats)
        if loglik - previous < _TOLERANCE * n:
            break
        previous = loglik
    if float(_shape_bins(theta_m, stats) @ centres) < float(_shape_bins(theta_u, stats) @ centres):
        theta_m, theta_u, share = theta_u, theta_m, 1.0 - share  # the higher hump: matches
    qm, qu = _extended(theta_m, stats, all_stats), _extended(theta_u, stats, all_stats)
    m, u = share * qm, (1.0 - share) * qu
    with np.errstate(invalid="ignore"):
        posterior = np.where(m + u > 0, m / (m + u), 0.0)
    posterior[~window] = np.maximum(posterior[~window], 1.0 if share > 0 else 0.0)
    model = ScoreModel(
        floor=floor,
        upper=float(upper),
        edges=edges,
        posterior=np.minimum.accumulate(posterior[::-1])[::-1],
        match_density=qm,
        nonmatch_density=qu,
        match_share=share,
        match_shape=(float(theta_m[0] + 1), float(theta_m[1] + 1)),
        nonmatch_shape=(float(theta_u[0] + 1), float(theta_u[1] + 1)),
        pairs=int(n),
        pairs_above=int(all_counts[~window].sum()),
        iterations=iterations,
    )
    smaller = min(share, 1.0 - share) * n
    if smaller < MIN_COMPONENT_PAIRS:
        raise FitFailure(
            f"one hump only: the smaller component holds {smaller:.1f} of {int(n)} pairs"
        )
    gap = model.match_mean() - model.nonmatch_mean()
    if gap < MIN_SEPARATION:
        raise FitFailure(f"the two humps are not apart (means {gap:.3f} Dice apart)")
    return model


def _extended(theta: np.ndarray, window_stats: np.ndarray, all_stats: np.ndarray) -> np.ndarray:
    """The component's bin probabilities on every bin, normalised over the window's."""
    window_logits = window_stats @ theta
    top = window_logits.max()
    norm = np.log(np.exp(window_logits - top).sum()) + top
    return np.exp(np.minimum(all_stats @ theta - norm, 700.0))
