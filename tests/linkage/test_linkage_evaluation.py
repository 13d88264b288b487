"""Quality figures: counting true pairs with duplicates, and the edge cases of the ratios."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from linkage.evaluation import (
    count_true_pairs,
    evaluate,
    pairs_completeness,
    quality,
    reduction_ratio,
)
from pprl.errors import InputError


def test_true_pairs_count_every_record_combination_of_a_person():
    # p1: 2 records in A, 1 in B -> 2 pairs; p2: 1 x 3 -> 3; p3 only in A; p4 only in B
    a = np.array(["p1", "p1", "p2", "p3"])
    b = np.array(["p1", "p2", "p2", "p2", "p4"])
    assert count_true_pairs(a, b) == 5


def test_quality_figures():
    q = quality(np.array(["x", "y", "z"]), np.array(["x", "y", "w"]), true_pairs=4)
    assert (q.true_positives, q.false_positives, q.false_negatives) == (2, 1, 2)
    assert q.precision == pytest.approx(2 / 3) and q.recall == pytest.approx(0.5)
    assert q.f1 == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))
    empty = quality(np.array([]), np.array([]), true_pairs=3)
    assert empty.precision == 1.0 and empty.recall == 0.0 and empty.f1 == 0.0


def test_blocking_ratios():
    assert reduction_ratio(0, 10, 10) == 1.0 and reduction_ratio(100, 10, 10) == 0.0
    assert reduction_ratio(5, 0, 10) == 0.0
    found = (np.array([1, 2]), np.array([5, 6]))
    reference = (np.array([1, 2, 3, 1]), np.array([5, 6, 7, 5]))  # (1, 5) listed twice
    assert pairs_completeness(*found, *reference) == pytest.approx(2 / 3)
    assert pairs_completeness(*found, np.array([], int), np.array([], int)) == 1.0


def test_evaluate_on_tables_in_memory_and_names_the_table_of_a_bad_token():
    map_a = pa.table({"record_token": ["t1", "t2"], "record_id": ["r1", "r2"]})
    map_b = pa.table({"record_token": ["u1", "u2", "u3"], "record_id": ["s1", "s2", "s3"]})
    truth_a = pa.table({"record_id": ["r1", "r2"], "person_id": ["p1", "p2"]})
    truth_b = pa.table({"record_id": ["s1", "s2", "s3"], "person_id": ["p1", "p3", "p2"]})
    pairs = pa.table({"token_a": ["t1", "t2"], "token_b": ["u1", "u2"]})
    q = evaluate(pairs, map_a, map_b, truth_a, truth_b)
    assert (q.pairs, q.true_positives, q.false_positives, q.true_pairs) == (2, 1, 1, 2)
    unknown = pa.table({"token_a": ["t1", "t2"], "token_b": ["u1", "zz"]})
    names = {"pairs": "p.csv", "map_b": "b.map"}
    with pytest.raises(InputError) as caught:
        evaluate(unknown, map_a, map_b, truth_a, truth_b, names=names)
    assert str(caught.value) == "p.csv, row 2, field 'token_b': 'zz' not found in b.map"
    with pytest.raises(InputError, match="^pairs, row 2, field 'token_b': 'zz' not found in map_b"):
        evaluate(unknown, map_a, map_b, truth_a, truth_b)
