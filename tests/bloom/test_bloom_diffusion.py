"""The diffusion layer against a slow reference, and what it keeps of similarity."""

from __future__ import annotations

import json
from importlib import resources

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bloom import LinkageSecret
from bloom.diffusion import diffuse, diffusion_taps
from bloom.schema import load_schema, parse_schema
from pprl.errors import SchemaError


def diffuse_reference(bits: np.ndarray, taps: np.ndarray) -> np.ndarray:
    """Bit by bit in plain Python: output bit j is the XOR of the filter's bits at taps[j]."""
    dense = np.unpackbits(bits, axis=1)
    out = np.zeros_like(dense)
    for i in range(dense.shape[0]):
        for j in range(dense.shape[1]):
            value = 0
            for position in taps[j]:
                value ^= int(dense[i, position])
            out[i, j] = value
    return np.packbits(out, axis=1)


@settings(max_examples=25, deadline=None)
@given(
    rows=st.integers(0, 5),
    nbytes=st.sampled_from([1, 4, 16]),
    ntaps=st.integers(2, 5),
    seed=st.integers(0, 2**32 - 1),
)
def test_the_kernel_equals_the_reference(rows, nbytes, ntaps, seed):
    rng = np.random.default_rng(seed)
    bits = rng.integers(0, 256, size=(rows, nbytes), dtype=np.uint8)
    taps = np.stack([rng.choice(nbytes * 8, ntaps, replace=False) for _ in range(nbytes * 8)])
    assert np.array_equal(diffuse(bits, taps), diffuse_reference(bits, taps))


def test_taps_are_keyed_distinct_and_reproducible():
    one, other = LinkageSecret.generate(), LinkageSecret.generate()
    taps = diffusion_taps(one, b"info", 1024, 3)
    assert taps.shape == (1024, 3)
    assert all(len(set(row)) == 3 for row in taps.tolist())
    assert np.array_equal(taps, diffusion_taps(one, b"info", 1024, 3))
    assert not np.array_equal(taps, diffusion_taps(other, b"info", 1024, 3))
    assert not np.array_equal(taps, diffusion_taps(one, b"other", 1024, 3))


def test_similar_filters_stay_similar_and_density_nears_half():
    rng = np.random.default_rng(7)
    dense = (rng.random((200, 1024)) < 0.3).astype(np.uint8)
    near = dense.copy()
    flip = rng.random(dense.shape) < 0.02  # 2% of bits differ: a near-copy
    near[flip] ^= 1
    taps = diffusion_taps(LinkageSecret.generate(), b"t", 1024, 3)
    a = np.unpackbits(diffuse(np.packbits(dense, axis=1), taps), axis=1)
    b = np.unpackbits(diffuse(np.packbits(near, axis=1), taps), axis=1)
    c = np.unpackbits(diffuse(np.packbits(dense[::-1], axis=1), taps), axis=1)
    # an output bit is set when an odd number of its three taps are: (1 - (1 - 2p)^3) / 2
    assert abs(a.mean() - (1 - (1 - 2 * 0.3) ** 3) / 2) < 0.01

    def dice(x, y):
        return 2 * (x & y).sum(1) / (x.sum(1) + y.sum(1))

    assert dice(a, b).mean() > 0.9  # near-copies
    assert abs(dice(a, c).mean() - 0.5) < 0.05  # unrelated records


def test_schema_diffusion_is_checked_and_leaves_other_fingerprints_alone():
    base = load_schema("cn-identity")
    data = json.loads(resources.files("bloom").joinpath("schemas/cn-identity.json").read_text())
    bad = {**data, "hardening": {**data["hardening"], "diffusion": {"taps": 1}}}
    with pytest.raises(SchemaError, match="diffusion.taps"):
        parse_schema(bad)
    good = {**data, "hardening": {**data["hardening"], "diffusion": {"taps": 5}}}
    diffused = parse_schema(good)
    assert diffused.hardening.diffusion.taps == 5
    assert diffused.fingerprint != base.fingerprint
    assert "diffused" in diffused.hardening.describe()
    plain = {k: v for k, v in data.items() if k != "match_threshold"}
    plain["hardening"] = {k: v for k, v in data["hardening"].items() if k != "diffusion"}
    unhardened = parse_schema(plain)
    # a schema without the options keeps the canonical form it always had
    assert "diffusion" not in unhardened.canonical()["hardening"]
    assert "match_threshold" not in unhardened.canonical()
