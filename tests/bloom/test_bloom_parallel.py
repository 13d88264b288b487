"""Encoding a file in worker processes: the bytes of one process; the secret stays in memory."""

from __future__ import annotations

import csv
import datetime as dt
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import bloom.files
from bloom.file_plan import PARALLEL_MIN_ROWS, count_rows, plan_encoding
from bloom.files import encode_file, output_paths
from bloom.secret import LinkageSecret
from pprl_synthetic import generate_scenario

NOW = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def extract(tmp_path_factory) -> Path:
    """The synthetic register (with its corrupted values) plus rows the encoder rejects."""
    out = tmp_path_factory.mktemp("synth")
    generate_scenario("low-income-vs-household-registration", 4000, 11, out)
    path = out / "gaj_household_register.csv"
    width = len(path.read_text(encoding="utf-8").splitlines()[0].split(","))
    with open(path, "a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        for i in range(5):
            writer.writerow([f"X{i}"] + [""] * (width - 1))  # nothing usable: rejected
    return path


def _counter_tokens():
    state = {"next": 0}

    def tokens(n: int) -> list[str]:
        start = state["next"]
        state["next"] += n
        return [f"{i:032x}" for i in range(start, start + n)]

    return tokens


def _encode(extract: Path, out: Path, secret: LinkageSecret, monkeypatch, **options) -> None:
    monkeypatch.setattr(bloom.files, "record_tokens", _counter_tokens())
    encode_file(
        extract, out, "cn-identity", secret, columns=extract.with_suffix(".columns.json"),
        now=NOW, **options,
    )  # fmt: skip


def test_workers_write_the_same_bytes_as_one_process(extract, tmp_path, monkeypatch) -> None:
    secret = LinkageSecret.generate()
    one, many = tmp_path / "one.parquet", tmp_path / "many.parquet"
    _encode(extract, one, secret, monkeypatch, workers=1)
    _encode(extract, many, secret, monkeypatch, workers=2, chunk_size=333)
    for a, b in zip(output_paths(one), output_paths(many), strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    assert pq.read_table(one).num_rows > 1000
    assert len(output_paths(one)[2].read_text(encoding="utf-8").splitlines()) > 5


def test_chunk_size_does_not_change_the_output(extract, tmp_path, monkeypatch) -> None:
    secret = LinkageSecret.generate()
    whole, parts = tmp_path / "whole.parquet", tmp_path / "parts.parquet"
    _encode(extract, whole, secret, monkeypatch, workers=1)
    _encode(extract, parts, secret, monkeypatch, workers=1, chunk_size=500)
    for a, b in zip(output_paths(whole), output_paths(parts), strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_the_secret_reaches_workers_in_memory_only(extract, tmp_path, monkeypatch) -> None:
    secret = LinkageSecret.generate()
    raw = secret.expose()
    _encode(extract, tmp_path / "out.parquet", secret, monkeypatch, workers=2, chunk_size=700)
    for value in os.environ.values():
        assert raw.hex() not in value
    for path in tmp_path.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert raw not in content and raw.hex().encode() not in content, path.name


def test_progress_has_a_total_for_csv_before_reading(extract, tmp_path) -> None:
    calls: list[tuple[int, int | None]] = []
    encode_file(
        extract, tmp_path / "p.parquet", "cn-identity", LinkageSecret.generate(),
        columns=extract.with_suffix(".columns.json"), chunk_size=600,
        progress=lambda done, total: calls.append((done, total)),
    )  # fmt: skip
    rows = count_rows(extract)
    assert len(calls) > 1 and {total for _, total in calls} == {rows}
    assert sum(done for done, _ in calls) == rows


def test_row_counts_and_plans(tmp_path) -> None:
    csv_path = tmp_path / "t.csv"
    csv_path.write_bytes(b"a,b\n1,2\n3,4")  # no newline after the last row
    assert count_rows(csv_path) == 2
    csv_path.write_bytes(b"a,b\n1,2\n3,4\n")
    assert count_rows(csv_path) == 2
    parquet_path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"a": list(range(7))}), parquet_path)
    assert count_rows(parquet_path) == 7
    assert count_rows(tmp_path / "missing.csv") is None
    assert plan_encoding(csv_path).workers == 1  # small: this process
    big = tmp_path / "big.csv"
    big.write_text("a\n" + "x\n" * PARALLEL_MIN_ROWS, encoding="utf-8")
    plan = plan_encoding(big, workers=2)
    assert plan.workers == 2 and plan.rows == PARALLEL_MIN_ROWS and plan.chunk_rows >= 1
    assert plan_encoding(big, workers=1).workers == 1
    with pytest.raises(ValueError):
        plan_encoding(big, workers=0)


def test_the_command_line_forks_workers_and_encodes_the_same(extract, tmp_path) -> None:
    """A fresh `pprl encode` process (workers forked) gives the filters of one process."""
    import subprocess
    import sys

    passphrase = "a passphrase for this test"
    secret = LinkageSecret.generate()
    secret.save(tmp_path / "s.key", passphrase.encode())
    columns = extract.with_suffix(".columns.json")
    one = tmp_path / "one.parquet"
    encode_file(extract, one, "cn-identity", secret, columns=columns, workers=1)
    forked = tmp_path / "forked.parquet"
    command = [sys.executable, "-m", "pprl_app", "encode", "--secret", str(tmp_path / "s.key"),
               "--input", str(extract), "--columns", str(columns), "--out", str(forked),
               "--workers", "2", "--quiet"]  # fmt: skip
    env = {**os.environ, "PPRL_PASSPHRASE": passphrase}
    subprocess.run(command, env=env, check=True, capture_output=True)
    a, b = pq.read_table(one), pq.read_table(forked)
    assert a.drop(["record_token"]).equals(b.drop(["record_token"]))
