"""The spectral attack: diffused filters keep a sparse block of bit correlations per frequent
binary token, and the key join graph tells which block is sex.

The fast tests check the building blocks on planted data; the slow test runs the attack on the
default schema at 50,000 records (a fixed secret of the tests' own) and scores it against the
department's plaintext only afterwards.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from bloom import LinkageSecret
from bloom.attacks import MatcherView, PlainTable, run_harness
from bloom.attacks.context import AttackContext
from bloom.attacks.spectral import (
    _Side,
    agreement,
    class_pairs,
    correlations,
    key_kinds,
    sparse_components,
    standardised,
)
from bloom.diffusion import diffuse
from pprl_app.privacy_scenario import make_scenario


def _planted(n: int, rng: np.random.Generator, token: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Diffused filters (3 taps) of records holding a light binary token (2 positions per
    value) among random background tokens and positions that nearly every record sets (as
    the ID number's century and region digits do); and the latent. `token=False`: no token."""
    nbits = 1024
    male = rng.random(n) < 0.55
    bits = rng.random((n, nbits)) < 0.2
    bits[:, :300] |= rng.random((n, 300)) < 0.9
    if token:
        bits[:, 500:502] |= male[:, None]
        bits[:, 600:602] |= ~male[:, None]
    taps = np.sort(np.stack([rng.choice(nbits, 3, replace=False) for _ in range(nbits)]), axis=1)
    stored = diffuse(np.packbits(bits, axis=1), taps.astype(np.int64))
    return np.unpackbits(stored, axis=1).astype(bool), male


def test_a_light_binary_token_survives_diffusion_as_a_sparse_block():
    def best(token: bool) -> float:
        bits, male = _planted(10000, np.random.default_rng(3), token)
        z = standardised(bits)
        comps = sparse_components(correlations(z))
        return max(abs(np.corrcoef(z @ u.astype(np.float32), male)[0, 1]) for u in comps)

    assert best(True) > 0.6  # one component splits the records by the hidden token
    assert best(False) < 0.05  # without the token nothing tracks the latent


def test_class_pairs_leave_out_one_person_entered_twice():
    groups = np.array([0, 0, 0, 1, 1, -1, 2])
    person = np.array([5, 5, -1, 7, 8, -1, 9])
    pairs = {tuple(p) for p in class_pairs(groups, [person]).tolist()}
    assert pairs == {(0, 2), (1, 2), (3, 4)}
    s = np.array([1.0, 1.0, -1.0, -1.0, 1.0, 0.0, 0.0])
    together = np.array([[0, 1], [2, 3]] * 10)
    assert agreement(s, together) > 0.9
    assert agreement(s, np.array([[0, 2], [1, 3]] * 10)) < -0.9


RETIRED_V2 = Path(__file__).with_name("cn-identity-retired-v2.json")
SECRET = LinkageSecret.from_bytes(hashlib.sha256(b"spectral attack test").digest())


def _attacked(tmp_path, schema) -> tuple:
    sc = make_scenario(
        tmp_path, 50000, 50000, schema=schema, seed=31, reference_seed=32, secret=SECRET
    )
    report = run_harness(
        sc.encoded, sc.reference, sc.schema, truth=(sc.extract, sc.map_path, sc.columns),
        attacks=("spectral",),
    )  # fmt: skip
    return sc, report


@pytest.mark.slow
def test_spectral_attack_recovers_sex_from_the_first_hardened_schema(tmp_path):
    """The first hardened default (a 2-bit sex token under 3-tap diffusion, retired) at 50,000
    records: sex far above the baseline. The attack picks which side is male from a weak
    key-free cue, so the partition (right up to swapping the labels) is checked as well as the
    scored accuracy."""
    _, report = _attacked(tmp_path, RETIRED_V2)
    accuracy = report.accuracy["spectral"]["sex"]
    assert max(accuracy, 1 - accuracy) > 0.70, report.to_text()
    assert report.advantage("sex", "spectral") > 10, report.to_text()


@pytest.mark.slow
def test_the_default_leaves_no_sex_block_even_for_a_component_chosen_with_the_truth(tmp_path):
    """The default (no sex token) at 50,000 records: the attack is at the baseline, and even
    the sparse component that the department's own truth says is the most sex-like splits the
    records no better than guessing every record male."""
    sc, report = _attacked(tmp_path, "cn-identity")
    assert report.advantage("sex", "spectral") <= 1.0, report.to_text()
    view = MatcherView.of(sc.encoded)
    ctx = AttackContext(view, PlainTable(sc.reference, sc.schema), sc.schema)
    sex = sc.truth(tokens=view.tokens).attributes["sex"]
    known = np.array([s is not None for s in sex.tolist()])
    male = np.array([s == "M" for s in sex.tolist()])
    kinds = key_kinds(ctx.schema, [k.name for k in ctx.keys])
    llr, _, _ = _Side(view.bits, dict(ctx.groups), kinds).split(0.5, known=male.astype(float))
    right = float(((llr > 0) == male)[known].mean())
    baseline = max(male[known].mean(), 1 - male[known].mean())
    assert max(right, 1 - right) <= baseline + 0.01, (right, baseline)
