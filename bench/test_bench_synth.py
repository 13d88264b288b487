"""Synthetic data generation: throughput and peak memory at two population sizes.

    /work/venv/bin/python -m pytest bench/test_bench_synth.py --benchmark-only -q

Throughput is reported as people generated and extract rows written per second (target:
at least one million records a minute). Peak memory (the resident set of a fresh
process) must stay flat when the population grows, because the generator streams in
fixed chunks of `CHUNK_PERSONS` people.
"""

from __future__ import annotations

import itertools
import subprocess
import sys

import pytest

from pprl_synthetic import generate_scenario
from pprl_synthetic.generate import CHUNK_PERSONS

SIZES = (200_000, 800_000)
MEMORY_SIZES = (200_000, 1_600_000)
_counter = itertools.count()


def _run(tmp_path, scenario: str, size: int) -> dict:
    return generate_scenario(scenario, size, 7, tmp_path / f"run{next(_counter)}")


@pytest.mark.parametrize("scenario", ["low-income-vs-deaths", "low-income-all-departments"])
@pytest.mark.parametrize("size", SIZES)
def test_bench_synth_throughput(benchmark, tmp_path, scenario, size):
    result = benchmark.pedantic(_run, args=(tmp_path, scenario, size), rounds=1, iterations=1)
    seconds = benchmark.stats.stats.mean
    rows = sum(e["rows"] for e in result["extracts"])
    benchmark.extra_info.update(
        people=size,
        rows=rows,
        people_per_second=round(size / seconds),
        rows_per_second=round(rows / seconds),
        records_per_minute=round((size + rows) / seconds * 60),
    )
    assert rows > 0


def _peak_rss_mib(out_dir, size: int) -> float:
    """Peak resident memory of a fresh process that generates `size` people."""
    code = (
        "import resource, sys; from pprl_synthetic import generate_scenario; "
        "generate_scenario('low-income-vs-deaths', int(sys.argv[1]), 7, sys.argv[2]); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(size), str(out_dir)],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(proc.stdout.strip()) / 1024  # ru_maxrss is in KiB on Linux


def test_bench_synth_peak_memory_is_flat(benchmark, tmp_path):
    small, large = MEMORY_SIZES
    peaks = benchmark.pedantic(
        lambda: (
            _peak_rss_mib(tmp_path / "small", small),
            _peak_rss_mib(tmp_path / "large", large),
        ),
        rounds=1,
        iterations=1,
    )
    benchmark.extra_info.update(
        chunk_persons=CHUNK_PERSONS,
        people_small=small,
        people_large=large,
        peak_rss_mib_small=round(peaks[0], 1),
        peak_rss_mib_large=round(peaks[1], 1),
        peak_ratio=round(peaks[1] / peaks[0], 3),
    )
    # Eight times the people, essentially the same peak: memory is bounded by one chunk.
    assert peaks[1] < 1.2 * peaks[0]
