"""The top-k mode of the Dice kernel against the slow reference: ties, blocks, many tiles.

The kernel raises each left row's floor to its k-th best score and skips pairs that cannot
reach it; these tests check that nothing it skips could have entered the top k, including
pairs tying the k-th score with a lower right id.
"""

from __future__ import annotations

import linkage_reference as ref
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from linkage.candidates import CandidatePairs
from linkage.kernel import ITEM_ROWS, PackedRows, dice_blocks, dice_join
from linkage.kernel_bounds import RIGHT_TILE
from linkage.kernel_topk import _offer


def _pack(bits: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.packbits(bits, axis=1).view(np.uint64))


def _datasets(rng, n, m, density, noise, duplicates):
    """Right rows: noisy copies of left rows, fresh random rows, and exact repeats of both
    (repeats tie exactly, so the right-id order decides which ones enter the top k); a few
    empty rows on both sides."""
    left = rng.random((n, 1024)) < density
    copies = left[rng.integers(0, n, m)] ^ (rng.random((m, 1024)) < noise)
    fresh = rng.random((m, 1024)) < density
    right = np.where((rng.random(m) < 0.7)[:, None], copies, fresh)
    repeat = rng.random(m) < duplicates
    right[repeat] = right[rng.integers(0, m, m)][repeat]
    left_repeat = rng.random(n) < duplicates
    left[left_repeat] = left[rng.integers(0, n, n)][left_repeat]
    left[rng.random(n) < 0.1] = False  # empty filters: Dice 0 with anything, kept at t = 0
    right[rng.random(m) < 0.1] = False
    return _pack(left), _pack(right)


def _rows(filters, ids=None):
    return PackedRows.of(filters, ref.bits(filters).sum(axis=1), ids)


cases = st.tuples(
    st.integers(0, 2**32 - 1),  # seed
    st.integers(1, 40),  # left rows: full groups of four and a short last group
    st.integers(1, 80),  # right rows
    st.sampled_from([0.01, 0.05, 0.3, 0.5]),  # density (sparse rows: many equal scores)
    st.floats(0.0, 0.3),  # noise of the copies
    st.floats(0.0, 0.6),  # share of exact repeats
    st.one_of(st.sampled_from([0.0, 0.5, 0.8, 1.0]), st.floats(0.0, 1.0)),  # threshold
    st.integers(1, 5),  # k
)


@settings(max_examples=80, deadline=None)
@given(cases)
def test_top_k_join_matches_reference(case):
    seed, n, m, density, noise, duplicates, t, k = case
    left, right = _datasets(np.random.default_rng(seed), n, m, density, noise, duplicates)
    got = dice_join(_rows(left), _rows(right), t, top_k=k)
    assert got.same_as(ref.top_k_pairs(left, right, t, k))


def _expected_in_blocks(left, right, left_ids, right_ids, left_keys, right_keys, t, k):
    """Per key, the reference top k with right rows in id order (its ties go by column)."""
    parts = []
    for key in np.intersect1d(left_keys, right_keys):
        lm = np.flatnonzero(left_keys == key)
        rm = np.flatnonzero(right_keys == key)
        rm = rm[np.argsort(right_ids[rm])]
        part = ref.top_k_pairs(left[lm], right[rm], t, k)
        parts.append(CandidatePairs(left_ids[lm][part.left], right_ids[rm][part.right], part.score))
    return CandidatePairs.concat(parts).canonical()


@settings(max_examples=60, deadline=None)
@given(cases, st.integers(1, 3))
def test_top_k_in_blocks_with_shuffled_ids_matches_reference(case, n_keys):
    """Blocks of keyed rows; ids unrelated to positions, so ties are not broken by position."""
    seed, n, m, density, noise, duplicates, t, k = case
    rng = np.random.default_rng(seed)
    left, right = _datasets(rng, n, m, density, noise, duplicates)
    left_ids, right_ids = rng.permutation(n) * 3 + 5, rng.permutation(m) * 7 + 1
    left_keys, right_keys = rng.integers(0, n_keys, n), rng.integers(0, n_keys, m)
    lorder = np.lexsort((ref.bits(left).sum(axis=1), left_keys))
    rorder = np.lexsort((ref.bits(right).sum(axis=1), right_keys))
    a = _rows(left, left_ids).take(lorder)
    b = _rows(right, right_ids).take(rorder)
    blocks = []
    for key in np.intersect1d(left_keys, right_keys):
        ls, le = np.searchsorted(left_keys[lorder], [key, key + 1])
        rs, re = np.searchsorted(right_keys[rorder], [key, key + 1])
        blocks.append([ls, le, rs, re])
    got = dice_blocks(a, b, np.array(blocks, dtype=np.int64).reshape(-1, 4), t, top_k=k)
    want = _expected_in_blocks(left, right, left_ids, right_ids, left_keys, right_keys, t, k)
    assert got.same_as(want)


def test_top_k_over_several_tiles_with_exact_ties():
    """Far more right rows than one tile: the kernel walks tiles on both sides of the left
    rows' popcounts, narrows its span as floors rise, and must still let a tie with a lower
    right id (placed in a tile it visits later) displace the k-th partner."""
    rng = np.random.default_rng(11)
    n, m = ITEM_ROWS + 6, 4 * RIGHT_TILE + 301  # two work items, the second with a short group
    left = rng.random((n, 1024)) < rng.uniform(0.1, 0.5, (n, 1))  # popcounts far apart
    right = rng.random((m, 1024)) < rng.uniform(0.1, 0.5, (m, 1))
    for r in range(n):  # each left row: one exact copy and three near copies, repeated
        spots = rng.choice(m, 8, replace=False)
        right[spots[0]] = right[spots[1]] = left[r]
        near = left[r] ^ (rng.random(1024) < 0.02)
        right[spots[2:5]] = near
        right[spots[5:]] = left[r] ^ (rng.random(1024) < 0.05)
    left, right = _pack(left), _pack(right)
    right_ids = rng.permutation(m)
    by_id = np.argsort(right_ids)
    for t in (0.3, 0.7, 0.9):
        five = ref.top_k_pairs(left, right[by_id], t, 5)  # the best 5 hold the best k < 5
        for k in (1, 2, 4, 5):
            got = dice_join(_rows(left), _rows(right, right_ids), t, top_k=k)
            assert got.same_as(five.top_k_per_left(k)), (t, k)


def test_offer_keeps_the_k_best_sorted_with_ties_by_lower_right_id():
    best_s = np.full((1, 3), -1.0)
    best_r = np.full((1, 3), -1, dtype=np.int64)
    offers = [(0.5, 9), (0.7, 4), (0.5, 2), (0.5, 7), (0.9, 8), (0.5, 1), (0.4, 0), (0.7, 3)]
    for s, rid in offers:
        _offer(best_s, best_r, 0, s, rid)
    ranked = sorted(offers, key=lambda p: (-p[0], p[1]))[:3]
    assert list(zip(best_s[0].tolist(), best_r[0].tolist(), strict=True)) == ranked


def test_tie_with_lower_id_at_the_edge_of_a_narrowed_span():
    """A left row A (300 bits) ties with B (250 of A's bits) and C (A plus 60 bits): Dice
    500/550 = 600/660 = 10/11. The walk starts at popcount 300 and finds C in its first tile
    upward; the floor rises to 10/11 and the span narrows to popcount 249 and up. B, with the
    lower id, lies at the very edge of that span, in a tile below visited later: it must win."""
    rng = np.random.default_rng(5)

    def with_bits(count, inside=None):
        row = np.zeros(1024, dtype=bool)
        pool = np.arange(1024) if inside is None else np.flatnonzero(inside)
        row[rng.choice(pool, count, replace=False)] = True
        return row

    a = with_bits(300)
    b = with_bits(250, inside=a)
    c = a | with_bits(60, inside=~a)
    right = [b] + [with_bits(250) for _ in range(50)]
    right += [with_bits(int(p)) for p in rng.integers(251, 300, RIGHT_TILE + 1000)]
    right += [with_bits(int(p)) for p in rng.integers(300, 360, 500)] + [c]
    right += [with_bits(int(p)) for p in rng.integers(361, 400, 200)]
    left, right = _pack(np.array([a] * 4)), _pack(np.array(right))
    assert 2 * 250 / 550 == 2 * 300 / 660
    c_id = len(right) - 201
    for k, partners in ((1, [0]), (2, [0, c_id])):
        got = dice_join(_rows(left), _rows(right), 0.9, top_k=k)
        assert got.same_as(ref.top_k_pairs(left, right, 0.9, k))
        assert got.right.tolist() == partners * 4  # B first: the tie goes to the lower id
