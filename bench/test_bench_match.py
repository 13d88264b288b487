"""Matcher benchmarks: raw Dice join, greedy solver, end to end; anonlink beside us when present.

    /work/venv/bin/python -m pytest bench/test_bench_match.py --benchmark-only -q
    /work/venv-bench/bin/python -m pytest bench/test_bench_match.py --benchmark-only -q  # + peers
    /work/venv-bench/bin/python -m pytest bench/test_bench_match.py -m slow -q  # 1M x 1M

The peer tests run where anonlink is installed (bench/make_peer_venv.sh) and are skipped
elsewhere. `bench/run_peers.py` measures engine and peers in one run and writes the ratios.
"""

from __future__ import annotations

import os

import numba
import numpy as np
import pytest
from match_peers import (
    anonlink_candidates,
    end_to_end,
    end_to_end_synthetic,
    popcounts,
    random_candidates,
    random_filters,
    to_bitarrays,
)

from linkage.kernel import PackedRows, dice_join
from linkage.solvers import greedy_one_to_one

N_LEFT, N_RIGHT, THRESHOLD = 10_000, 100_000, 0.8
N_CANDIDATES, N_RECORDS = 1_000_000, 300_000
E2E_RECORDS = int(os.environ.get("PPRL_BENCH_E2E_RECORDS", "1000000"))


@pytest.fixture(scope="module")
def filters():
    left = random_filters(N_LEFT, 1, 0.3)
    right = random_filters(N_RIGHT, 2, 0.3)
    right[: N_LEFT // 2] = left[: N_LEFT // 2] ^ random_filters(N_LEFT // 2, 3, 0.03)
    return left, right


@pytest.fixture(scope="module")
def candidates():
    return random_candidates(N_CANDIDATES, N_RECORDS)


@pytest.mark.parametrize("threads", [1, numba.config.NUMBA_NUM_THREADS])
def test_bench_dice_engine(benchmark, filters, threads):
    left, right = filters
    a, b = PackedRows.of(left, popcounts(left)), PackedRows.of(right, popcounts(right))
    dice_join(PackedRows.of(left[:64], popcounts(left[:64])), b, THRESHOLD)  # compile
    numba.set_num_threads(threads)
    try:
        pairs = benchmark.pedantic(dice_join, args=(a, b, THRESHOLD), rounds=3, iterations=1)
    finally:
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    assert len(pairs) == N_LEFT // 2  # exactly the noisy copies
    rate = N_LEFT * N_RIGHT / benchmark.stats.stats.min
    benchmark.extra_info.update(threads=threads, comparisons_per_s=round(rate))


def test_bench_dice_anonlink(benchmark, filters):
    similarities = pytest.importorskip("anonlink.similarities")
    left, right = filters
    data = [to_bitarrays(left), to_bitarrays(right)]
    sims, _ = benchmark.pedantic(
        similarities.dice_coefficient_accelerated, args=(data, THRESHOLD), rounds=1, iterations=1
    )
    assert len(sims) == N_LEFT // 2
    rate = N_LEFT * N_RIGHT / benchmark.stats.stats.min
    benchmark.extra_info.update(comparisons_per_s=round(rate))


def test_bench_greedy_engine(benchmark, candidates):
    greedy_one_to_one(candidates.take(np.arange(100)), N_RECORDS, N_RECORDS)  # compile
    matches = benchmark.pedantic(
        greedy_one_to_one, args=(candidates, N_RECORDS, N_RECORDS), rounds=5, iterations=1
    )
    assert len(set(matches.left.tolist())) == len(matches)
    benchmark.extra_info.update(pairs_per_s=round(len(candidates) / benchmark.stats.stats.min))


def test_bench_greedy_anonlink(benchmark, candidates):
    solving = pytest.importorskip("anonlink.solving")
    peer_input = anonlink_candidates(candidates)
    groups = benchmark.pedantic(solving.greedy_solve, args=(peer_input,), rounds=1, iterations=1)
    assert len(groups) == len(greedy_one_to_one(candidates, N_RECORDS, N_RECORDS))
    benchmark.extra_info.update(pairs_per_s=round(len(candidates) / benchmark.stats.stats.min))


@pytest.mark.slow
def test_bench_end_to_end_million(benchmark):
    """1M x 1M simulated records, keys blocking, greedy: target <= 10 min, completeness >= 99.5%."""
    figures = benchmark.pedantic(end_to_end, args=(E2E_RECORDS,), rounds=1, iterations=1)
    benchmark.extra_info.update(figures)
    assert figures["match_s"] <= 600
    assert figures["pairs_completeness_sample"] >= 0.995


@pytest.mark.slow
def test_bench_end_to_end_synthetic(benchmark):
    """Generator + encoder at scale: list x register linked with the defaults, register deduped."""
    size = int(os.environ.get("PPRL_BENCH_SYNTHETIC_SIZE", "1850000"))
    figures = benchmark.pedantic(end_to_end_synthetic, args=(size,), rounds=1, iterations=1)
    benchmark.extra_info.update(figures)
    assert figures["true_match_completeness_sample"] >= 0.995
    assert figures["link_s"] + figures["dedup_s"] <= 600
