"""Top-k Dice join: the kernel with per-row floors against the previous kernel, in one run.

    /work/venv/bin/python -m pytest bench/test_bench_topk.py --benchmark-only -q -s \
        --benchmark-group-by=param:k,param:threshold --benchmark-columns=min,mean,rounds

The previous top-k loop (every pair in the fixed-threshold popcount window counted over the
whole row, one row at a time) is kept below as the baseline. Inputs:
- random: 5k x 100k filters, density 0.3, half the left rows with a noisy copy on the right
  (as `match_peers.compare_dice`); `PPRL_BENCH_TOPK_RIGHT` shrinks the right side;
- real: 2k low-income list rows against the whole household register (about 108k rows) of
  the synthetic scenario `match_peers.QUALITY_SCENARIO` at size 200k (`synthetic_encodings`);
- small blocks: 200k x 200k random rows under random keys, about 3 or 50 rows per block;
- match: `linkage.match` end to end (keys blocking, no solver) on 100k x 100k simulated
  records, with the executor's block kernel swapped for the previous one.

`test_bench_top_k_*` run the previous and the current kernel as separate benchmarks. On a
shared machine the load changes between consecutive benchmarks, so quote the
`*_interleaved` ones: every round runs every version once, so all see the same load; they
print the speed-ups (best time of the previous kernel over each version's) and keep them in
extra_info. `current-ascending` visits right tiles in ascending popcount order instead of
outward from the left rows' popcount, `current-no-regroup` keeps left rows in their groups of
four: what each of those ideas adds. Every version's pairs must equal the previous kernel's.
"""

from __future__ import annotations

import math
import os
import time

import numpy as np
import pytest
from match_peers import popcounts, random_filters, synthetic_encodings
from numba import njit, prange

import linkage
from linkage import kernel, kernel_topk
from linkage.candidates import CandidatePairs
from linkage.kernel import PackedRows, dice_join
from linkage.kernel_bounds import (
    FIXED_BITS,
    dice,
    first_at_least,
    max_partner_pop,
    may_reach,
    min_partner_pop,
)
from linkage.popcount import and_count_rows

N_LEFT = 5_000
N_RIGHT = int(os.environ.get("PPRL_BENCH_TOPK_RIGHT", "100000"))
ROUNDS = int(os.environ.get("PPRL_BENCH_TOPK_ROUNDS", "3"))
REAL_SIZE, REAL_LEFT = 200_000, 2_000
CASES = pytest.mark.parametrize(("k", "threshold"), [(1, 0.5), (1, 0.8), (5, 0.5), (5, 0.8)])


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
    t_fixed = np.int64(math.floor(threshold * (1 << FIXED_BITS)))
    for w in prange(items.shape[0]):
        ls, le, rs, re = items[w, 0], items[w, 1], items[w, 2], items[w, 3]
        for i in range(ls, le):
            pa = Lp[i]
            j0 = first_at_least(Rp, rs, re, min_partner_pop(pa, threshold))
            j1 = first_at_least(Rp, rs, re, max_partner_pop(pa, threshold) + 1)
            for j in range(j0, j1):
                pb = Rp[j]
                c = and_count_rows(L, i, R, j)
                if may_reach(c, pa + pb, t_fixed):
                    s = dice(c, pa, pb)
                    if s >= threshold:
                        _previous_offer(best_s, best_r, i, k, s, Rid[j])


def previous_top_k_join(left: PackedRows, right: PackedRows, threshold: float, k: int):
    """`dice_join(left, right, threshold, top_k=k)` as it was: same sorting and output."""
    left = left.take(np.argsort(left.pops, kind="stable"))
    right = right.take(np.argsort(right.pops, kind="stable"))
    return previous_top_k_blocks(
        left, right, np.array([[0, len(left), 0, len(right)]]), threshold, k
    )


def previous_top_k_blocks(left, right, blocks, threshold: float, k: int):
    """`dice_blocks(left, right, blocks, threshold, top_k=k)` as it was."""
    items = kernel.work_items(blocks)
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


def current(outward: bool = True, regroup: bool = True):
    """The kernel now; `outward`/`regroup` off measure what each of those ideas adds."""

    def join(a, b, t, k):
        saved = kernel_topk.TOP_K_OUTWARD, kernel_topk.TOP_K_REGROUP
        kernel_topk.TOP_K_OUTWARD, kernel_topk.TOP_K_REGROUP = outward, regroup
        try:
            return dice_join(a, b, t, top_k=k)
        finally:
            kernel_topk.TOP_K_OUTWARD, kernel_topk.TOP_K_REGROUP = saved

    return join


VERSIONS = {
    "previous": previous_top_k_join,
    "current": current(),
    "current-ascending": current(outward=False),
    "current-no-regroup": current(regroup=False),
}


def _packed(left: np.ndarray, right: np.ndarray) -> tuple[PackedRows, PackedRows]:
    a, b = PackedRows.of(left, popcounts(left)), PackedRows.of(right, popcounts(right))
    small = PackedRows.of(left[:64], popcounts(left[:64]))
    for k in (1, 5):  # compile both kernels outside the timings
        dice_join(small, b, 0.8, top_k=k)
        previous_top_k_join(small, b, 0.8, k)
    return a, b


@pytest.fixture(scope="module")
def rows():
    left = random_filters(N_LEFT, 1, 0.3)
    right = random_filters(N_RIGHT, 2, 0.3)
    right[: N_LEFT // 2] = left[: N_LEFT // 2] ^ random_filters(N_LEFT // 2, 3, 0.03)
    return _packed(left, right)


@pytest.fixture(scope="module")
def real_rows():
    a, b = synthetic_encodings(REAL_SIZE, 11)
    return _packed(np.ascontiguousarray(a.filters[:REAL_LEFT]), np.ascontiguousarray(b.filters))


@pytest.fixture(scope="module")
def previous_results():
    return {}


@pytest.mark.parametrize("version", ["previous", "current"])
@CASES
def test_bench_top_k_random(benchmark, rows, previous_results, version, k, threshold):
    a, b = rows
    pairs = benchmark.pedantic(
        VERSIONS[version], args=(a, b, threshold, k), rounds=ROUNDS, iterations=1
    )
    if version == "previous":
        previous_results[threshold, k] = pairs
    else:
        assert pairs.same_as(previous_results[threshold, k])
    assert len(pairs) >= N_LEFT // 2  # every noisy copy is found
    rate = len(a) * len(b) / benchmark.stats.stats.min
    benchmark.extra_info.update(comparisons_per_s=round(rate), pairs=len(pairs))


def _interleaved(benchmark, label, a, b, threshold, k, versions=VERSIONS):
    best = dict.fromkeys(versions, math.inf)
    pairs = {}

    def one_round():
        for name, join in versions.items():
            start = time.perf_counter()
            pairs[name] = join(a, b, threshold, k)
            best[name] = min(best[name], time.perf_counter() - start)

    benchmark.pedantic(one_round, rounds=ROUNDS, iterations=1)
    assert all(p.same_as(pairs["previous"]) for p in pairs.values())
    ratios = {name: best["previous"] / seconds for name, seconds in best.items()}
    benchmark.extra_info.update(
        {f"{name}_s": round(s, 4) for name, s in best.items()}
        | {f"{name}_speedup": round(r, 3) for name, r in ratios.items()}
        | {"pairs": len(pairs["current"]), "comparisons": len(a) * len(b)}
    )
    print(
        f"\n{label} {len(a)} x {len(b)} k={k} t={threshold}: "
        + ", ".join(f"{name} {best[name]:.3f} s ({ratios[name]:.2f}x)" for name in versions)
    )
    return pairs["current"]


@CASES
def test_bench_top_k_random_interleaved(benchmark, rows, k, threshold):
    pairs = _interleaved(benchmark, "random", *rows, threshold, k)
    assert len(pairs) >= N_LEFT // 2


@CASES
def test_bench_top_k_real_interleaved(benchmark, real_rows, k, threshold):
    pairs = _interleaved(benchmark, "real", *real_rows, threshold, k)
    assert len(pairs) >= REAL_LEFT * 0.9  # nearly every list row is in the register


def _keyed_blocks(n: int, rows_per_block: int):
    """n left rows and their noisy copies on the right, under random keys with about
    `rows_per_block` rows per key on each side, as blocks `(ls, le, rs, re)` (keys blocking)."""
    rng = np.random.default_rng(4)
    left = random_filters(n, 1, 0.3)
    right = left ^ random_filters(n, 3, 0.03)
    keys = rng.integers(0, n // rows_per_block, n)
    a, b = _packed(left, right)
    left_order, right_order = np.lexsort((a.pops, keys)), np.lexsort((b.pops, keys))
    present = np.unique(keys)
    ls, le = (
        np.searchsorted(keys[left_order], present),
        np.searchsorted(keys[left_order], present, "right"),
    )
    rs, re = (
        np.searchsorted(keys[right_order], present),
        np.searchsorted(keys[right_order], present, "right"),
    )
    return a.take(left_order), b.take(right_order), np.stack([ls, le, rs, re], axis=1)


@pytest.mark.parametrize("rows_per_block", [3, 50])
@pytest.mark.parametrize(("k", "threshold"), [(1, 0.8), (5, 0.8)])
def test_bench_top_k_small_blocks_interleaved(benchmark, rows_per_block, k, threshold):
    """Keys blocking makes many small blocks: per-block costs weigh more than the comparisons."""
    a, b, blocks = _keyed_blocks(200_000, rows_per_block)
    versions = {
        "previous": lambda a, b, t, k: previous_top_k_blocks(a, b, blocks, t, k),
        "current": lambda a, b, t, k: kernel.dice_blocks(a, b, blocks, t, top_k=k),
    }
    pairs = _interleaved(benchmark, f"blocks of ~{rows_per_block}", a, b, threshold, k, versions)
    assert len(pairs) >= len(a) * 0.99  # the noisy copies share their key


@pytest.fixture(scope="module")
def simulated():
    from linkage.testing import linked_pair

    a, b, _, _ = linked_pair(100_000, 100_000, 50_000, 9)
    return a, b


def _match_with(blocks_kernel):
    """`linkage.match` (keys blocking, no solver) with the executor's block kernel swapped."""
    from linkage import executor

    def match(a, b, t, k):
        saved = executor.dice_blocks
        executor.dice_blocks = blocks_kernel
        try:
            return linkage.match(a, b, t, "keys", "none", top_k=k).candidates
        finally:
            executor.dice_blocks = saved

    return match


def _previous_dice_blocks(left, right, blocks, threshold, *, top_k=None, diagonal=None):
    assert top_k is not None and diagonal is None
    return previous_top_k_blocks(left, right, blocks, threshold, top_k)


@CASES
def test_bench_top_k_match_interleaved(benchmark, simulated, k, threshold):
    """End to end: 100k x 100k simulated records (linkage.testing), keys blocking, top-k."""
    versions = {
        "previous": _match_with(_previous_dice_blocks),
        "current": _match_with(kernel.dice_blocks),
    }
    pairs = _interleaved(benchmark, "match", *simulated, threshold, k, versions)
    assert len(pairs) > 0
