"""The threshold a run chooses (`threshold="auto"`), its score model and match probabilities."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import linkage
from linkage.auto_threshold import (
    ChoiceMethod,
    _implied_pairs,
    choose_threshold,
    estimated_quality,
)
from linkage.candidates import CandidatePairs
from linkage.options import ThresholdRule, threshold_rule
from linkage.score_model import FitFailure, fit_scores
from linkage.testing import linked_pair
from pprl.errors import InputError


def _two_humps(rng, n_match=3000, n_non=2000):
    """Diffused-encoding-like scores: non-matches about 0.5, matches 0.6-1.0."""
    non = rng.beta(120, 120, n_non)
    match = 1.0 - rng.beta(2.0, 12.0, n_match) * 0.9
    return np.concatenate([match, non]), np.r_[np.ones(n_match), np.zeros(n_non)].astype(bool)


def test_the_mixture_finds_both_humps_and_calibrated_probabilities():
    rng = np.random.default_rng(5)
    scores, truth = _two_humps(rng)
    model = fit_scores(scores, floor=0.3, start=0.6, upper=0.75)
    assert model.nonmatch_mean() == pytest.approx(0.5, abs=0.01)
    in_window = scores < 0.75
    assert model.match_share * model.pairs == pytest.approx(truth[in_window].sum(), rel=0.1)
    p = model.probability(scores)
    assert np.all(np.diff(model.posterior) >= 0)  # never less likely at a higher score
    for lo, hi in ((0.0, 0.1), (0.1, 0.9), (0.9, 1.0)):
        inside = (p >= lo) & (p <= hi)
        if inside.sum() >= 30:  # predicted and observed share of matches agree
            assert abs(p[inside].mean() - truth[inside].mean()) < 0.1


def test_the_mixture_refuses_what_it_cannot_stand_behind():
    rng = np.random.default_rng(1)
    with pytest.raises(FitFailure, match="fewer than"):
        fit_scores(rng.uniform(0.4, 0.6, 20), 0.3, 0.6, 0.75)
    with pytest.raises(FitFailure, match="one hump|not apart"):
        fit_scores(rng.beta(120, 120, 5000), 0.3, 0.6, 0.75)


def _reference_implied_pairs(n, left, right):
    labels = list(range(n))
    out = []
    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        la, lb = labels[a], labels[b]
        if la != lb:
            labels = [la if x == lb else x for x in labels]
        sizes = np.bincount(labels, minlength=n)
        out.append(int((sizes * (sizes - 1) // 2).sum()))
    return out


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 12).flatmap(lambda n: st.tuples(st.just(n), st.lists(
    st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=30))))  # fmt: skip
def test_implied_pairs_equal_a_slow_reference(case):
    n, edges = case
    left = np.array([e[0] for e in edges], dtype=np.int64)
    right = np.array([e[1] for e in edges], dtype=np.int64)
    assert _implied_pairs(n, left, right).tolist() == _reference_implied_pairs(n, left, right)


def test_expected_quality_counts_probabilities_above_each_threshold():
    scores = np.array([0.9, 0.8, 0.6, 0.5])
    p = np.array([1.0, 1.0, 0.5, 0.0])
    q = estimated_quality(scores, p, np.array([0.55, 0.7, 0.95]))
    assert q.pairs.tolist() == [3, 2, 0]
    assert q.precision[:2] == pytest.approx([2.5 / 3, 1.0])
    assert q.recall[:2] == pytest.approx([1.0, 2 / 2.5])


def test_choice_falls_back_to_the_stated_threshold_and_says_why():
    choice = choose_threshold(np.array([0.9, 0.5]), np.array([0.9]), 0.6, 0.3)
    assert choice.method is ChoiceMethod.FALLBACK and choice.threshold == 0.6
    assert "fewer than" in choice.reason and "0.6" in choice.reason
    assert choice.probability(np.array([0.9])) is None


def test_choice_for_clusters_never_goes_below_its_bound():
    rng = np.random.default_rng(3)
    scores, _ = _two_humps(rng)
    edges = CandidatePairs.from_arrays(np.arange(len(scores)), np.arange(len(scores)), scores)
    choice = choose_threshold(scores, scores, 0.6, 0.3, lowest=0.7, clusters=(len(scores), edges))
    assert choice.method is ChoiceMethod.FITTED and choice.threshold >= 0.7
    assert "chaining" in choice.reason


def test_threshold_arguments_at_the_edge():
    assert threshold_rule("auto") is ThresholdRule.AUTO and threshold_rule(" AUTO ")
    assert threshold_rule("0.7") == 0.7 and threshold_rule(None) is None
    for bad in ("high", 1.5, "-0.1"):
        with pytest.raises(InputError):
            threshold_rule(bad)


@pytest.fixture(scope="module")
def pair():
    return linked_pair(1500, 1200, 700, seed=21)


def test_auto_is_the_default_and_a_number_still_overrides(pair):
    a, b, person_a, person_b = pair
    auto = linkage.match(a, b)
    assert auto.choice.method in (ChoiceMethod.FITTED, ChoiceMethod.FALLBACK)
    assert auto.summary()["threshold_choice"]["threshold"] == auto.threshold
    assert linkage.match(a, b, "auto").pairs.same_as(auto.pairs)
    given_ = linkage.match(a, b, 0.8)
    assert given_.threshold == 0.8 and given_.choice.method is ChoiceMethod.GIVEN
    assert given_.pairs.score.min() >= 0.8
    stated = linkage.match(a, b, None)  # the encoding's stated threshold, else the default
    assert stated.threshold == linkage.DEFAULT_THRESHOLD


def test_probabilities_ride_beside_the_scores(pair):
    a, b, person_a, person_b = pair
    result = linkage.match(a, b, blocking="exhaustive")
    table = result.to_table()
    assert table.column_names == ["token_a", "token_b", "score", "probability"]
    if result.choice.model is None:
        assert table.column("probability").null_count == table.num_rows
        return
    p = table.column("probability").to_numpy()
    assert np.all((p >= 0) & (p <= 1))
    order = np.argsort(result.pairs.score)
    assert np.all(np.diff(p[order]) >= -1e-12)  # monotone in the score
    review = result.review_table()
    assert review.column_names[-1] == "linked"
    q = review.column("probability").to_numpy()
    assert np.all((q >= 0.1) & (q <= 0.9))
    assert result.summary()["review_band"]["pairs"] == review.num_rows


def test_dedup_and_groups_record_their_choice(pair):
    a, b, *_ = pair
    clusters = linkage.dedup(b)
    assert clusters.choice is not None and clusters.threshold == clusters.choice.threshold
    assert clusters.threshold >= linkage.DEFAULT_DEDUP_THRESHOLD - 0.05
    groups = linkage.link_groups([a, b])
    assert groups.choice.threshold >= linkage.DEFAULT_THRESHOLD - 0.05


def _one_hump(rng, n_match=3000, n_unrelated=8):
    """Selective blocking keys: a wide match hump (0.45-1.0) and a handful of unrelated pairs
    at the level of random pairs (diffused filters: about 0.5)."""
    match = 0.45 + 0.55 * rng.beta(2.2, 1.2, n_match)
    unrelated = rng.normal(0.48, 0.02, n_unrelated)
    return np.concatenate([match, unrelated]), rng.normal(0.48, 0.02, 20_000)


def test_one_hump_is_not_split_in_two_and_random_pairs_shape_the_non_matches():
    from linkage.score_model import OneHump, fit_over_unrelated

    rng = np.random.default_rng(3)
    scores, unrelated = _one_hump(rng)
    with pytest.raises(OneHump, match="do not dip"):
        fit_scores(scores, floor=0.3, start=0.6, upper=0.75)
    model = fit_over_unrelated(scores, unrelated, floor=0.3, upper=0.75)
    assert model.nonmatch_from == "random pairs"
    assert (1 - model.match_share) * model.pairs < 30  # the handful, not half the hump
    assert model.probability(np.array([0.6]))[0] > 0.99
    choice = choose_threshold(scores, scores, 0.6, 0.3, unrelated=unrelated)
    assert choice.method is ChoiceMethod.FITTED and "one hump" in choice.reason
    assert choice.threshold < 0.55  # keeps the low matches that the stated 0.6 would lose
    edges = CandidatePairs(np.arange(len(scores)), np.arange(len(scores)) + len(scores), scores)
    clusters = (2 * len(scores), edges.canonical())
    bounded = choose_threshold(scores, scores, 0.6, 0.3, lowest=0.55, clusters=clusters,
                               unrelated=unrelated)  # fmt: skip
    assert bounded.threshold < 0.55  # the two-hump bound does not apply to one hump


def test_a_hump_at_the_level_of_random_pairs_is_not_taken_for_matches():
    from linkage.score_model import fit_over_unrelated

    rng = np.random.default_rng(4)
    namesakes = rng.normal(0.5, 0.025, 3000)  # pairs that share a key, all different people
    with pytest.raises(FitFailure, match="level of random pairs"):
        fit_over_unrelated(namesakes, rng.normal(0.49, 0.02, 20_000), 0.3, 0.75)
    choice = choose_threshold(
        namesakes, namesakes, 0.6, 0.3, unrelated=rng.normal(0.49, 0.02, 20_000)
    )
    assert choice.method is ChoiceMethod.FALLBACK and choice.threshold == 0.6


def test_unrelated_scores_equal_a_slow_reference():
    from linkage.unrelated import unrelated_scores

    rng = np.random.default_rng(8)
    a = rng.integers(0, 2**63, size=(40, 16), dtype=np.uint64)
    b = rng.integers(0, 2**63, size=(30, 16), dtype=np.uint64)
    pops_a = np.array([sum(bin(int(w)).count("1") for w in row) for row in a])
    pops_b = np.array([sum(bin(int(w)).count("1") for w in row) for row in b])
    got = unrelated_scores(a, pops_a, b, pops_b, np.random.default_rng(1), pairs=50)
    draw = np.random.default_rng(1)
    i, j = draw.integers(0, 40, 50), draw.integers(0, 30, 50)
    for k, (x, y) in enumerate(zip(i.tolist(), j.tolist(), strict=True)):
        common = sum(bin(int(p) & int(q)).count("1") for p, q in zip(a[x], b[y], strict=True))
        assert got[k] == pytest.approx(2 * common / (pops_a[x] + pops_b[y]))
    same = unrelated_scores(a, pops_a, a, pops_a, np.random.default_rng(2), 500, same_dataset=True)
    assert len(same) < 500 and np.all(same < 1.0)  # never a record with itself


def test_a_lower_hump_far_above_random_pairs_is_the_low_side_of_the_matches():
    rng = np.random.default_rng(6)
    unrelated = rng.normal(0.48, 0.02, 20_000)
    matches = np.concatenate([rng.normal(0.64, 0.03, 300), rng.normal(0.85, 0.04, 600)])
    far = choose_threshold(matches, matches, 0.6, 0.3, unrelated=unrelated)
    assert "one hump" in far.reason and far.threshold <= matches.min()  # every pair kept
    near_scores, _ = _two_humps(rng)  # the lower hump at about 0.5: namesakes, kept apart
    near = choose_threshold(near_scores, near_scores, 0.6, 0.3, unrelated=unrelated)
    assert near.method is ChoiceMethod.FITTED and "one hump" not in near.reason
