"""Score histogram for choosing a threshold: matches and non-matches show as two humps.

Needs matplotlib, the `plots` extra (`pip install 'pprl-engine[plots]'`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from linkage.kernel_histogram import ScoreHistogram
from pprl.extras import require_extra


def score_histogram(
    scores: np.ndarray | ScoreHistogram,
    threshold: float,
    out: str | Path,
    *,
    floor: float = 0.0,
    title: str = "",
) -> None:
    """Draw the histogram (`linkage.kernel_histogram.ScoreHistogram`, or scores binned here
    from `floor`) with the threshold marked."""
    matplotlib = require_extra("matplotlib", "plots")
    matplotlib.use("Agg")
    plt = require_extra("matplotlib.pyplot", "plots")

    histogram = scores if isinstance(scores, ScoreHistogram) else None
    if histogram is None:
        histogram = ScoreHistogram.of_scores(np.asarray(scores, dtype=np.float64), floor, 100)
    edges = histogram.edges
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    try:
        ax.hist(edges[:-1], bins=edges, weights=histogram.counts, color="#3b6ea8", log=True)
        ax.axvline(threshold, color="#c0392b", linestyle="--", label=f"threshold {threshold:g}")
        if histogram.every > 1:  # below this line the counts are estimated from a sample
            ax.axvline(
                histogram.exact_from,
                color="#7f8c8d",
                linestyle=":",
                label=f"below {histogram.exact_from:g}: estimated from 1 in "
                f"{histogram.every} records",
            )
        ax.set_xlabel("Dice similarity")
        ax.set_ylabel("candidate pairs (log scale)")
        ax.set_title(
            title or f"{round(histogram.total):,} candidate pairs with score ≥ {histogram.lo:g}"
        )
        ax.legend()
        fig.tight_layout()
        fig.savefig(str(out))
    finally:
        plt.close(fig)
