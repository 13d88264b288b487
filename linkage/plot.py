"""Score histogram for choosing a threshold: matches and non-matches show as two humps.

Needs matplotlib, the `plots` extra (`pip install 'pprl-engine[plots]'`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pprl.extras import require_extra


def score_histogram(
    scores: np.ndarray, threshold: float, out: str | Path, *, floor: float = 0.0, title: str = ""
) -> None:
    matplotlib = require_extra("matplotlib", "plots")
    matplotlib.use("Agg")
    plt = require_extra("matplotlib.pyplot", "plots")

    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    try:
        bins = np.linspace(floor, 1.0, 101)
        ax.hist(scores, bins=bins, color="#3b6ea8", log=True)
        ax.axvline(threshold, color="#c0392b", linestyle="--", label=f"threshold {threshold:g}")
        ax.set_xlabel("Dice similarity")
        ax.set_ylabel("candidate pairs (log scale)")
        ax.set_title(title or f"{len(scores):,} candidate pairs with score ≥ {floor:g}")
        ax.legend()
        fig.tight_layout()
        fig.savefig(str(out))
    finally:
        plt.close(fig)
