"""The privacy attacks succeed against weak encodings and get nothing from random filters.

Populations come from `pprl_synthetic`; the reference is another sample (another seed) of
the same generator; encodings use a fresh secret. Sizes stay small (a few thousand records).
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from bloom import LinkageSecret
from bloom.attacks import MatcherView, PlainTable, run_harness
from bloom.attacks.align import (
    components,
    linear_assignment,
    qap_objective,
    qap_refine,
    rank_align,
)
from bloom.attacks.context import AttackContext
from bloom.attacks.frequency import frequency_attack
from bloom.attacks.patterns import pattern_attack
from pprl_app.privacy_scenario import make_scenario

# The cn-identity schema before hardening, kept to show what the attacks recover from it.
RETIRED = Path(__file__).with_name("cn-identity-retired-v1.json")

# Deliberately weak: heavy unhardened value tokens for sex and year, exact (year, sex) keys.
WEAK = {
    "schema_version": 1,
    "name": "weak-test",
    "filter_bits": 1024,
    "fields": [
        {"name": "name", "type": "chinese_name", "features": [
            {"tokens": "char_qgrams", "q": 1, "bits_per_token": 20},
            {"tokens": "pinyin_syllables", "bits_per_token": 10}]},
        {"name": "id_number", "type": "cn_id", "features": [
            {"tokens": "positional_chars", "bits_per_token": 3}]},
        {"name": "sex", "type": "sex", "derive_from": "id_number",
         "features": [{"tokens": "value", "bits_per_token": 20}]},
        {"name": "birth_date", "type": "date", "derive_from": "id_number",
         "features": [{"tokens": "date_parts", "bits_per_token": 20}]},
    ],
    "require_any": ["name", "id_number"],
    "blocking": [
        {"name": "yob_sex", "parts": [{"field": "birth_date", "part": "year"},
                                      {"field": "sex", "part": "value"}]},
        {"name": "surname_yob", "parts": [{"field": "name", "part": "surname_pinyin"},
                                          {"field": "birth_date", "part": "year"}]},
        {"name": "name_reading", "parts": [{"field": "name", "part": "reading"}]},
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def weak(tmp_path_factory):
    path = tmp_path_factory.mktemp("weak")
    schema = path / "weak.json"
    schema.write_text(json.dumps(WEAK), encoding="utf-8")
    # A secret of the tests' own (never the matcher's), fixed so that the run is reproducible.
    secret = LinkageSecret.from_bytes(hashlib.sha256(b"attack tests").digest())
    return make_scenario(
        path / "data", 4000, 12000, schema=schema, seed=11, reference_seed=12, secret=secret
    )


@pytest.fixture(scope="module")
def weak_context(weak):
    view = MatcherView.of(weak.encoded)
    return AttackContext(view, PlainTable(weak.reference, weak.schema), weak.schema), view


def _accuracy(guess, truth):
    known = [t is not None for t in truth.tolist()]
    hits = [g is not None and g == t for g, t in zip(guess.tolist(), truth.tolist(), strict=True)]
    return sum(hits) / max(sum(known), 1)


def _baseline(reference, truth):
    value = Counter(v for v in reference.tolist() if v is not None).most_common(1)[0][0]
    return _accuracy(np.full(len(truth), value, dtype=object), truth)


def test_joined_keys_give_the_exact_year_partition(weak, weak_context):
    ctx, view = weak_context
    years = weak.truth(view.tokens).attributes["birth_year"]
    classes = ctx.year_classes
    pure = sum(
        len({years[i] for i in np.flatnonzero(classes == c)}) == 1
        for c in range(int(classes.max()) + 1)
    )
    assert pure == int(classes.max()) + 1
    assert (classes >= 0).mean() > 0.97


def test_frequency_alignment_recovers_sex_far_above_baseline(weak, weak_context):
    ctx, view = weak_context
    truth = weak.truth(view.tokens).attributes
    result = frequency_attack(ctx)
    sex = _accuracy(result.guesses["sex"], truth["sex"])
    assert sex > _baseline(ctx.ref_attr["sex"], truth["sex"]) + 0.10
    year = _accuracy(result.guesses["birth_year"], truth["birth_year"])
    assert year > _baseline(ctx.ref_attr["birth_year"], truth["birth_year"])


def test_pattern_mining_recovers_the_sex_token_years_and_surnames(weak, weak_context):
    ctx, view = weak_context
    truth = weak.truth(view.tokens).attributes
    result = pattern_attack(ctx)
    assert min(result.notes["sex_pattern_bits"]) >= 17  # 20 positions, a few shared by both
    assert _accuracy(result.guesses["sex"], truth["sex"]) > 0.98
    year = _accuracy(result.guesses["birth_year"], truth["birth_year"])
    assert year > _baseline(ctx.ref_attr["birth_year"], truth["birth_year"]) + 0.01
    surname = _accuracy(result.guesses["surname"], truth["surname"])
    assert surname > _baseline(ctx.ref_attr["surname"], truth["surname"]) + 0.03


def test_harness_report_on_the_retired_default_schema(tmp_path):
    """The cn-identity schema before hardening: the harness finds what it gave away."""
    sc = make_scenario(tmp_path, 2500, 5000, schema=RETIRED, seed=21, reference_seed=22)
    report = run_harness(
        sc.encoded, sc.reference, sc.schema, truth=(sc.extract, sc.map_path, sc.columns),
        graph_nodes=500,
    )  # fmt: skip
    data = report.to_dict()
    assert set(data["attributes"]) >= {"sex", "birth_year", "surname", "full_name", "id_number"}
    assert data["attributes"]["sex"]["advantage_pp"] > 20
    assert "bk_yob_sex" in report.to_text() and "| sex |" in report.to_markdown()
    json.dumps(data)  # the CLI can print it as JSON


def test_the_default_schema_gives_the_harness_about_nothing(tmp_path):
    """At a test's size the baseline itself moves by a point or two, so 3 points here; the
    slow test below holds the default to 1 point at 20,000 records. A fixed secret: with a
    fresh one each run the surname figure moved by chance past 3 points (3.15) once."""
    secret = LinkageSecret.from_bytes(hashlib.sha256(b"default schema, test size").digest())
    sc = make_scenario(tmp_path, 2500, 5000, seed=21, reference_seed=22, secret=secret)
    report = run_harness(
        sc.encoded, sc.reference, sc.schema, truth=(sc.extract, sc.map_path, sc.columns),
        graph_nodes=500,
    )  # fmt: skip
    for attribute in report.to_dict()["attributes"]:
        assert report.advantage(attribute) <= 3.0, (attribute, report.to_text())
    assert report.reidentified["best"] == 0


def test_random_filters_and_keys_give_about_the_baseline(weak, weak_context):
    """The scoring can fail: with the structure destroyed, the attacks are at the baseline."""
    ctx, view = weak_context
    rng = np.random.default_rng(5)
    n = len(view)
    clks = rng.integers(0, 256, size=view.filters.shape, dtype=np.uint8)
    blocking = {
        k: (rng.integers(0, 2**63, size=n).astype(np.uint64), np.ones(n, dtype=bool))
        for k in view.blocking
    }
    random_view = MatcherView.from_arrays(clks, blocking)
    random_view = MatcherView(view.tokens, random_view.filters, random_view.popcounts, blocking)
    truth = weak.truth(view.tokens)
    report = run_harness(random_view, ctx.ref, weak.schema, truth=truth, graph_nodes=500)
    for attribute in ("sex", "birth_year", "surname", "full_name"):
        assert report.advantage(attribute) < 3.0, (attribute, report.to_text())


def test_components_and_rank_alignment():
    a = np.array([0, 0, 1, -1, 2, 2])
    b = np.array([5, -1, 5, 7, -1, -1])
    assert components([a, b], 6).tolist() == [0, 0, 0, 1, 2, 2]
    assert rank_align(np.array([3, 10, 5]), np.array([100, 40, 7, 1])).tolist() == [2, 0, 1]


def test_linear_assignment_against_brute_force():
    rng = np.random.default_rng(1)
    for _ in range(100):
        n, m = int(rng.integers(1, 5)), int(rng.integers(1, 6))
        cost = rng.random((n, m))
        got = linear_assignment(cost)
        total = sum(cost[i, got[i]] for i in range(n) if got[i] >= 0)
        if n <= m:
            best = min(sum(cost[i, p[i]] for i in range(n))
                       for p in itertools.permutations(range(m), n))  # fmt: skip
        else:
            best = min(sum(cost[p[j], j] for j in range(m))
                       for p in itertools.permutations(range(n), m))  # fmt: skip
        assert abs(total - best) < 1e-9


def test_qap_refine_never_worsens_and_finds_a_planted_labelling():
    rng = np.random.default_rng(2)
    n = 8
    b = rng.random((n, n))
    b = b + b.T
    np.fill_diagonal(b, 0)
    truth = rng.permutation(n)
    a = b[np.ix_(truth, truth)]
    c = np.zeros((n, n))
    start = np.arange(n)
    found = qap_refine(a, b, c, start)
    assert qap_objective(a, b, c, found, 1.0) >= qap_objective(a, b, c, start, 1.0)
    assert qap_objective(a, b, c, found, 1.0) == pytest.approx(qap_objective(a, b, c, truth, 1.0))


def test_the_attacks_never_see_a_secret_or_the_map():
    import inspect

    from bloom.attacks import frequency, patterns, signatures, spectral

    for module in (frequency, patterns, signatures, spectral):
        source = inspect.getsource(module)
        assert "LinkageSecret" not in source and "map.parquet" not in source


@pytest.mark.slow
def test_retired_default_schema_at_20000_records(tmp_path):
    """The retired cn-identity encoding at a size where the frequencies settle."""
    sc = make_scenario(tmp_path, 20000, 20000, schema=RETIRED, seed=31, reference_seed=32)
    report = run_harness(
        sc.encoded, sc.reference, sc.schema, truth=(sc.extract, sc.map_path, sc.columns)
    )
    assert report.accuracy["pattern mining"]["sex"] > 0.99
    assert report.advantage("birth_year", "pattern mining") > 20
    assert report.advantage("surname") > 5  # 8-28 points with the secrets tried
    assert report.accuracy["frequency alignment"]["sex"] > 0.75


@pytest.mark.slow
def test_default_schema_at_20000_records(tmp_path):
    """The default against every attack of the harness: each advantage at most 1 point,
    nobody re-identified (the spectral attack at 50,000 records: tests/attacks/test_spectral.py)."""
    sc = make_scenario(tmp_path, 20000, 20000, seed=31, reference_seed=32)
    report = run_harness(
        sc.encoded, sc.reference, sc.schema, truth=(sc.extract, sc.map_path, sc.columns)
    )
    for attribute in report.to_dict()["attributes"]:
        assert report.advantage(attribute) <= 1.0, (attribute, report.to_text())
    assert report.reidentified["best"] == 0
