"""Encoder benchmarks: this engine and clkhash encoding the same records in one run.

    /work/venv/bin/python -m pytest bench/test_bench_encode.py -q            # engine only
    /work/venv-bench/bin/python -m pytest bench/test_bench_encode.py -q -s   # + clkhash, ratio

Records: the synthetic household-register extract (`pprl_synthetic`) or, without it, simple
built-in records; PPRL_BENCH_ENCODE_N sets how many (default 100 000, a small department
extract: both encoders are then past their start-up costs). clkhash encodes with its
defaults (a process per core) on a schema with the same fields, q-grams and 1024 bits
(`encode_peers.clkhash_schema`). The clkhash tests skip cleanly where clkhash is not installed
(bench/make_peer_venv.sh installs it).
"""

from __future__ import annotations

import os
import time

import pytest
from encode_peers import encode_with_clkhash, encode_with_engine, records_table, sample_records

from bloom import LinkageSecret

N_RECORDS = int(os.environ.get("PPRL_BENCH_ENCODE_N", "100000"))


@pytest.fixture(scope="module")
def records():
    return sample_records(N_RECORDS)


@pytest.fixture(scope="module")
def rates() -> dict[str, float]:
    return {}


def _rate(benchmark, n: int, fallback_seconds: float) -> float:
    stats = getattr(benchmark, "stats", None)
    seconds = stats.stats.min if stats is not None else fallback_seconds
    return n / seconds


def test_bench_encode_engine(benchmark, records, rates):
    table = records_table(records)
    secret = LinkageSecret.generate()
    encode_with_engine(table.slice(0, 100), secret)  # compile the kernels outside the timing
    start = time.perf_counter()
    result = benchmark.pedantic(
        encode_with_engine, args=(table, secret), rounds=3, warmup_rounds=1, iterations=1
    )
    elapsed = (time.perf_counter() - start) / 4
    assert len(result) + result.counts["rejected_rows"] == len(records)
    rates["engine"] = _rate(benchmark, len(records), elapsed)
    benchmark.extra_info.update(records=len(records), records_per_s=round(rates["engine"]))


def test_bench_encode_clkhash(benchmark, records, rates):
    pytest.importorskip("clkhash")
    start = time.perf_counter()
    clks = benchmark.pedantic(encode_with_clkhash, args=(records,), rounds=1, iterations=1)
    elapsed = time.perf_counter() - start
    assert len(clks) == len(records) and len(clks[0]) == 1024
    rates["clkhash"] = _rate(benchmark, len(records), elapsed)
    benchmark.extra_info.update(records=len(records), records_per_s=round(rates["clkhash"]))


def test_bench_encode_ratio(records, rates):
    """Engine records/s over clkhash records/s, from the two measurements of this run."""
    pytest.importorskip("clkhash")
    if "engine" not in rates or "clkhash" not in rates:
        pytest.skip("run with the two encoder benchmarks above")
    ratio = rates["engine"] / rates["clkhash"]
    print(
        f"\nencode {len(records)} records: engine {rates['engine']:,.0f} rec/s, "
        f"clkhash {rates['clkhash']:,.0f} rec/s, ratio {ratio:.1f}x"
    )
    assert ratio > 1.0
