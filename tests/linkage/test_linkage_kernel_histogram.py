"""The sampled score histogram against the slow reference, on random inputs and blocks."""

from __future__ import annotations

import linkage_reference as ref
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from linkage.blocking import BlockingPass
from linkage.kernel import PackedRows, dice_join
from linkage.kernel_histogram import (
    ScoreHistogram,
    _sampled_counts,
    partner_ranges,
    sample_every,
    sampled,
    score_histogram,
)
from linkage.plan import build_plan


def _related(rng, n, m, density, noise):
    left = rng.random((n, 1024)) < density
    right = left[rng.integers(0, n, m)] ^ (rng.random((m, 1024)) < noise)
    pack = lambda b: np.ascontiguousarray(np.packbits(b, axis=1).view(np.uint64))  # noqa: E731
    return pack(left), pack(right)


def _rows(filters):
    return PackedRows.of(filters, ref.bits(filters).sum(axis=1))


def _passes(rng, n, m, count, keys):
    return [
        BlockingPass(
            f"k{i}",
            rng.integers(0, keys, n).astype(np.uint64),
            rng.random(n) < 0.9,
            rng.integers(0, keys, m).astype(np.uint64),
            rng.random(m) < 0.9,
        )
        for i in range(count)
    ]


cases = st.tuples(
    st.integers(0, 2**32 - 1),  # seed
    st.integers(1, 40),  # left rows
    st.integers(1, 40),  # right rows
    st.floats(0.05, 0.9),  # density
    st.floats(0.0, 0.5),  # noise
    st.integers(1, 3),  # blocking passes
    st.integers(1, 4),  # distinct keys
    st.floats(0.0, 0.9),  # lo
    st.floats(0.0, 1.0),  # hi above lo, as a share of the rest
    st.sampled_from([1, 2, 4]),  # sample 1 in this many rows
    st.sampled_from([7, 100, 200]),  # bins
)


@settings(max_examples=80, deadline=None)
@given(cases)
def test_sampled_counts_match_reference(case):
    seed, n, m, density, noise, count, keys, lo, share, every, bins = case
    rng = np.random.default_rng(seed)
    left, right = _related(rng, n, m, density, noise)
    hi = lo + (1.0 - lo) * share
    passes = _passes(rng, n, m, count, keys)
    a, b = _rows(left), _rows(right)
    plan = build_plan(passes, a.pops, b.pops, threshold=hi)
    rows = np.flatnonzero(sampled(np.arange(n, dtype=np.int64), every))
    starts, ranges, partners = partner_ranges(plan, rows)
    got = _sampled_counts(
        a.filters, a.pops, b.filters, b.pops, rows, starts, ranges, partners, lo, hi, bins
    ).sum(axis=0)
    assert np.array_equal(got, ref.sampled_counts(left, right, passes, rows, lo, hi, bins))


def test_unsampled_histogram_is_exact():
    rng = np.random.default_rng(5)
    left, right = _related(rng, 300, 200, 0.5, 0.3)
    a, b = _rows(left), _rows(right)
    one_key = BlockingPass(
        "all", np.zeros(300, np.uint64), np.ones(300, bool), np.zeros(200, np.uint64),
        np.ones(200, bool),
    )  # fmt: skip
    plan = build_plan([one_key], a.pops, b.pops, threshold=0.8)
    collected = dice_join(a, b, 0.8).score
    got = score_histogram(plan, a, b, collected, 0.4, bins=60)
    assert got.every == 1 and got.exact_from == 0.8
    every_score = ref.dice_matrix(left, right).ravel()
    assert np.array_equal(got.counts, ScoreHistogram.of_scores(every_score, 0.4, 60).counts)
    assert got.total == (every_score >= 0.4).sum()
    # At or above the floor nothing is sampled.
    assert score_histogram(plan, a, b, collected, 0.85, bins=60).every == 1


def test_sampling_estimates_the_counts():
    rng = np.random.default_rng(9)
    left, right = _related(rng, 5000, 400, 0.5, 0.35)
    a, b = _rows(left), _rows(right)
    one_key = BlockingPass(
        "all", np.zeros(5000, np.uint64), np.ones(5000, bool), np.zeros(400, np.uint64),
        np.ones(400, bool),
    )  # fmt: skip
    plan = build_plan([one_key], a.pops, b.pops, threshold=0.9)
    collected = dice_join(a, b, 0.9).score
    got = score_histogram(plan, a, b, collected, 0.3, bins=50, every=8)
    exact = ScoreHistogram.of_scores(ref.dice_matrix(left, right).ravel(), 0.3, 50)
    assert got.every == 8 and abs(got.total - exact.total) < 0.05 * exact.total
    above = got.edges[:-1] >= 0.9
    assert np.array_equal(got.counts[above], exact.counts[above])  # exact above the floor
    assert sample_every(1000) == 1 and sample_every(100_000) == 32
