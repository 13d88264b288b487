"""The compiled Dice kernel against the slow NumPy reference, on random inputs."""

from __future__ import annotations

import linkage_reference as ref
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkage.kernel import PackedRows, dice_blocks, dice_join, work_items
from linkage.popcount import (
    and_count_4x1,
    and_count_4x1_first_half,
    and_count_4x1_first_quarter,
    and_count_4x1_last_quarter,
    and_count_4x1_second_quarter,
    and_count_4x1_third_quarter,
    and_count_rows,
    popcount64,
)


def _filters(rng: np.random.Generator, n: int, density: float) -> np.ndarray:
    bits = rng.random((n, 1024)) < density
    return np.ascontiguousarray(np.packbits(bits, axis=1).view(np.uint64))


def _related(rng, n, m, density, noise):
    """Right rows are noisy copies of left rows, so scores spread over the whole range."""
    left_bits = rng.random((n, 1024)) < density
    right_bits = left_bits[rng.integers(0, n, m)] ^ (rng.random((m, 1024)) < noise)
    pack = lambda b: np.ascontiguousarray(np.packbits(b, axis=1).view(np.uint64))  # noqa: E731
    return pack(left_bits), pack(right_bits)


def _rows(filters):
    return PackedRows.of(filters, ref.bits(filters).sum(axis=1))


cases = st.tuples(
    st.integers(0, 2**32 - 1),  # seed
    st.integers(1, 30),  # left rows
    st.integers(1, 30),  # right rows
    st.floats(0.0, 1.0),  # density
    st.floats(0.0, 0.4),  # noise
    st.one_of(st.sampled_from([0.0, 0.5, 0.8, 0.9, 1.0]), st.floats(0.0, 1.0)),
)


@settings(max_examples=60, deadline=None)
@given(cases)
def test_threshold_mode_matches_reference(case):
    seed, n, m, density, noise, t = case
    left, right = _related(np.random.default_rng(seed), n, m, density, noise)
    got = dice_join(_rows(left), _rows(right), t)
    assert got.same_as(ref.threshold_pairs(left, right, t))


@settings(max_examples=40, deadline=None)
@given(cases, st.integers(1, 4))
def test_top_k_mode_matches_reference(case, k):
    seed, n, m, density, noise, t = case
    left, right = _related(np.random.default_rng(seed), n, m, density, noise)
    got = dice_join(_rows(left), _rows(right), t, top_k=k)
    assert got.same_as(ref.top_k_pairs(left, right, t, k))


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 40), st.floats(0.3, 0.95))
def test_blocks_and_diagonal_mode_match_reference(seed, n, t):
    """Several blocks over one dataset: each block equals the reference on its own rows."""
    rng = np.random.default_rng(seed)
    filters, _ = _related(rng, n, 1, 0.3, 0.0)
    filters = np.ascontiguousarray(filters[rng.integers(0, n, n)])  # exact duplicates too
    filters[rng.random(n) < 0.5] ^= _filters(rng, 1, 0.05)[0]
    keys = rng.integers(0, 3, n)
    order = np.lexsort((ref.bits(filters).sum(axis=1), keys))
    rows = _rows(filters).take(order)
    sorted_keys = keys[order]
    bounds = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1], True])
    blocks = np.array([[s, e, s, e] for s, e in zip(bounds[:-1], bounds[1:], strict=True)])
    got = dice_blocks(rows, rows, blocks, t, diagonal=0)
    expected = []
    for key in np.unique(keys):
        members = np.flatnonzero(keys == key)
        part = ref.threshold_pairs(filters[members], filters[members], t, upper_only=True)
        expected.append(type(part)(members[part.left], members[part.right], part.score))
    want = type(got).concat(expected).canonical()
    assert got.same_as(want)


def test_larger_than_one_tile_and_overflowing_buffers():
    """Many right rows (several cache tiles) and items with more hits than their buffer."""
    rng = np.random.default_rng(7)
    left = _filters(rng, 9, 0.3)
    right = np.ascontiguousarray(np.repeat(left, 700, axis=0))  # 700 exact copies of each
    right[::3] ^= _filters(rng, 1, 0.02)[0]
    got = dice_join(_rows(left), _rows(right), 0.9)
    assert got.same_as(ref.threshold_pairs(left, right, 0.9))
    assert len(got) > 9 * 64 * 4  # more than the first buffers held


def test_empty_filters_score_zero_and_bad_input_is_refused():
    empty = np.zeros((2, 16), dtype=np.uint64)
    assert len(dice_join(_rows(empty), _rows(empty), 0.5)) == 0
    assert dice_join(_rows(empty), _rows(empty), 0.0).score.tolist() == [0.0] * 4
    with pytest.raises(ValueError, match="threshold"):
        dice_join(_rows(empty), _rows(empty), 1.5)
    with pytest.raises(ValueError, match="uint64"):
        PackedRows.of(np.zeros((2, 8), dtype=np.uint64), np.zeros(2))
    with pytest.raises(ValueError, match="contiguous"):
        PackedRows.of(np.zeros((2, 32), dtype=np.uint64)[:, ::2], np.zeros(2))


def test_work_items_cover_blocks_exactly():
    blocks = np.array([[0, 150, 0, 10], [150, 150, 10, 20], [150, 160, 10, 12]])
    items = work_items(blocks, item_rows=64)
    assert items.tolist() == [
        [0, 64, 0, 10],
        [64, 128, 0, 10],
        [128, 150, 0, 10],
        [150, 160, 10, 12],
    ]


def test_popcount_intrinsics_count_bits_and_use_hardware_instructions():
    from numba import njit

    rng = np.random.default_rng(3)
    a = _filters(rng, 5, 0.5)
    b = _filters(rng, 2, 0.5)

    @njit
    def scalar(x):
        return popcount64(x)

    @njit
    def rows(a, b):
        return and_count_rows(a, 1, b, 1), and_count_4x1(a, 1, b, 0)

    assert scalar(np.uint64(2**64 - 1)) == 64
    one, four = rows(a, b)
    want = [int(ref.bits(a[r : r + 1] & b[0:1]).sum()) for r in range(1, 5)]
    assert one == int(ref.bits(a[1:2] & b[1:2]).sum())
    assert list(four) == want
    assert "popcnt" in scalar.inspect_asm(scalar.signatures[0])
    vector_asm = rows.inspect_asm(rows.signatures[0])
    assert "vpshufb" in vector_asm or "vpopcnt" in vector_asm or "popcnt" in vector_asm


def test_partial_4x1_counts_cover_their_quarters_of_the_row():
    from numba import njit

    rng = np.random.default_rng(4)
    a = _filters(rng, 6, 0.4)
    b = _filters(rng, 3, 0.4)

    @njit
    def parts(a, b):
        return (
            and_count_4x1_first_quarter(a, 2, b, 1),
            and_count_4x1_second_quarter(a, 2, b, 1),
            and_count_4x1_third_quarter(a, 2, b, 1),
            and_count_4x1_last_quarter(a, 2, b, 1),
            and_count_4x1_first_half(a, 2, b, 1),
        )

    first, second, third, last, half = parts(a, b)
    for quarter, counts in enumerate((first, second, third, last)):
        words = slice(4 * quarter, 4 * quarter + 4)
        want = [int(ref.bits(a[r : r + 1, words] & b[1:2, words]).sum()) for r in range(2, 6)]
        assert list(counts) == want
    assert list(half) == [f + s for f, s in zip(first, second, strict=True)]
