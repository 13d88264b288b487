"""The Dice similarity kernel over packed 1024-bit filters, in three layers.

1. `dice_blocks` / `dice_join` (Python): validate, split blocks into work items, allocate outputs.
2. `_threshold_items` / `_top_k_items` (`@njit(parallel=True)`): the tiled loop over work items.
3. `_dice`, `_emit`, bounds helpers (`@njit(inline="always")`) and the popcount intrinsics of
   `linkage.popcount`: arithmetic.

Dice(a, b) = 2 |a AND b| / (|a| + |b|), and 0 when both filters are empty.

A *block* is `(ls, le, rs, re)`: left rows `ls:le` are compared with right rows `rs:re` of the
(already permuted) arrays, and rows inside a block must be sorted by popcount ascending. That
order lets the kernel apply the exact length filter: for threshold t a pair can only reach t
when t·|a|/(2−t) ≤ |b| ≤ |a|·(2−t)/t, so each left row only scans a popcount window found by
binary search. The filter is exact (it never drops a pair at or above t): its bounds are
widened by one and every surviving pair is scored and tested exactly.

Early exits, also exact: common bits are counted over the first half of the row, then the
third quarter, then the last; after each step a pair whose count plus the most the rest could
add (the smaller of the two rows' popcounts over the rest) cannot reach t is dropped. Most
non-matching pairs stop after half or three quarters of the work.

Top-k mode keeps each left row's k best partners (score desc, right id asc) and a *floor*:
t, then the k-th best score once k partners are held. The length filter and the early exits
test each row against its own floor, so as floors rise the popcount windows narrow and pairs
stop sooner. A pair tying the floor may still enter with a lower right id, so only pairs that
cannot reach the floor are dropped, and the result equals the reference bit for bit. Right
tiles are visited from the left rows' popcount outward (likely partners first, floors rise
early); which exits are tried is chosen per group of rows from their floors (`_first_exit`),
and rows are regrouped by that choice between tiles. These choices change speed only.

Register blocking: four left rows are compared with one right row at a time, so each right
word is loaded once for four popcounts; right rows are visited in tiles that stay in L2.
Popcounts use AVX2 (or wider) vector code through LLVM intrinsics (`linkage.popcount`).

Results are `CandidatePairs` in canonical order (score desc, left asc, right asc) with the
caller's row ids, so they never depend on how the work was split.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from linkage.candidates import CandidatePairs
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

WORDS = 16  # 1024-bit filters as uint64 words
GROUP = 4  # left rows per register block
ITEM_ROWS = 64  # left rows per parallel work item
RIGHT_TILE = 2048  # right rows per cache tile (256 KiB)
FIXED_BITS = 20
NO_DIAGONAL = -(1 << 62)
EXIT_MARGIN = 0.04  # see _first_exit
# Top-k helpers that take arrays but never allocate are compiled with `_nrt=False` (Numba's
# option for code without reference counting): with small blocks they run once per work item,
# and counting references to a dozen arrays per call cost more than the comparisons (measured:
# 3-row blocks took 78 ms instead of 63 ms per 63k blocks).
TOP_K_OUTWARD = True  # top-k visits right tiles from the left rows' popcount outward
TOP_K_REGROUP = True  # top-k regroups left rows by floor after each tile
_NO_LIMIT = 1 << 30


# ---- layer 3: tiny inner functions ---------------------------------------------------------


@njit(inline="always", nogil=True)
def _dice(common, pa, pb):
    total = pa + pb
    if total == 0:
        return 0.0
    return 2.0 * common / total


@njit(inline="always", nogil=True)
def _may_reach(common, total, t_fixed):
    # Integer test against t rounded down to 20 fractional bits (never stricter than t);
    # the few pairs passing it are scored exactly by _dice.
    return (common << (FIXED_BITS + 1)) >= t_fixed * total


@njit(nogil=True)  # LLVM inlines it; Numba-level inlining mixed up its tuple arguments
def _emit(common, pa, pb, lid, rid, rule, sink, found):
    """Record one pair if it reaches t; returns the new count (past the cap it only counts).

    rule = (t, t in fixed point, ordered: report the smaller id on the left);
    sink = (left ids, right ids, scores, offset of this work item, its capacity).
    """
    t, t_fixed, ordered = rule
    if not _may_reach(common, pa + pb, t_fixed):
        return found
    s = _dice(common, pa, pb)
    if s < t:
        return found
    out_l, out_r, out_s, base, cap = sink
    if found < cap:
        swap = ordered and lid > rid  # new names: never rebind an inlined function's arguments
        out_l[base + found] = rid if swap else lid
        out_r[base + found] = lid if swap else rid
        out_s[base + found] = s
    return found + 1


@njit(inline="always", nogil=True)
def _min_partner_pop(pa, threshold):
    if threshold <= 0.0:
        return 0
    return max(0, int(math.ceil(threshold * pa / (2.0 - threshold))) - 1)


@njit(inline="always", nogil=True)
def _max_partner_pop(pa, threshold):
    bound = pa * (2.0 - threshold) / threshold if threshold > 0.0 else _NO_LIMIT
    if bound >= _NO_LIMIT:  # tiny thresholds: no upper bound (and no int overflow)
        return _NO_LIMIT
    return int(math.floor(bound)) + 1


@njit(inline="always", nogil=True)
def _first_at_least(pops, lo, hi, value):
    while lo < hi:
        mid = (lo + hi) >> 1
        if pops[mid] < value:
            lo = mid + 1
        else:
            hi = mid
    return lo


# ---- layer 2: parallel tiled loops ----------------------------------------------------------


@njit(parallel=True, nogil=True, cache=True)
def _threshold_items(
    L, Lp, Lh, Lq, Lid, R, Rp, Rh, Rq, Rid, items, offsets, caps, t, diagonal, out
):
    """Threshold mode. Writes up to caps[w] pairs of item w at offsets[w]; returns true counts.

    With diagonal != NO_DIAGONAL only pairs with right position > left position + diagonal
    are compared (one dataset against itself: each unordered pair once).
    """
    t_fixed = np.int64(math.floor(t * (1 << FIXED_BITS)))
    triangle = diagonal != NO_DIAGONAL
    rule = (t, t_fixed, triangle)
    counts = np.zeros(items.shape[0], dtype=np.int64)
    for w in prange(items.shape[0]):
        ls, le, rs, re = items[w, 0], items[w, 1], items[w, 2], items[w, 3]
        sink = (out[0], out[1], out[2], offsets[w], caps[w])
        found = 0
        n_groups = (le - ls + GROUP - 1) // GROUP
        # Rows are sorted by popcount, so the windows move right with the rows: the item's
        # span runs from the first row's window start to the last row's window end.
        span_lo = _first_at_least(Rp, rs, re, _min_partner_pop(Lp[ls], t))
        span_hi = _first_at_least(Rp, rs, re, _max_partner_pop(Lp[le - 1], t) + 1)
        for tile in range(span_lo, span_hi, RIGHT_TILE):
            tile_end = min(tile + RIGHT_TILE, span_hi)
            for g in range(n_groups):
                i = ls + g * GROUP
                last = min(i + GROUP, le) - 1
                j0 = _first_at_least(Rp, tile, tile_end, _min_partner_pop(Lp[i], t))
                j1 = _first_at_least(Rp, j0, tile_end, _max_partner_pop(Lp[last], t) + 1)
                if i + GROUP > le or triangle:
                    # Rows one at a time: the last short group, and the triangle's corner.
                    last = le if i + GROUP > le else i + GROUP
                    full_from = j1
                    if triangle and i + GROUP <= le:
                        full_from = max(j0, i + diagonal + GROUP)  # all 4 rows allowed from here
                    for r in range(i, last):
                        start = max(j0, r + diagonal + 1) if triangle else j0
                        for j in range(start, min(j1, full_from)):
                            c = and_count_rows(L, r, R, j)
                            if _may_reach(c, Lp[r] + Rp[j], t_fixed):
                                found = _emit(c, Lp[r], Rp[j], Lid[r], Rid[j], rule, sink, found)
                    if i + GROUP > le:
                        continue
                    j0 = full_from
                pa0, pa1, pa2, pa3 = Lp[i], Lp[i + 1], Lp[i + 2], Lp[i + 3]
                h0, h1, h2, h3 = Lh[i], Lh[i + 1], Lh[i + 2], Lh[i + 3]
                q0, q1, q2, q3 = Lq[i], Lq[i + 1], Lq[i + 2], Lq[i + 3]
                for j in range(j0, j1):
                    pb = Rp[j]
                    hb = Rh[j]
                    qb = Rq[j]
                    # Exact early exits: after half the row, then after three quarters, stop
                    # when the rest (at most min(|a_rest|, |b_rest|) common bits) cannot lift
                    # any of the four pairs to t. Most non-matches stop at one of them.
                    c0, c1, c2, c3 = and_count_4x1_first_half(L, i, R, j)
                    if not (  # `|`, not `or`: one branch instead of four
                        _may_reach(c0 + min(h0, hb), pa0 + pb, t_fixed)
                        | _may_reach(c1 + min(h1, hb), pa1 + pb, t_fixed)
                        | _may_reach(c2 + min(h2, hb), pa2 + pb, t_fixed)
                        | _may_reach(c3 + min(h3, hb), pa3 + pb, t_fixed)
                    ):
                        continue
                    d0, d1, d2, d3 = and_count_4x1_third_quarter(L, i, R, j)
                    c0 += d0
                    c1 += d1
                    c2 += d2
                    c3 += d3
                    if not (  # `|`, not `or`: one branch instead of four
                        _may_reach(c0 + min(q0, qb), pa0 + pb, t_fixed)
                        | _may_reach(c1 + min(q1, qb), pa1 + pb, t_fixed)
                        | _may_reach(c2 + min(q2, qb), pa2 + pb, t_fixed)
                        | _may_reach(c3 + min(q3, qb), pa3 + pb, t_fixed)
                    ):
                        continue
                    d0, d1, d2, d3 = and_count_4x1_last_quarter(L, i, R, j)
                    c0 += d0
                    c1 += d1
                    c2 += d2
                    c3 += d3
                    # The integer test inline; the (rare) pairs passing it go through _emit.
                    if _may_reach(c0, pa0 + pb, t_fixed):
                        found = _emit(c0, pa0, pb, Lid[i], Rid[j], rule, sink, found)
                    if _may_reach(c1, pa1 + pb, t_fixed):
                        found = _emit(c1, pa1, pb, Lid[i + 1], Rid[j], rule, sink, found)
                    if _may_reach(c2, pa2 + pb, t_fixed):
                        found = _emit(c2, pa2, pb, Lid[i + 2], Rid[j], rule, sink, found)
                    if _may_reach(c3, pa3 + pb, t_fixed):
                        found = _emit(c3, pa3, pb, Lid[i + 3], Rid[j], rule, sink, found)
        counts[w] = found
    return counts


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
    s = _dice(common, pa, pb)
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
    d = pa / 1024.0
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
            for word in range(WORDS):
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
        j0 = _first_at_least(Rp, tile, tile_end, _min_partner_pop(pa, f))
        j1 = _first_at_least(Rp, j0, tile_end, _max_partner_pop(pa, f) + 1)
        for j in range(j0, j1):
            c = and_count_rows(L, p, R, j)
            if _may_reach(c, pa + Rp[j], tf):
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
        _may_reach(c[0] + min(rest[0], rest_b), pa[0] + pb, tf[0])
        | _may_reach(c[1] + min(rest[1], rest_b), pa[1] + pb, tf[1])
        | _may_reach(c[2] + min(rest[2], rest_b), pa[2] + pb, tf[2])
        | _may_reach(c[3] + min(rest[3], rest_b), pa[3] + pb, tf[3])
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
    lo, hi, first = _NO_LIMIT, 0, 1
    for r in range(GROUP):
        lo = min(lo, _min_partner_pop(pa[r], f[r]))
        hi = max(hi, _max_partner_pop(pa[r], f[r]))
        first = max(first, _first_exit(pa[r], f[r]))
    return lo, hi, first


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
        j0 = _first_at_least(Rp, tile, tile_end, lo)
        j1 = _first_at_least(Rp, j0, tile_end, hi + 1)
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
    lo, hi = _NO_LIMIT, 0
    for p in range(ls, le):
        f = _floor(best_s, slot[p], t)
        lo = min(lo, _min_partner_pop(Lp[p], f))
        hi = max(hi, _max_partner_pop(Lp[p], f))
    return _first_at_least(Rp, lo_from, lo_to, lo), _first_at_least(Rp, hi_from, hi_to, hi + 1)


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
            centre = _first_at_least(Rp, span_lo, span_hi, Lp[(ls + le - 1) // 2])
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


# ---- layer 1: validate, split, allocate -----------------------------------------------------


@dataclass(frozen=True)
class PackedRows:
    """Rows as the kernel reads them: filters uint64[n, 16], popcounts and result ids (int64)."""

    filters: np.ndarray
    pops: np.ndarray
    ids: np.ndarray

    @classmethod
    def of(cls, filters: np.ndarray, pops: np.ndarray, ids: np.ndarray | None = None) -> PackedRows:
        if filters.dtype != np.uint64 or filters.ndim != 2 or filters.shape[1] != WORDS:
            raise ValueError(
                f"filters must be uint64[n, {WORDS}], got {filters.dtype}{filters.shape}"
            )
        if not filters.flags.c_contiguous:
            raise ValueError("filters must be C-contiguous")
        n = filters.shape[0]
        ids = np.arange(n, dtype=np.int64) if ids is None else ids
        if np.shape(pops) != (n,) or np.shape(ids) != (n,):
            raise ValueError("popcounts and ids need one entry per filter")
        return cls(
            filters,
            np.ascontiguousarray(pops, dtype=np.int64),
            np.ascontiguousarray(ids, dtype=np.int64),
        )

    def take(self, order: np.ndarray) -> PackedRows:
        """A permuted copy (contiguous, so the kernel streams through memory)."""
        return PackedRows(
            np.ascontiguousarray(self.filters[order]), self.pops[order], self.ids[order]
        )

    def __len__(self) -> int:
        return int(self.filters.shape[0])


def work_items(blocks: np.ndarray, item_rows: int = ITEM_ROWS) -> np.ndarray:
    """Split blocks `(ls, le, rs, re)` into items of at most `item_rows` left rows."""
    blocks = np.asarray(blocks, dtype=np.int64).reshape(-1, 4)
    blocks = blocks[(blocks[:, 1] > blocks[:, 0]) & (blocks[:, 3] > blocks[:, 2])]
    if len(blocks) == 0:
        return np.empty((0, 4), dtype=np.int64)
    pieces = (blocks[:, 1] - blocks[:, 0] + item_rows - 1) // item_rows
    owner = np.repeat(np.arange(len(blocks)), pieces)
    first = np.repeat(np.cumsum(pieces) - pieces, pieces)
    ls = blocks[owner, 0] + (np.arange(len(owner)) - first) * item_rows
    le = np.minimum(ls + item_rows, blocks[owner, 1])
    return np.stack([ls, le, blocks[owner, 2], blocks[owner, 3]], axis=1)


def dice_blocks(
    left: PackedRows,
    right: PackedRows,
    blocks: np.ndarray,
    threshold: float,
    *,
    top_k: int | None = None,
    diagonal: int | None = None,
) -> CandidatePairs:
    """All pairs inside `blocks` with Dice ≥ threshold (with top_k: the k best per left row).

    Rows must be sorted by popcount inside each block. Results carry `left.ids`/`right.ids`.
    With `diagonal` d (one dataset against itself, left and right the same rows in the same
    order, shifted by d positions) only pairs with right position > left position + d are
    compared, each reported with the smaller id on the left: every unordered pair once.
    In top-k mode each left row must lie in at most one block.
    """
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be within [0, 1], got {threshold}")
    items = work_items(blocks)
    if len(items) == 0:
        return CandidatePairs.empty()
    t = float(threshold)
    if top_k is not None:
        if top_k < 1:
            raise ValueError("top_k must be at least 1")
        best_s = np.full((len(left), top_k), -1.0)
        best_r = np.full((len(left), top_k), -1, dtype=np.int64)
        if diagonal is not None:
            raise ValueError("top-k links two datasets; it has no diagonal mode")
        # Regrouping reorders left rows in place, so it works on a copy; it only pays in items
        # of two groups or more whose right span needs several tiles.
        sizes_left, sizes_right = items[:, 1] - items[:, 0], items[:, 3] - items[:, 2]
        regroup = TOP_K_REGROUP and bool(
            np.any((sizes_left >= 2 * GROUP) & (sizes_right > RIGHT_TILE))
        )
        filters, pops = left.filters, left.pops
        if regroup:
            filters, pops = filters.copy(), pops.copy()
        _top_k_items(
            _top_k_rows(filters, pops, np.arange(len(left))),
            _top_k_rows(right.filters, right.pops, right.ids),
            items,
            t,
            TOP_K_OUTWARD,
            regroup,
            best_s,
            best_r,
        )
        keep = best_r >= 0
        row, _ = np.nonzero(keep)
        return CandidatePairs.from_arrays(left.ids[row], best_r[keep], best_s[keep])
    caps = np.maximum(16, (items[:, 1] - items[:, 0]) * 4)
    diag = NO_DIAGONAL if diagonal is None else int(diagonal)
    counts, out = _run_threshold(left, right, items, caps, t, diag)
    overflow = counts > caps
    if not overflow.any():
        return _compact(out, counts, caps).canonical()
    # Rare: an item found more pairs than its buffer held. Redo those items with exact room.
    redo_counts, redo = _run_threshold(left, right, items[overflow], counts[overflow], t, diag)
    parts = [
        _compact(out, np.where(overflow, 0, counts), caps),
        _compact(redo, redo_counts, counts[overflow]),
    ]
    return CandidatePairs.concat(parts).canonical()


def _offsets(caps: np.ndarray) -> np.ndarray:
    offsets = np.zeros(len(caps), dtype=np.int64)
    np.cumsum(caps[:-1], out=offsets[1:])
    return offsets


@njit(parallel=True, nogil=True, cache=True)
def _tail_pops(filters):
    """Popcounts of each row's last half and last quarter (bounds for the early exits)."""
    half = np.empty(filters.shape[0], dtype=np.int64)
    quarter = np.empty(filters.shape[0], dtype=np.int64)
    for i in prange(filters.shape[0]):
        half[i] = popcount_second_half(filters, i)
        quarter[i] = popcount_last_quarter(filters, i)
    return half, quarter


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


def _run_threshold(left, right, items, caps, t, diagonal):
    total = int(caps.sum())
    out = (np.empty(total, np.int64), np.empty(total, np.int64), np.empty(total, np.float64))
    left_half, left_quarter = _tail_pops(left.filters)
    right_half, right_quarter = _tail_pops(right.filters)
    counts = _threshold_items(
        left.filters,
        left.pops,
        left_half,
        left_quarter,
        left.ids,
        right.filters,
        right.pops,
        right_half,
        right_quarter,
        right.ids,
        items,
        _offsets(caps),
        caps,
        t,
        diagonal,
        out,
    )
    return counts, out


def _compact(out, counts, caps) -> CandidatePairs:
    kept = np.minimum(counts, caps)
    starts = np.repeat(_offsets(caps), kept)
    within = np.arange(kept.sum()) - np.repeat(np.cumsum(kept) - kept, kept)
    index = starts + within
    return CandidatePairs(out[0][index], out[1][index], out[2][index])


def dice_join(
    left: PackedRows, right: PackedRows, threshold: float, *, top_k: int | None = None
) -> CandidatePairs:
    """Exhaustive comparison of every left row with every right row."""
    left = left.take(np.argsort(left.pops, kind="stable"))
    right = right.take(np.argsort(right.pops, kind="stable"))
    block = np.array([[0, len(left), 0, len(right)]], dtype=np.int64)
    return dice_blocks(left, right, block, threshold, top_k=top_k)
