"""Top-k Dice join: the kernel with raised per-row floors against the previous kernel.

    /work/venv/bin/python -m pytest bench/test_bench_topk.py --benchmark-only -q -s \
        --benchmark-group-by=param:k,param:threshold --benchmark-columns=min,mean,rounds

The previous top-k loop (every pair in the fixed-threshold popcount window counted over the
whole row, one row at a time) is kept below as the baseline, so both are measured in one run
on the same filters: 5k x 100k, density 0.3, half the left rows with a noisy copy on the right
(as `match_peers.compare_dice`). `PPRL_BENCH_TOPK_RIGHT` shrinks the right side for quick runs.
`test_bench_top_k_interleaved` runs every version once per round and prints the speed-ups
(best time of the previous kernel over each version's). Each benchmark checks that its pairs
equal the previous kernel's. `current-ascending` visits
right tiles in ascending popcount order instead of outward from the left rows' popcount, and
`current-no-regroup` keeps left rows in their groups of four: what each of those ideas adds.
"""

from __future__ import annotations

import math
import os
import time

import numpy as np
import pytest
from match_peers import popcounts, random_filters
from numba import njit, prange

from linkage import kernel
from linkage.candidates import CandidatePairs
from linkage.kernel import PackedRows, dice_join
from linkage.popcount import and_count_rows

N_LEFT = 5_000
N_RIGHT = int(os.environ.get("PPRL_BENCH_TOPK_RIGHT", "100000"))
ROUNDS = int(os.environ.get("PPRL_BENCH_TOPK_ROUNDS", "3"))


# ---- the previous top-k loop, kept only as the baseline ------------------------------------


@njit(inline="always", nogil=True)
def _previous_offer(best_s, best_r, row, k, s, rid):
    worst = 0
    for q in range(1, k):
        if best_s[row, q] < best_s[row, worst] or (
            best_s[row, q] == best_s[row, worst] and best_r[row, q] > best_r[row, worst]
        ):
            worst = q
    ws = best_s[row, worst]
    if s > ws or (s == ws and rid < best_r[row, worst]):
        best_s[row, worst] = s
        best_r[row, worst] = rid


@njit(parallel=True, nogil=True, cache=True)
def _previous_top_k_items(L, Lp, R, Rp, Rid, items, threshold, best_s, best_r):
    k = best_s.shape[1]
    t_fixed = np.int64(math.floor(threshold * (1 << kernel.FIXED_BITS)))
    for w in prange(items.shape[0]):
        ls, le, rs, re = items[w, 0], items[w, 1], items[w, 2], items[w, 3]
        for i in range(ls, le):
            pa = Lp[i]
            j0 = kernel._first_at_least(Rp, rs, re, kernel._min_partner_pop(pa, threshold))
            j1 = kernel._first_at_least(Rp, rs, re, kernel._max_partner_pop(pa, threshold) + 1)
            for j in range(j0, j1):
                pb = Rp[j]
                c = and_count_rows(L, i, R, j)
                if kernel._may_reach(c, pa + pb, t_fixed):
                    s = kernel._dice(c, pa, pb)
                    if s >= threshold:
                        _previous_offer(best_s, best_r, i, k, s, Rid[j])


def previous_top_k_join(left: PackedRows, right: PackedRows, threshold: float, k: int):
    """`dice_join(left, right, threshold, top_k=k)` as it was: same sorting and output."""
    left = left.take(np.argsort(left.pops, kind="stable"))
    right = right.take(np.argsort(right.pops, kind="stable"))
    items = kernel.work_items(np.array([[0, len(left), 0, len(right)]]))
    best_s = np.full((len(left), k), -1.0)
    best_r = np.full((len(left), k), -1, dtype=np.int64)
    _previous_top_k_items(
        left.filters, left.pops, right.filters, right.pops, right.ids, items, threshold,
        best_s, best_r,
    )  # fmt: skip
    keep = best_r >= 0
    row, _ = np.nonzero(keep)
    return CandidatePairs.from_arrays(left.ids[row], best_r[keep], best_s[keep])


# ---- benchmarks ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rows():
    left = random_filters(N_LEFT, 1, 0.3)
    right = random_filters(N_RIGHT, 2, 0.3)
    right[: N_LEFT // 2] = left[: N_LEFT // 2] ^ random_filters(N_LEFT // 2, 3, 0.03)
    a, b = PackedRows.of(left, popcounts(left)), PackedRows.of(right, popcounts(right))
    small = PackedRows.of(left[:64], popcounts(left[:64]))
    for k in (1, 5):  # compile both kernels outside the timings
        dice_join(small, b, 0.8, top_k=k)
        previous_top_k_join(small, b, 0.8, k)
    return a, b


@pytest.fixture(scope="module")
def previous_results():
    return {}


def current(outward: bool = True, regroup: bool = True):
    """The kernel now; `outward`/`regroup` off measure what each of those ideas adds."""

    def join(a, b, t, k):
        saved = kernel.TOP_K_OUTWARD, kernel.TOP_K_REGROUP
        kernel.TOP_K_OUTWARD, kernel.TOP_K_REGROUP = outward, regroup
        try:
            return dice_join(a, b, t, top_k=k)
        finally:
            kernel.TOP_K_OUTWARD, kernel.TOP_K_REGROUP = saved

    return join


VERSIONS = {
    "previous": previous_top_k_join,
    "current": current(),
    "current-ascending": current(outward=False),
    "current-no-regroup": current(regroup=False),
}


@pytest.mark.parametrize("version", ["previous", "current"])
@pytest.mark.parametrize("threshold", [0.5, 0.8])
@pytest.mark.parametrize("k", [1, 5])
def test_bench_top_k(benchmark, rows, previous_results, version, threshold, k):
    a, b = rows
    pairs = benchmark.pedantic(
        VERSIONS[version], args=(a, b, threshold, k), rounds=ROUNDS, iterations=1
    )
    key = (threshold, k)
    if version == "previous":
        previous_results[key] = pairs
    else:
        assert pairs.same_as(previous_results[key])
    assert len(pairs) >= N_LEFT // 2  # every noisy copy is found
    rate = len(a) * len(b) / benchmark.stats.stats.min
    benchmark.extra_info.update(comparisons_per_s=round(rate), pairs=len(pairs))


@pytest.mark.parametrize("threshold", [0.5, 0.8])
@pytest.mark.parametrize("k", [1, 5])
def test_bench_top_k_interleaved(benchmark, rows, threshold, k):
    """Every version once per round, ROUNDS rounds: on a shared machine the load changes
    between consecutive benchmarks, and alternating exposes all versions to the same load.
    Ratios are of best times (previous / version), printed and kept in extra_info."""
    a, b = rows
    best = dict.fromkeys(VERSIONS, math.inf)
    pairs = {}

    def one_round():
        for name, join in VERSIONS.items():
            start = time.perf_counter()
            pairs[name] = join(a, b, threshold, k)
            best[name] = min(best[name], time.perf_counter() - start)

    benchmark.pedantic(one_round, rounds=ROUNDS, iterations=1)
    assert all(p.same_as(pairs["previous"]) for p in pairs.values())
    ratios = {name: best["previous"] / seconds for name, seconds in best.items()}
    benchmark.extra_info.update(
        {f"{name}_s": round(s, 4) for name, s in best.items()}
        | {f"{name}_speedup": round(r, 3) for name, r in ratios.items()}
    )
    print(
        f"\nk={k} t={threshold}: "
        + ", ".join(f"{name} {best[name]:.3f} s ({ratios[name]:.2f}x)" for name in VERSIONS)
    )
