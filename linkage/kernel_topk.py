"""Top-k mode of the Dice kernel: each left row's k best partners, with exact early exits.

Layers as in `linkage.kernel`: `best_partners` (Python) prepares the rows and allocates,
`_top_k_items` (`@njit(parallel=True)`) walks the work items, and the helpers below (with
`linkage.kernel_bounds` and the intrinsics of `linkage.popcount`) do the arithmetic.

Each left row keeps its k best partners (score desc, right id asc) and a *floor*: t, then the
k-th best score once k partners are held. The length filter and the early exits test each row
against its own floor, so as floors rise the popcount windows narrow and pairs stop sooner. A
pair tying the floor may still enter with a lower right id, so only pairs that cannot reach
the floor are dropped, and the result equals the reference bit for bit.

Early exits: common bits are counted a quarter of the row (256 bits) at a time, and after a
quarter a group of four pairs stops when none can reach its floor even if the rest of both
rows matched. The first test comes after one, two or three quarters, or never, chosen per
group of four rows from their floors (`_first_exit`: a high floor makes an early test pay);
rows are regrouped by that choice between tiles. Right tiles are visited from the left rows'
popcount outward (likely partners first, so floors rise early). These choices change speed
only.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from linkage.kernel_bounds import (
    FIXED_BITS,
    GROUP,
    NO_LIMIT,
    RIGHT_TILE,
    dice,
    first_at_least,
    max_partner_pop,
    may_reach,
    min_partner_pop,
)
from linkage.popcount import (
    and_count_4x1,
    and_count_4x1_first_half,
    and_count_4x1_first_quarter,
    and_count_4x1_last_quarter,
    and_count_4x1_second_quarter,
    and_count_4x1_third_quarter,
    and_count_rows,
    popcount64,
    popcount_last_quarter,
    popcount_second_half,
)
from pprl.encoded import FILTER_BITS, FILTER_WORDS

EXIT_MARGIN = 0.04  # see _first_exit
# Helpers that take arrays but never allocate are compiled with `_nrt=False` (Numba's option
# for code without reference counting): with small blocks they run once per work item, and
# counting references to a dozen arrays per call cost more than the comparisons (measured:
# 3-row blocks took 78 ms instead of 63 ms per 63k blocks).
TOP_K_OUTWARD = True  # visit right tiles from the left rows' popcount outward
TOP_K_REGROUP = True  # regroup left rows by floor after each tile


# ---- layer 3: tiny inner functions ---------------------------------------------------------


@njit(inline="always", nogil=True)
def _fixed(score):
    # Rounded down: the integer tests stay exact (never stricter than the float bound).
    return np.int64(math.floor(score * (1 << FIXED_BITS)))


@njit(nogil=True, _nrt=False)
def _offer(best_s, best_r, row, s, rid):
    """Put (s, rid) among the k best partners of one left row, kept sorted by score desc,
    right id asc (empty places, right id -1, last). O(k): one shift of the worse entries."""
    k = best_s.shape[1]
    pos = k
    while pos > 0 and (
        best_r[row, pos - 1] < 0
        or s > best_s[row, pos - 1]
        or (s == best_s[row, pos - 1] and rid < best_r[row, pos - 1])
    ):
        pos -= 1
    for q in range(k - 1, pos, -1):
        best_s[row, q] = best_s[row, q - 1]
        best_r[row, q] = best_r[row, q - 1]
    if pos < k:
        best_s[row, pos] = s
        best_r[row, pos] = rid


@njit(inline="always", nogil=True)
def _floor(best_s, row, threshold):
    """The score a new partner of `row` must reach: t, or the k-th best score once k are held
    (a pair scoring exactly that may still enter with a lower right id, so only pairs strictly
    below it are dropped). Empty places hold -1, below any threshold."""
    return max(threshold, best_s[row, best_s.shape[1] - 1])


# LLVM inlines it; it runs only for pairs whose count reaches the floor.
@njit(nogil=True, _nrt=False)
def _consider(common, pa, pb, rid, row, floor, threshold, best_s, best_r):
    """Offer one pair that passed the integer test; returns the row's (possibly raised) floor."""
    s = dice(common, pa, pb)
    if s < floor:
        return floor
    _offer(best_s, best_r, row, s, rid)
    return _floor(best_s, row, threshold)


@njit(inline="always", nogil=True)
def _first_exit(pa, floor):
    """Quarters of the row to count before the first early-exit test for a row with floor
    `floor`: 1, 2 or 3, or 4 for none (a test that rarely exits costs more than it saves).

    Only speed depends on this choice, never the result. It models an unrelated partner of
    the same popcount sharing bits by chance (density d = pa/1024): after a share x of the
    row, the bound is about x·d·pa + (1−x)·pa common bits, which misses the floor (f·pa) when
    f > 1 − x + x·d. EXIT_MARGIN keeps tests that would exit only narrowly out.
    """
    d = pa / FILTER_BITS
    for quarters in range(1, 4):
        x = quarters / 4.0
        if floor > 1.0 - x + x * d + EXIT_MARGIN:
            return quarters
    return 4


@njit(inline="always", nogil=True)
def _swap(values, a, b):
    values[a], values[b] = values[b], values[a]


@njit(nogil=True, _nrt=False)
def _regroup(left, ls, le, t, best_s):
    """Order the item's left rows by their first exit (stable, so by popcount within a class):
    rows whose floors have risen then share groups of four and exit early together. Rows move
    by swaps (no allocation), and rarely: only when a floor crosses a class."""
    L, Lp, Lr, Lh, Lq, slot = left
    for p in range(ls + 1, le):
        q = p
        while q > ls and _first_exit(Lp[q - 1], _floor(best_s, slot[q - 1], t)) > _first_exit(
            Lp[q], _floor(best_s, slot[q], t)
        ):
            for word in range(FILTER_WORDS):
                L[q, word], L[q - 1, word] = L[q - 1, word], L[q, word]
            for values in (Lp, Lr, Lh, Lq, slot):
                _swap(values, q, q - 1)
            q -= 1


@njit(nogil=True, _nrt=False)
def _top_k_single_rows(left, right, ls, le, tile, tile_end, t, best_s, best_r):
    """Rows ls:le (fewer than a group) one at a time, whole-row counts."""
    L, Lp, _, _, _, slot = left
    R, Rp, _, _, _, Rid = right
    for p in range(ls, le):
        pa, row = Lp[p], slot[p]
        f = _floor(best_s, row, t)
        tf = _fixed(f)
        j0 = first_at_least(Rp, tile, tile_end, min_partner_pop(pa, f))
        j1 = first_at_least(Rp, j0, tile_end, max_partner_pop(pa, f) + 1)
        for j in range(j0, j1):
            c = and_count_rows(L, p, R, j)
            if may_reach(c, pa + Rp[j], tf):
                f = _consider(c, pa, Rp[j], Rid[j], row, f, t, best_s, best_r)
                tf = _fixed(f)


@njit(nogil=True, _nrt=False)
def _four(values, i):
    return (values[i], values[i + 1], values[i + 2], values[i + 3])


@njit(nogil=True, _nrt=False)
def _add4(a, b):
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3])


@njit(nogil=True, _nrt=False)
def _any_reaches(c, rest, rest_b, pa, pb, tf):
    """Whether any of four pairs (one right row, four left rows) may still reach its left
    row's floor: c common bits so far, at most min(rest, rest_b) still to come."""
    return (  # `|`, not `or`: one branch instead of four
        may_reach(c[0] + min(rest[0], rest_b), pa[0] + pb, tf[0])
        | may_reach(c[1] + min(rest[1], rest_b), pa[1] + pb, tf[1])
        | may_reach(c[2] + min(rest[2], rest_b), pa[2] + pb, tf[2])
        | may_reach(c[3] + min(rest[3], rest_b), pa[3] + pb, tf[3])
    )


# Called only when one of the four counts reaches its row's floor.
@njit(nogil=True, _nrt=False)
def _consider4(c, pa, pb, rid, rows, t, best_s, best_r):
    """_consider for four left rows; returns their new floors."""
    return (
        _consider(c[0], pa[0], pb, rid, rows[0], _floor(best_s, rows[0], t), t, best_s, best_r),
        _consider(c[1], pa[1], pb, rid, rows[1], _floor(best_s, rows[1], t), t, best_s, best_r),
        _consider(c[2], pa[2], pb, rid, rows[2], _floor(best_s, rows[2], t), t, best_s, best_r),
        _consider(c[3], pa[3], pb, rid, rows[3], _floor(best_s, rows[3], t), t, best_s, best_r),
    )


@njit(nogil=True, _nrt=False)
def _fixed4(f):
    return (_fixed(f[0]), _fixed(f[1]), _fixed(f[2]), _fixed(f[3]))


@njit(nogil=True, _nrt=False)
def _group_plan(pa, f):
    """For four rows with popcounts pa and floors f: the lowest and highest partner popcount
    any of them can still use, and the quarters to count before the first exit (one test
    exits for all four rows, so it must pay for the row with the lowest floor)."""
    lo, hi, first = NO_LIMIT, 0, 1
    for r in range(GROUP):
        lo = min(lo, min_partner_pop(pa[r], f[r]))
        hi = max(hi, max_partner_pop(pa[r], f[r]))
        first = max(first, _first_exit(pa[r], f[r]))
    return lo, hi, first


# ---- layer 2: parallel tiled loops ----------------------------------------------------------


@njit(nogil=True, _nrt=False)
def _top_k_tile(left, right, ls, le, tile, tile_end, t, best_s, best_r):
    """Left rows ls:le against right rows tile:tile_end, each row with its own floor.

    left = (filters, popcounts, popcounts of the last three quarters, of the last half, of the
    last quarter, row in best_s/best_r); right the same with right ids last.
    """
    L, Lp, Lr, Lh, Lq, slot = left
    R, Rp, Rr, Rh, Rq, Rid = right
    nothing = (0, 0, 0, 0)
    for i in range(ls, le, GROUP):
        if i + GROUP > le:
            _top_k_single_rows(left, right, i, le, tile, tile_end, t, best_s, best_r)
            continue
        pa, rows = _four(Lp, i), _four(slot, i)
        rest, half, quarter = _four(Lr, i), _four(Lh, i), _four(Lq, i)
        f = (_floor(best_s, rows[0], t), _floor(best_s, rows[1], t))
        f = f + (_floor(best_s, rows[2], t), _floor(best_s, rows[3], t))
        tf = _fixed4(f)
        lo, hi, first = _group_plan(pa, f)
        j0 = first_at_least(Rp, tile, tile_end, lo)
        j1 = first_at_least(Rp, j0, tile_end, hi + 1)
        if first == 4:
            # No test would pay: whole-row counts, the rows' floors checked once per pair.
            for j in range(j0, j1):
                c = and_count_4x1(L, i, R, j)
                if _any_reaches(c, nothing, 0, pa, Rp[j], tf):
                    tf = _fixed4(_consider4(c, pa, Rp[j], Rid[j], rows, t, best_s, best_r))
            continue
        for j in range(j0, j1):
            pb = Rp[j]
            # The threshold mode's exact early exits, each row against its own floor: stop
            # when the rest of the row cannot lift any of the four pairs to its floor.
            if first == 1:
                c = and_count_4x1_first_quarter(L, i, R, j)
                if not _any_reaches(c, rest, Rr[j], pa, pb, tf):
                    continue
                c = _add4(c, and_count_4x1_second_quarter(L, i, R, j))
            else:
                c = and_count_4x1_first_half(L, i, R, j)
            if first <= 2 and not _any_reaches(c, half, Rh[j], pa, pb, tf):
                continue
            c = _add4(c, and_count_4x1_third_quarter(L, i, R, j))
            if not _any_reaches(c, quarter, Rq[j], pa, pb, tf):
                continue
            c = _add4(c, and_count_4x1_last_quarter(L, i, R, j))
            if _any_reaches(c, nothing, 0, pa, pb, tf):
                tf = _fixed4(_consider4(c, pa, pb, Rid[j], rows, t, best_s, best_r))


@njit(nogil=True, _nrt=False)
def _item_span(Lp, slot, Rp, ls, le, lo_from, lo_to, hi_from, hi_to, t, best_s):
    """Right positions still worth visiting for left rows ls:le at their current floors: the
    first position at or above the lowest window start (searched in lo_from:lo_to) and the
    first past the highest window end (searched in hi_from:hi_to)."""
    lo, hi = NO_LIMIT, 0
    for p in range(ls, le):
        f = _floor(best_s, slot[p], t)
        lo = min(lo, min_partner_pop(Lp[p], f))
        hi = max(hi, max_partner_pop(Lp[p], f))
    return first_at_least(Rp, lo_from, lo_to, lo), first_at_least(Rp, hi_from, hi_to, hi + 1)


@njit(parallel=True, nogil=True, cache=True)
def _top_k_items(left, right, items, t, outward, regroup, best_s, best_r):
    """Top-k mode: best_s/best_r are [n_left_rows, k], initialised to -1; `left` (see
    _top_k_tile) is a working copy whose rows are reordered inside each item.

    Right tiles are visited from the popcount of the item's middle left row outward (with
    `outward`; else in ascending order), so likely partners come first and raise the rows'
    floors early. After each tile the span still worth visiting shrinks to the rows' windows
    at their current floors, and (with `regroup`) rows are regrouped by their first exit.
    """
    Lp, slot, Rp = left[1], left[5], right[1]
    for w in prange(items.shape[0]):
        ls, le, rs, re = items[w, 0], items[w, 1], items[w, 2], items[w, 3]
        if re - rs <= RIGHT_TILE:  # small blocks: one tile, each group finds its own window
            _top_k_tile(left, right, ls, le, rs, re, t, best_s, best_r)
            continue
        span_lo, span_hi = _item_span(Lp, slot, Rp, ls, le, rs, re, rs, re, t, best_s)
        if span_hi - span_lo <= RIGHT_TILE:  # one tile: no walk to plan
            _top_k_tile(left, right, ls, le, span_lo, span_hi, t, best_s, best_r)
            continue
        regroup_item = regroup and le - ls >= 2 * GROUP
        centre = span_lo
        if outward:
            centre = first_at_least(Rp, span_lo, span_hi, Lp[(ls + le - 1) // 2])
        up, down = centre, centre  # visited so far: down:up
        while up < span_hi or down > span_lo:
            if up < span_hi:
                end = min(up + RIGHT_TILE, span_hi)
                _top_k_tile(left, right, ls, le, up, end, t, best_s, best_r)
                up = end
            if down > span_lo:
                start = max(down - RIGHT_TILE, span_lo)
                _top_k_tile(left, right, ls, le, start, down, t, best_s, best_r)
                down = start
            lo, hi = _item_span(Lp, slot, Rp, ls, le, span_lo, down, up, span_hi, t, best_s)
            span_lo, span_hi = max(span_lo, lo), min(span_hi, hi)
            if regroup_item:
                _regroup(left, ls, le, t, best_s)


# ---- layer 1: prepare the rows, allocate ----------------------------------------------------


@njit(nogil=True, cache=True)  # serial: about a millisecond per 100k rows, no thread launch
def _rest_pops(filters):
    """Popcounts of each row's last three quarters, last half and last quarter: the bounds on
    what the rest of a row can add after each of top-k's early exits."""
    n = filters.shape[0]
    rest = np.empty(n, dtype=np.int64)
    half = np.empty(n, dtype=np.int64)
    quarter = np.empty(n, dtype=np.int64)
    for i in range(n):
        half[i] = popcount_second_half(filters, i)
        quarter[i] = popcount_last_quarter(filters, i)
        rest[i] = half[i] + popcount64(filters[i, 4]) + popcount64(filters[i, 5])
        rest[i] += popcount64(filters[i, 6]) + popcount64(filters[i, 7])
    return rest, half, quarter


def _top_k_rows(filters, pops, last):
    """Rows as the top-k kernel reads them (see _top_k_tile)."""
    rest, half, quarter = _rest_pops(filters)
    return filters, pops, rest, half, quarter, last


def best_partners(
    left_filters: np.ndarray,
    left_pops: np.ndarray,
    right_filters: np.ndarray,
    right_pops: np.ndarray,
    right_ids: np.ndarray,
    items: np.ndarray,
    threshold: float,
    k: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The k best partners of every left row within its work item `(ls, le, rs, re)` (each
    left row in at most one): scores and right ids as [n_left, k] arrays, best first, -1
    where a row has fewer than k partners at or above `threshold`."""
    n = left_filters.shape[0]
    best_s = np.full((n, k), -1.0)
    best_r = np.full((n, k), -1, dtype=np.int64)
    # Regrouping reorders left rows in place, so it works on a copy; it only pays in items
    # of two groups or more whose right span needs several tiles.
    sizes_left, sizes_right = items[:, 1] - items[:, 0], items[:, 3] - items[:, 2]
    regroup = TOP_K_REGROUP and bool(np.any((sizes_left >= 2 * GROUP) & (sizes_right > RIGHT_TILE)))
    filters, pops = left_filters, left_pops
    if regroup:
        filters, pops = filters.copy(), pops.copy()
    _top_k_items(
        _top_k_rows(filters, pops, np.arange(n)),
        _top_k_rows(right_filters, right_pops, right_ids),
        items,
        threshold,
        TOP_K_OUTWARD,
        regroup,
        best_s,
        best_r,
    )
    return best_s, best_r
