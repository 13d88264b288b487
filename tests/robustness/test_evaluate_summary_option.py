"""Item 14: `--summary` has one meaning, a file the command writes."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from robustness_cli import pprl
from transport_world import encoded_pair


def _truth(path: Path, rows: list[tuple[str, str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["record_id", "person_id"])
        writer.writerows(rows)
    return path


def test_summary_is_always_an_output(tmp_path):
    a, b, true_pairs = encoded_pair(tmp_path, "MCA", "MPS", 300, 200, 93, seed=14)
    person_of_b = {row_b: f"P-{row_a}" for row_a, row_b in true_pairs}
    truth_a = _truth(tmp_path / "truth-a.csv", [(f"MCA-{i:06d}", f"P-{i}") for i in range(300)])
    truth_b = _truth(
        tmp_path / "truth-b.csv",
        [(f"MPS-{i:06d}", person_of_b.get(i, f"Q-{i}")) for i in range(200)],
    )
    pairs, summary = tmp_path / "pairs.csv", tmp_path / "run.json"
    matched = pprl("match", a, b, "--out", pairs, "--threshold", "0.8", "--summary", summary)
    assert matched.returncode == 0, matched.stderr
    written = summary.read_bytes()
    maps = ["--map-a", tmp_path / "MCA.map.parquet", "--map-b", tmp_path / "MPS.map.parquet"]
    truths = ["--truth-a", truth_a, "--truth-b", truth_b]

    # The match's summary is read with --match-summary.
    figures = tmp_path / "quality.json"
    evaluated = pprl(
        "evaluate", pairs, *maps, *truths, "--match-summary", summary, "--json", figures
    )
    assert evaluated.returncode == 0, evaluated.stderr
    quality = json.loads(figures.read_text())
    run = json.loads(written)
    assert quality["precision"] == 1.0 and quality["recall"] == 1.0
    assert quality["reduction_ratio"] == 1 - run["comparisons"] / (300 * 200)
    assert "reduction ratio" in evaluated.stdout

    # `evaluate --summary` (what it was before) is refused, naming the option to use, and the
    # match's summary is left as it was.
    refused = pprl("evaluate", pairs, *maps, *truths, "--summary", summary)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "--match-summary" in refused.stderr and "writes" in refused.stderr
    assert refused.stdout == "" and summary.read_bytes() == written
    help_text = pprl("evaluate", "--help").stdout
    assert "--match-summary" in help_text and "--summary " not in help_text
