"""The HTML run report: self-contained, and what a real browser renders of it."""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest

import linkage
from linkage.report import match_report, render_html, results_report
from linkage.testing import linked_pair

BROWSERS = ("chromium", "chromium-browser", "google-chrome")


@pytest.fixture(scope="module")
def report_html():
    a, b, *_ = linked_pair(1500, 1200, 700, seed=21)
    # Compared down to 0.3, where the non-matches' hump shows: just under the stated
    # threshold the simulation has the match hump alone, and no model is fitted to one hump.
    result = linkage.match(a, b, threshold=0.3, blocking="exhaustive")
    assert result.choice.model is not None  # the report's curves need a fitted model
    info = {"a": "A.parquet", "b": "B.parquet", **result.summary(), "timings_s": result.timings}
    return result, render_html(match_report(result, info))


def test_the_report_is_one_file_with_nothing_fetched(report_html):
    result, page = report_html
    assert "<script" not in page and "http://" not in page and "https://" not in page
    assert not re.search(r"""\b(src|href)\s*=""", page)  # no external resources of any kind
    assert f"threshold {result.threshold:g}" in page and result.choice.reason in page
    for part in ('id="histogram"', 'id="curves"', 'class="threshold"', "Blocking", "Timings"):
        assert part in page
    assert page.count('class="bar-linked"') > 5


def test_a_report_from_run_results_says_what_it_cannot_know():
    scores = np.array([1.0, 0.95, 0.9, 0.62, 0.61])
    probability = np.array([1.0, 1.0, 1.0, 0.8, 0.5])
    rows = [[3, "t3", 0.62, 0.8], [4, "t4", 0.61, 0.5]]
    page = render_html(
        results_report(
            scores,
            probability,
            0.6,
            "fitted: expected F1 0.99 is highest at 0.6",
            title="Run run-0000000000000000",
            review_columns=["match_id", "own_token", "score", "probability"],
            review_rows=rows,
        )
    )
    assert "threshold 0.6" in page and "t4" in page and "known only at the matcher" in page
    assert "curve-precision" in page and "curve-recall" not in page


def _browser() -> str | None:
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


def test_the_report_renders_in_a_headless_browser(report_html, tmp_path):
    browser = _browser()
    if browser is None:
        pytest.skip("no Chromium on PATH (Debian: apt-get install -y chromium; .ci/run does it)")
    result, page = report_html
    path = tmp_path / "run.html"
    path.write_text(page, encoding="utf-8")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    dom = subprocess.run(
        [browser, *flags, "--dump-dom", path.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert "Scores by the solver's decision" in dom and "Review band" in dom
    assert f"threshold {result.threshold:g}" in dom
    assert dom.count("<rect") > 10 and "<polyline" in dom  # the charts were parsed as SVG
    shot = tmp_path / "run.png"
    subprocess.run(
        [browser, *flags, f"--screenshot={shot}", "--window-size=900,1400", path.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    from matplotlib.image import imread

    pixels = (imread(shot)[:, :, :3] * 255).round().astype(int)
    assert pixels.shape[:2] == (1400, 900)
    linked_blue = np.all(np.abs(pixels - [0x2F, 0x6D, 0xB5]) <= 3, axis=2)
    threshold_red = np.all(np.abs(pixels - [0xC0, 0x39, 0x2B]) <= 3, axis=2)
    assert linked_blue.sum() > 500 and threshold_red.sum() > 50  # bars and the threshold drawn
