"""The encoded-dataset format: round trip, zero-copy filters, and refusal of damaged files."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pyarrow.parquet as pq
import pytest

from pprl.encoded import (
    FILTER_BYTES,
    FORMAT_VERSION,
    Manifest,
    build_table,
    content_hash,
    read_encoded,
    write_encoded,
)
from pprl.errors import EncodedFormatError, IncompatibleEncodingsError


def _dataset(n: int = 50, seed: int = 1):
    rng = np.random.default_rng(seed)
    clks = rng.integers(0, 256, size=(n, FILTER_BYTES), dtype=np.uint8)
    tokens = [f"{i:032x}" for i in rng.integers(0, 2**62, size=n)]
    values = rng.integers(0, 2**63, size=n, dtype=np.uint64)
    valid = rng.random(n) > 0.2
    table = build_table(tokens, clks, {"yob_sex": (values, valid)})
    manifest = Manifest(
        schema_fingerprint="f" * 64,
        key_id="k1",
        record_count=n,
        content_hash=content_hash(table),
        blocking_keys=("yob_sex",),
    )
    return table, manifest, clks, values, valid


def test_round_trip_keeps_bits_popcounts_and_blocking(tmp_path):
    table, manifest, clks, values, valid = _dataset()
    path = tmp_path / "a.parquet"
    write_encoded(path, table, manifest)
    ds = read_encoded(path)
    assert ds.manifest == manifest
    assert ds.filters.shape == (50, 16) and ds.filters.dtype == np.uint64
    assert np.array_equal(ds.filters.view(np.uint8).reshape(50, FILTER_BYTES), clks)
    expected_pop = np.unpackbits(clks, axis=1).sum(axis=1)
    assert np.array_equal(ds.popcounts, expected_pop)
    got_values, got_valid = ds.blocking["yob_sex"]
    assert np.array_equal(got_valid, valid)
    assert np.array_equal(got_values[valid], values[valid])


def test_tampered_content_is_refused(tmp_path):
    table, manifest, *_ = _dataset()
    path = tmp_path / "a.parquet"
    other, *_ = _dataset(seed=2)
    write_encoded(path, other, manifest)  # someone else's rows under this manifest
    with pytest.raises(EncodedFormatError, match="content hash"):
        read_encoded(path)


def test_plain_parquet_is_not_an_encoded_dataset(tmp_path):
    table, *_ = _dataset()
    path = tmp_path / "plain.parquet"
    pq.write_table(table, path)
    with pytest.raises(EncodedFormatError, match="no pprl manifest"):
        read_encoded(path)


def test_missing_file_names_the_file(tmp_path):
    with pytest.raises(EncodedFormatError, match="missing.parquet: no such file"):
        read_encoded(tmp_path / "missing.parquet")


def test_manifests_with_different_fingerprint_or_key_are_incompatible():
    _, manifest, *_ = _dataset()
    other_schema = Manifest(**{**manifest.__dict__, "schema_fingerprint": "0" * 64})
    other_key = Manifest(**{**manifest.__dict__, "key_id": "k2"})
    manifest.check_compatible(manifest)
    with pytest.raises(IncompatibleEncodingsError, match="different schemas"):
        manifest.check_compatible(other_schema)
    with pytest.raises(IncompatibleEncodingsError, match="different linkage secrets"):
        manifest.check_compatible(other_key)


@pytest.mark.parametrize("bad", ["110101199003078515", "张伟", "ABCDEF" * 5 + "AB", ""])
def test_tokens_that_are_not_opaque_hex_are_refused_naming_the_row(tmp_path, bad):
    table, manifest, clks, values, valid = _dataset(n=5)
    tokens = table.column("record_token").to_pylist()
    tokens[3] = bad
    forged = build_table(tokens, clks, {"yob_sex": (values, valid)})
    with pytest.raises(EncodedFormatError, match="row 3, field 'record_token'"):
        content_hash(forged)
    path = tmp_path / "forged.parquet"
    write_encoded(path, forged, manifest)
    with pytest.raises(EncodedFormatError, match="forged.parquet, row 3, field 'record_token'"):
        read_encoded(path, verify=False)


def test_a_newer_format_version_is_refused_naming_the_file_and_both_versions(tmp_path):
    table, manifest, *_ = _dataset()
    path = tmp_path / "newer.parquet"
    write_encoded(path, table, dataclasses.replace(manifest, format_version=FORMAT_VERSION + 1))
    with pytest.raises(EncodedFormatError) as info:
        read_encoded(path)
    assert str(info.value) == (
        f"{path}: encoded format version {FORMAT_VERSION + 1} found, this engine reads version "
        f"{FORMAT_VERSION}; a newer engine wrote this file"
    )
    assert info.value.path == str(path)


@pytest.mark.parametrize(
    "found, shown",
    [
        (0, "version 0 found"),
        ("1", "not a number (str)"),
        (True, "not a number (bool)"),
        (None, "(NoneType)"),
    ],
)
def test_unknown_format_versions_are_refused(tmp_path, found, shown):
    table, manifest, *_ = _dataset(n=3)
    path = tmp_path / "odd.parquet"
    write_encoded(path, table, dataclasses.replace(manifest, format_version=found))
    with pytest.raises(EncodedFormatError, match=rf"odd\.parquet: .*{re.escape(shown)}"):
        read_encoded(path, verify=False)


def test_a_manifest_sent_alone_is_checked_too():
    _, manifest, *_ = _dataset(n=3)
    assert Manifest.from_json(manifest.to_json()) == manifest
    newer = dataclasses.replace(manifest, format_version=FORMAT_VERSION + 1)
    with pytest.raises(EncodedFormatError, match="a newer engine wrote this file"):
        Manifest.from_json(newer.to_json())


def test_encodings_under_a_retired_schema_are_refused_with_the_reason():
    import dataclasses

    from pprl.encoded import RETIRED_SCHEMAS, Manifest

    retired = next(iter(RETIRED_SCHEMAS))
    fresh = Manifest(
        schema_fingerprint="f" * 64,
        key_id="k",
        record_count=0,
        content_hash="h",
        blocking_keys=(),
    )
    old = dataclasses.replace(fresh, schema_fingerprint=retired)
    for a, b in ((old, old), (old, fresh), (fresh, old)):
        with pytest.raises(IncompatibleEncodingsError, match="before hardening.*re-encode"):
            a.check_compatible(b)
    fresh.check_compatible(fresh)


@pytest.mark.parametrize(
    ("copy", "reason"),
    [
        ("cn-identity-retired-v1.json", "before hardening"),
        ("cn-identity-retired-v2.json", "first hardened.*sex token"),
    ],
)
def test_every_retired_default_is_refused_by_its_own_fingerprint(copy, reason):
    """The kept copies of the retired defaults: their fingerprints are the retired ones, so an
    encoding made with either is refused with its reason."""
    import dataclasses
    from pathlib import Path

    from bloom.schema import load_schema
    from pprl.encoded import Manifest

    schema = load_schema(Path(__file__).parent / "attacks" / copy)
    assert schema.fingerprint != load_schema("cn-identity").fingerprint
    made = Manifest(
        schema_fingerprint=schema.fingerprint,
        key_id="k",
        record_count=0,
        content_hash="h",
        blocking_keys=(),
    )
    fresh = dataclasses.replace(made, schema_fingerprint=load_schema("cn-identity").fingerprint)
    with pytest.raises(IncompatibleEncodingsError, match=f"{reason}.*re-encode"):
        made.check_compatible(fresh)
