"""Item 12: when one output cannot be written, none is left and the message names it."""

from __future__ import annotations

import errno

import pyarrow.parquet as pq
import pytest
from robustness_cli import one_line_error
from robustness_encode import encode, no_temporaries, secret, snapshot, write_csv

import bloom.files
from bloom.files import encode_file
from bloom.secret import LinkageSecret
from pprl.errors import InputError


def test_outputs_are_all_or_nothing(tmp_path, monkeypatch):
    key = secret(tmp_path)
    extract = write_csv(tmp_path / "extract.csv")
    (tmp_path / "a.map.parquet").mkdir()  # the map path cannot be written
    (tmp_path / "b.rejects.csv").mkdir()  # the rejects path cannot be written
    before = snapshot(tmp_path)
    for out, failed in (("a.parquet", "a.map.parquet"), ("b.parquet", "b.rejects.csv")):
        one_line_error(encode(key, extract, tmp_path / out), 2, str(tmp_path / failed))
    assert snapshot(tmp_path) == before and not (tmp_path / "a.parquet").exists()

    # A write that fails on the way (disk full while writing the map): nothing is left.
    real = pq.write_table

    def full(table, where, *args, **kwargs):
        if "c.map.parquet" in str(where):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(table, where, *args, **kwargs)

    monkeypatch.setattr(bloom.files.pq, "write_table", full)
    with pytest.raises(InputError, match="c.map.parquet.*No space left") as info:
        encode_file(extract, tmp_path / "c.parquet", "cn-identity", LinkageSecret.generate())
    assert str(tmp_path / "c.map.parquet") in str(info.value)
    assert snapshot(tmp_path) == before
    no_temporaries(tmp_path)
