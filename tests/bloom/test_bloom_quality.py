"""Linkage quality of the cn-identity encoding on the synthetic generator's corrupted extracts.

Every pair of records is compared (no blocking, no solver), so this measures the encoding
alone: true pairs must score above the matcher's default threshold and others below it.
"""

from __future__ import annotations

import numpy as np
import pyarrow.csv as pacsv
import pytest

from bloom import LinkageSecret, encode_file

THRESHOLD = 0.7  # the matcher's default


def _dice_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    x = np.unpackbits(a.view(np.uint8), axis=1).astype(np.float32)
    y = np.unpackbits(b.view(np.uint8), axis=1).astype(np.float32)
    return 2 * (x @ y.T) / (x.sum(axis=1)[:, None] + y.sum(axis=1)[None, :])


def _persons(directory, name, record_ids):
    truth = pacsv.read_csv(
        directory / "truth" / f"{name}.csv",
        convert_options=pacsv.ConvertOptions(
            column_types={"record_id": "string", "person_id": "string"}
        ),
    )
    lookup = dict(zip(truth["record_id"].to_pylist(), truth["person_id"].to_pylist(), strict=True))
    return np.array([lookup[r] for r in record_ids])


def test_true_pairs_score_above_the_threshold_and_others_below(tmp_path):
    synthetic = pytest.importorskip("pprl_synthetic")
    import pyarrow.parquet as pq

    from pprl.encoded import read_encoded

    scenario = synthetic.generate_scenario("low-income-vs-deaths", 12000, 17, tmp_path)
    secret = LinkageSecret.from_bytes(bytes(range(7, 39)))
    data = {}
    for name in ("mz_low_income", "gaj_deaths"):
        extract = next(e for e in scenario["extracts"] if e["name"] == name)
        summary = encode_file(
            tmp_path / extract["file"], tmp_path / f"{name}.enc.parquet", "cn-identity", secret,
            columns=tmp_path / extract["columns_file"],
        )  # fmt: skip
        ids = pq.read_table(summary.map_path).column("record_id").to_pylist()
        data[name] = (read_encoded(summary.out_path).filters, _persons(tmp_path, name, ids))
    (fa, pa_), (fb, pb) = data["mz_low_income"], data["gaj_deaths"]
    same = pa_[:, None] == pb[None, :]
    predicted = _dice_matrix(fa, fb) >= THRESHOLD
    true_pairs = int(same.sum())
    assert true_pairs >= 30
    recall = (predicted & same).sum() / true_pairs
    precision = (predicted & same).sum() / predicted.sum()
    print(f"recall {recall:.4f} precision {precision:.4f} ({true_pairs} true pairs)")
    assert recall >= 0.95, recall
    assert precision >= 0.95, precision
