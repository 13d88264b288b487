"""Loading encodings for matching: Parquet, memory-mapped Arrow IPC, and refusals."""

from __future__ import annotations

import numpy as np
import pytest

import linkage
from linkage.store import save_arrow
from linkage.testing import extract, population
from pprl.encoded import write_encoded
from pprl.errors import EncodedFormatError, IncompatibleEncodingsError


def _parquet(tmp_path, name="a", key_id=None):
    data = extract(population(50, 1), np.arange(50), 2)
    from pprl.encoded import build_table, content_hash

    table = build_table(data.tokens.to_pylist(), data.filters.view(np.uint8), dict(data.blocking))
    manifest = data.manifest
    if key_id:
        manifest = type(manifest)(**{**manifest.__dict__, "key_id": key_id})
    manifest = type(manifest)(**{**manifest.__dict__, "content_hash": content_hash(table)})
    path = tmp_path / f"{name}.parquet"
    write_encoded(path, table, manifest)
    return path, data


def test_parquet_and_arrow_load_the_same_rows(tmp_path):
    path, data = _parquet(tmp_path)
    from_parquet = linkage.load(path)
    assert np.array_equal(from_parquet.filters, data.filters)
    save_arrow(from_parquet, tmp_path / "a.arrow")
    mapped = linkage.load(tmp_path / "a.arrow")
    assert np.array_equal(mapped.filters, data.filters)
    assert np.array_equal(mapped.popcounts, data.popcounts)
    assert mapped.filters.dtype == np.uint64 and mapped.filters.flags.c_contiguous
    assert not mapped.filters.flags.owndata  # a view of the Arrow buffer, not a copy
    result = linkage.match(from_parquet, mapped, 0.9, "keys", "greedy")
    assert np.array_equal(result.pairs.left, result.pairs.right)  # each row finds itself
    assert len(result.pairs) == 50


def test_refusals_name_the_files(tmp_path):
    a_path, _ = _parquet(tmp_path, "a")
    b_path, _ = _parquet(tmp_path, "b", key_id="other-secret")
    with pytest.raises(IncompatibleEncodingsError) as info:
        linkage.match(linkage.load(a_path), linkage.load(b_path))
    assert str(a_path) in str(info.value) and str(b_path) in str(info.value)
    assert "different linkage secrets" in str(info.value)
    junk = tmp_path / "junk.arrow"
    junk.write_bytes(b"not arrow at all")
    with pytest.raises(EncodedFormatError, match="junk.arrow: not a readable Arrow IPC file"):
        linkage.load(junk)
    with pytest.raises(EncodedFormatError, match="no such file"):
        linkage.load(tmp_path / "absent.parquet")
