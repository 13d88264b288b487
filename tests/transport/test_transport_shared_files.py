"""pprl.files: the writers the PKI and the matcher share."""

from __future__ import annotations

import stat

import pytest

from pprl.files import atomic_path, write_atomic, write_private


def test_write_atomic_replaces_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "status.json"
    write_atomic(target, b"old")
    write_atomic(target, b"new", durable=False)
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["status.json"]


def test_a_failed_write_keeps_the_old_file(tmp_path):
    target = tmp_path / "result.parquet"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("writer failed")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["result.parquet"]


def test_write_private_is_owner_only_and_never_overwrites(tmp_path):
    key = tmp_path / "MCA.key"
    write_private(key, b"key one")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    with pytest.raises(FileExistsError):
        write_private(key, b"key two")
    assert key.read_bytes() == b"key one"
