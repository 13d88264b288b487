"""The Dice similarity kernel over packed 1024-bit filters, in three layers.

1. `dice_blocks` / `dice_join` (Python): validate, split blocks into work items, allocate outputs.
2. `_threshold_items` here, `_top_k_items` in `linkage.kernel_topk` (`@njit(parallel=True)`):
   the tiled loop over work items.
3. `_emit`, the score and bounds of `linkage.kernel_bounds` (`@njit(inline="always")`) and the
   popcount intrinsics of `linkage.popcount`: arithmetic.

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

Top-k mode (`linkage.kernel_topk`) keeps each left row's k best partners and applies the
same filter and exits against each row's own floor.

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
from linkage.kernel_bounds import (
    FIXED_BITS,
    GROUP,
    RIGHT_TILE,
    dice,
    first_at_least,
    max_partner_pop,
    may_reach,
    min_partner_pop,
)
from linkage.kernel_topk import best_partners
from linkage.popcount import (
    and_count_4x1_first_half,
    and_count_4x1_last_quarter,
    and_count_4x1_third_quarter,
    and_count_rows,
    popcount_last_quarter,
    popcount_second_half,
)
from pprl.encoded import FILTER_WORDS

ITEM_ROWS = 64  # left rows per parallel work item
NO_DIAGONAL = -(1 << 62)


# ---- layer 3: tiny inner functions ---------------------------------------------------------


@njit(nogil=True)  # LLVM inlines it; Numba-level inlining mixed up its tuple arguments
def _emit(common, pa, pb, lid, rid, rule, sink, found):
    """Record one pair if it reaches t; returns the new count (past the cap it only counts).

    rule = (t, t in fixed point, ordered: report the smaller id on the left);
    sink = (left ids, right ids, scores, offset of this work item, its capacity).
    """
    t, t_fixed, ordered = rule
    if not may_reach(common, pa + pb, t_fixed):
        return found
    s = dice(common, pa, pb)
    if s < t:
        return found
    out_l, out_r, out_s, base, cap = sink
    if found < cap:
        swap = ordered and lid > rid  # new names: never rebind an inlined function's arguments
        out_l[base + found] = rid if swap else lid
        out_r[base + found] = lid if swap else rid
        out_s[base + found] = s
    return found + 1


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
        span_lo = first_at_least(Rp, rs, re, min_partner_pop(Lp[ls], t))
        span_hi = first_at_least(Rp, rs, re, max_partner_pop(Lp[le - 1], t) + 1)
        for tile in range(span_lo, span_hi, RIGHT_TILE):
            tile_end = min(tile + RIGHT_TILE, span_hi)
            for g in range(n_groups):
                i = ls + g * GROUP
                last = min(i + GROUP, le) - 1
                j0 = first_at_least(Rp, tile, tile_end, min_partner_pop(Lp[i], t))
                j1 = first_at_least(Rp, j0, tile_end, max_partner_pop(Lp[last], t) + 1)
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
                            if may_reach(c, Lp[r] + Rp[j], t_fixed):
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
                        may_reach(c0 + min(h0, hb), pa0 + pb, t_fixed)
                        | may_reach(c1 + min(h1, hb), pa1 + pb, t_fixed)
                        | may_reach(c2 + min(h2, hb), pa2 + pb, t_fixed)
                        | may_reach(c3 + min(h3, hb), pa3 + pb, t_fixed)
                    ):
                        continue
                    d0, d1, d2, d3 = and_count_4x1_third_quarter(L, i, R, j)
                    c0 += d0
                    c1 += d1
                    c2 += d2
                    c3 += d3
                    if not (  # `|`, not `or`: one branch instead of four
                        may_reach(c0 + min(q0, qb), pa0 + pb, t_fixed)
                        | may_reach(c1 + min(q1, qb), pa1 + pb, t_fixed)
                        | may_reach(c2 + min(q2, qb), pa2 + pb, t_fixed)
                        | may_reach(c3 + min(q3, qb), pa3 + pb, t_fixed)
                    ):
                        continue
                    d0, d1, d2, d3 = and_count_4x1_last_quarter(L, i, R, j)
                    c0 += d0
                    c1 += d1
                    c2 += d2
                    c3 += d3
                    # The integer test inline; the (rare) pairs passing it go through _emit.
                    if may_reach(c0, pa0 + pb, t_fixed):
                        found = _emit(c0, pa0, pb, Lid[i], Rid[j], rule, sink, found)
                    if may_reach(c1, pa1 + pb, t_fixed):
                        found = _emit(c1, pa1, pb, Lid[i + 1], Rid[j], rule, sink, found)
                    if may_reach(c2, pa2 + pb, t_fixed):
                        found = _emit(c2, pa2, pb, Lid[i + 2], Rid[j], rule, sink, found)
                    if may_reach(c3, pa3 + pb, t_fixed):
                        found = _emit(c3, pa3, pb, Lid[i + 3], Rid[j], rule, sink, found)
        counts[w] = found
    return counts


# ---- layer 1: validate, split, allocate -----------------------------------------------------


@dataclass(frozen=True)
class PackedRows:
    """Rows as the kernel reads them: filters uint64[n, 16], popcounts and result ids (int64)."""

    filters: np.ndarray
    pops: np.ndarray
    ids: np.ndarray

    @classmethod
    def of(cls, filters: np.ndarray, pops: np.ndarray, ids: np.ndarray | None = None) -> PackedRows:
        if filters.dtype != np.uint64 or filters.ndim != 2 or filters.shape[1] != FILTER_WORDS:
            raise ValueError(
                f"filters must be uint64[n, {FILTER_WORDS}], got {filters.dtype}{filters.shape}"
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
        if diagonal is not None:
            raise ValueError("top-k links two datasets; it has no diagonal mode")
        best_s, best_r = best_partners(
            left.filters, left.pops, right.filters, right.pops, right.ids, items, t, top_k
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
