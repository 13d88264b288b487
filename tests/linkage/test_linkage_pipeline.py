"""Blocking, plans, executors and solvers against slow references and against each other."""

from __future__ import annotations

import linkage_reference as ref
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import linkage
from linkage.blocking import BlockingMethod, LSHOptions, lsh_keys
from linkage.candidates import CandidatePairs
from linkage.evaluation import pairs_completeness, reduction_ratio
from linkage.executor import LocalExecutor
from linkage.solvers import (
    RightDuplicates,
    cluster_labels,
    greedy_one_to_one,
    group_labels,
    many_to_one,
)
from linkage.testing import extract, linked_pair, population
from pprl.errors import IncompatibleEncodingsError, InputError


@pytest.fixture(scope="module")
def pair():
    return linked_pair(600, 500, 300, seed=11)


def _truth_hits(result, person_a, person_b):
    return int((person_a[result.pairs.left] == person_b[result.pairs.right]).sum())


def test_exhaustive_match_equals_reference_on_all_pairs(pair):
    a, b, *_ = pair
    result = linkage.match(a, b, 0.75, "exhaustive", "none")
    assert result.candidates.same_as(ref.threshold_pairs(a.filters, b.filters, 0.75))
    assert result.comparisons == len(a) * len(b)


def test_blocking_finds_a_subset_of_exhaustive_with_identical_scores(pair):
    """Blocking may lower recall, never precision: blocked pairs ⊆ exhaustive pairs."""
    a, b, person_a, person_b = pair
    full = linkage.match(a, b, 0.7, "exhaustive", "none").candidates
    index = {(x, y): s for x, y, s in zip(full.left, full.right, full.score, strict=True)}
    for method in ("keys", "lsh"):
        blocked = linkage.match(a, b, 0.7, method, "none")
        found = blocked.candidates
        assert all(
            index[(x, y)] == s for x, y, s in zip(found.left, found.right, found.score, strict=True)
        )
        assert blocked.comparisons < len(a) * len(b)
        completeness = pairs_completeness(found.left, found.right, full.left, full.right)
        assert 0.9 <= completeness <= 1.0
    assert reduction_ratio(1000, 100, 100) == pytest.approx(0.9)


def test_keys_blocking_unites_passes_without_repeats(pair):
    a, b, *_ = pair
    result = linkage.match(a, b, 0.6, "keys", "none")
    keys = set(zip(result.candidates.left.tolist(), result.candidates.right.tolist(), strict=True))
    assert len(keys) == len(result.candidates)
    # each pair is in a block of at least one pass
    for x, y in list(keys)[:200]:
        assert any(a.blocking[k][0][x] == b.blocking[k][0][y] for k in a.manifest.blocking_keys)


def test_greedy_solver_gives_one_to_one_links_with_high_quality(pair):
    a, b, person_a, person_b = pair
    result = linkage.match(a, b, 0.8, "keys", "greedy")
    assert len(set(result.pairs.left.tolist())) == len(result.pairs)
    assert len(set(result.pairs.right.tolist())) == len(result.pairs)
    hits = _truth_hits(result, person_a, person_b)
    assert hits / len(result.pairs) > 0.99 and hits / 300 > 0.8
    table = result.to_table()
    assert table.column_names == ["token_a", "token_b", "score", "probability"]
    assert table.column("token_a")[0].as_py() == a.tokens[int(result.pairs.left[0])].as_py()
    summary = result.summary()
    assert (summary["records_a"], summary["records_b"]) == (len(a), len(b))
    assert (summary["blocking"], summary["solver"]) == ("keys", "greedy")
    assert (summary["pairs"], summary["candidates"]) == (len(result.pairs), len(result.candidates))
    assert summary["reduction_ratio"] == reduction_ratio(result.comparisons, len(a), len(b))


def test_lsh_keys_are_the_sampled_bits():
    rng = np.random.default_rng(2)
    filters = rng.integers(0, 2**63, size=(5, 16), dtype=np.uint64)
    options = LSHOptions(bands=3, bits_per_band=7, seed=5)
    keys = lsh_keys(filters, options)
    for band, positions in enumerate(options.positions()):
        for row in range(5):
            bits = [(int(filters[row, p // 64]) >> (p % 64)) & 1 for p in positions]
            assert int(keys[band, row]) == int("".join(map(str, bits)), 2)


def test_incompatible_encodings_are_refused(pair):
    a, *_ = pair
    pop = population(10, 3)
    other = extract(pop, np.arange(10), 4)
    forged = type(other)(
        other.path,
        type(other.manifest)(**{**other.manifest.__dict__, "key_id": "another-key"}),
        other.tokens,
        other.filters,
        other.popcounts,
        other.blocking,
    )
    with pytest.raises(IncompatibleEncodingsError, match="different linkage secrets"):
        linkage.match(a, forged)


def test_unknown_options_and_missing_keys_are_clear_errors(pair):
    a, b, *_ = pair
    with pytest.raises(InputError, match="unknown BlockingMethod 'fast'"):
        linkage.match(a, b, 0.8, "fast")
    with pytest.raises(InputError, match="unknown Solver 'best'"):
        linkage.match(a, b, 0.8, "keys", "best")
    stripped = type(b)(b.path, b.manifest, b.tokens, b.filters, b.popcounts, {})
    with pytest.raises(InputError, match="share no blocking keys"):
        linkage.match(a, stripped, 0.8, BlockingMethod.KEYS)


def test_bad_arguments_to_the_api_are_input_errors(pair):
    a, b, *_ = pair
    with pytest.raises(InputError, match="threshold must be within"):
        linkage.match(a, b, 1.5)
    with pytest.raises(InputError, match="top_k must be at least 1"):
        linkage.match(a, b, 0.8, top_k=0)
    with pytest.raises(InputError, match="duplicates_at must be in"):
        linkage.match(a, b, 0.8, "keys", "many-to-one", duplicates_at=1.5)
    with pytest.raises(InputError, match="LSH needs"):
        LSHOptions(bands=0)
    with pytest.raises(InputError, match="at least two datasets"):
        linkage.link_groups([a])
    with pytest.raises(InputError, match="outside the datasets"):
        greedy_one_to_one(CandidatePairs.from_arrays([0], [5], [0.9]), 1, 1)
    with pytest.raises(InputError, match="at most 64 datasets"):
        group_labels(CandidatePairs.empty(), np.array([0, 64]))


def test_partitioning_does_not_change_results(pair):
    a, b, *_ = pair
    whole = linkage.match(a, b, 0.7, "keys", "greedy")
    pieces = linkage.match(a, b, 0.7, "keys", "greedy", executor=LocalExecutor(5000))
    assert whole.candidates.same_as(pieces.candidates) and whole.pairs.same_as(pieces.pairs)
    topk = linkage.match(a, b, 0.5, "keys", "none", top_k=2, executor=LocalExecutor(5000))
    all_pairs = linkage.match(a, b, 0.5, "keys", "none")
    assert topk.candidates.same_as(all_pairs.candidates.top_k_per_left(2))


pair_lists = st.lists(
    st.tuples(st.integers(0, 7), st.integers(0, 7), st.sampled_from([0.5, 0.7, 0.9, 1.0])),
    max_size=40,
)


@settings(max_examples=80, deadline=None)
@given(pair_lists)
def test_solvers_match_references(items):
    pairs = CandidatePairs.from_arrays(
        [i[0] for i in items], [i[1] for i in items], [i[2] for i in items]
    ).unique()
    assert greedy_one_to_one(pairs, 8, 8).same_as(ref.greedy_one_to_one(pairs))
    assert many_to_one(pairs, 8, 8).same_as(ref.many_to_one(pairs))
    assert np.array_equal(cluster_labels(pairs, 8), ref.components(8, pairs.left, pairs.right))


@settings(max_examples=60, deadline=None)
@given(pair_lists, st.integers(0, 2**32 - 1), st.sampled_from([0.5, 0.8, 1.0]))
def test_many_to_one_with_duplicates_matches_reference(items, seed, at):
    # Right rows are copies of three originals with a few bits flipped, so near-copies exist.
    rng = np.random.default_rng(seed)
    originals = rng.integers(0, 2**63, size=(3, 16), dtype=np.uint64)
    flips = (
        rng.integers(0, 2**63, size=(8, 16), dtype=np.uint64)
        & rng.integers(0, 2**63, size=(8, 16), dtype=np.uint64)
        & rng.integers(0, 2**63, size=(8, 16), dtype=np.uint64)
    )
    right = originals[rng.integers(0, 3, size=8)] ^ (
        flips * rng.integers(0, 2, size=(8, 1)).astype(np.uint64)
    )
    pops = np.unpackbits(right.view(np.uint8), axis=1).sum(axis=1)
    pairs = CandidatePairs.from_arrays(
        [i[0] for i in items], [i[1] for i in items], [i[2] for i in items]
    ).unique()
    fast = many_to_one(pairs, 8, 8, RightDuplicates(right, pops, at))
    assert fast.same_as(ref.many_to_one_with_duplicates(pairs, right, at))


def test_many_to_one_keeps_a_right_duplicate_of_the_best_record_only():
    base = np.random.default_rng(3).integers(0, 2**63, size=(1, 16), dtype=np.uint64)
    other = np.random.default_rng(4).integers(0, 2**63, size=(1, 16), dtype=np.uint64)
    near = base.copy()
    near[0, 0] ^= np.uint64(0xFF)  # 8 bits away: Dice with base is about 0.99
    right = np.concatenate([base, near, other])
    pops = np.unpackbits(right.view(np.uint8), axis=1).sum(axis=1)
    pairs = CandidatePairs.from_arrays([0, 0, 0], [0, 1, 2], [0.9, 0.85, 0.8])
    kept = many_to_one(pairs, 1, 3, RightDuplicates(right, pops, 0.8))
    assert kept.right.tolist() == [0, 1]  # the unrelated row 2 stays out
    assert many_to_one(pairs, 1, 3).right.tolist() == [0]
    with pytest.raises(InputError, match="right filters"):
        many_to_one(pairs, 1, 3, RightDuplicates(right[:2], pops[:2], 0.8))


def test_groups_never_hold_two_records_of_one_dataset():
    # rows 0-1 dataset 0, rows 2-3 dataset 1, rows 4-5 dataset 2
    source = np.array([0, 0, 1, 1, 2, 2])
    pairs = CandidatePairs.from_arrays(
        [0, 2, 1, 0, 3], [2, 4, 4, 3, 5], [0.99, 0.98, 0.97, 0.6, 0.9]
    )
    labels = group_labels(pairs, source)
    # 0-2-4 join first; 1-4 and 0-3 would put a second dataset-0 or dataset-1 row in a group
    assert labels.tolist() == [0, 1, 0, 3, 0, 3]
    for g in np.unique(labels):
        assert len(set(source[labels == g].tolist())) == (labels == g).sum()


def test_dedup_and_multiparty_on_simulated_data():
    pop = population(300, 21)
    persons = np.concatenate([np.arange(300), np.arange(50)])  # 50 people listed twice
    data = extract(pop, persons, 22)
    clusters = linkage.dedup(data, 0.8, "exhaustive")
    dup_rows = np.flatnonzero(
        np.bincount(clusters.labels, minlength=len(persons))[clusters.labels] > 1
    )
    assert set(persons[dup_rows].tolist()) <= set(range(50))
    assert len(dup_rows) >= 80
    table = clusters.to_table()
    assert table.num_rows == len(dup_rows)
    parts = [extract(pop, np.arange(k, 300, 1), 30 + k) for k in range(3)]
    groups = linkage.link_groups(parts, 0.8, "keys")
    for g in np.unique(groups.group):
        members = groups.group == g
        assert len(set(groups.dataset[members].tolist())) == members.sum()
    assert len(np.unique(groups.group)) >= 250
    table = groups.to_table(["x", "y", "z"])
    assert table.column_names == ["group", "dataset", "token"]
    members = zip(groups.dataset.tolist(), groups.row.tolist(), strict=True)
    assert table.column("token").to_pylist() == [parts[d].tokens[r].as_py() for d, r in members]
    assert table.column("dataset").to_pylist() == ["xyz"[d] for d in groups.dataset]
    numbers = np.asarray(table.column("group"))
    first = np.unique(numbers, return_index=True)[1]
    assert numbers[np.sort(first)].tolist() == list(range(1, len(first) + 1))  # listing order
    for g in np.unique(groups.group):
        assert len(np.unique(numbers[groups.group == g])) == 1
    assert len(np.unique(numbers)) == len(np.unique(groups.group))
    none = np.zeros(0, dtype=np.int64)
    empty = linkage.Groups(none, none, none, (parts[0].tokens, parts[1].tokens)).to_table()
    assert empty.num_rows == 0 and empty.column_names == ["group", "dataset", "token"]


def test_dedup_compares_each_unordered_pair_once_like_the_reference():
    pop = population(400, 8)
    persons = np.concatenate([np.arange(400), np.arange(0, 400, 3)])  # every third person twice
    data = extract(pop, persons, 9, token_error=0.15)
    want = ref.threshold_pairs(data.filters, data.filters, 0.6, upper_only=True)
    for executor in (LocalExecutor(), LocalExecutor(20_000)):  # slabs in separate partitions
        got = linkage.dedup(data, 0.6, "exhaustive", executor=executor)
        assert got.pairs.same_as(want)
    plan = linkage.plan_match(data, data, 0.6, "exhaustive", one_dataset=True)
    assert len(plan.partitions(20_000)) > 2


def test_cli_import_stays_light():
    import subprocess
    import sys

    code = "import sys, linkage.cli; print('numba' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "False"  # `pprl --help` does not load the kernels


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 6), st.integers(0, 1024), st.booleans()), max_size=60),
    st.sampled_from([0, 1 << 20, (1 << 63) + 5]),
)
def test_rows_are_grouped_by_key_with_popcounts_ascending(rows, offset):
    """The plan's one-sort grouping puts the same rows in each block as a two-key sort."""
    from linkage.plan import _grouped

    keys = np.array([offset + k for k, _, _ in rows], dtype=np.uint64)
    pops = np.array([p for _, p, _ in rows], dtype=np.uint16)
    valid = np.array([v for _, _, v in rows], dtype=bool)
    order, uniq, start, count = _grouped(keys, valid, pops)
    assert sorted(order.tolist()) == np.flatnonzero(valid).tolist()
    groups = {}
    for s, c in zip(start, count, strict=True):
        block = order[s : s + c]
        assert len(set(keys[block].tolist())) == 1  # keys here differ below the top 11 bits
        assert np.all(np.diff(pops[block].astype(int)) >= 0)
        groups[int(keys[block[0]])] = sorted(block.tolist())
    expected = {}
    for row in np.flatnonzero(valid):
        expected.setdefault(int(keys[row]), []).append(int(row))
    assert groups == expected
    assert len(uniq) == len(expected)


def test_keys_differing_only_in_their_top_bits_share_a_block():
    """Merging can only add comparisons: such keys land in one block, never split a key."""
    from linkage.plan import _grouped

    k = np.uint64(12345)
    keys = np.array([k, k | np.uint64(1 << 60), np.uint64(7)], dtype=np.uint64)
    order, uniq, start, count = _grouped(keys, np.ones(3, dtype=bool), np.array([5, 3, 4]))
    blocks = [sorted(order[s : s + c].tolist()) for s, c in zip(start, count, strict=True)]
    assert sorted(blocks) == [[0, 1], [2]]
