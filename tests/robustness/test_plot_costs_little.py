"""Item 15: `--plot` no longer lowers the kernel's floor: same run, same results, a histogram
binned beside the kernel (exact above the floor, sampled below it)."""

from __future__ import annotations

import json

import numpy as np
from robustness_cli import pprl
from transport_world import encoded_pair

import linkage
from linkage.kernel_histogram import ScoreHistogram


def test_plot_leaves_the_run_alone(tmp_path):
    a, b, _ = encoded_pair(tmp_path, "MCA", "MPS", 300, 200, 93, seed=15)
    runs = {}
    for name, extra in (("plain", []), ("plot", ["--plot", tmp_path / "hist.png"])):
        out, summary = tmp_path / f"{name}.csv", tmp_path / f"{name}.json"
        result = pprl(
            "match", a, b, "--blocking", "exhaustive", "--threshold", "0.8", "--out", out,
            "--summary", summary, "--quiet", *extra,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        figures = json.loads(summary.read_text())
        figures.pop("timings_s"), figures.pop("out")
        runs[name] = (out.read_bytes(), figures)
    # Before: the kernel collected every pair >= 0.5 (about half of all 60,000) for the plot,
    # and the summary's score floor said 0.5. Now the run is the run without --plot.
    assert runs["plot"] == runs["plain"]
    assert runs["plot"][1]["threshold_choice"]["score_floor"] == 0.8
    assert (tmp_path / "hist.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # The histogram itself: 300 rows are not sampled, so it is exact down to the plot floor.
    left, right = linkage.load(a), linkage.load(b)
    result = linkage.match(left, right, 0.8, "exhaustive", score_floor=0.5)
    assert result.histogram.every == 1 and result.histogram.exact_from == 0.8
    assert len(result.floor_scores) == len(result.candidates)  # only pairs >= 0.8 held
    every_pair = linkage.match(left, right, 0.5, "exhaustive", solver="none").candidates.score
    exact = ScoreHistogram.of_scores(every_pair, 0.5)
    assert np.array_equal(result.histogram.counts, exact.counts)
    assert result.histogram.total == len(every_pair) > 20_000
