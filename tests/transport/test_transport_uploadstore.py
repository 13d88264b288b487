"""The upload store on its own: offsets, limits, stale uploads, ownership."""

from __future__ import annotations

import hashlib
import time

import pytest

from pprl.encoded import Manifest
from pprl.errors import InputError, IntegrityError, LimitExceeded, NotFound
from transport.limits import Limits
from transport.uploads import UploadStore

MANIFEST = Manifest("fp", "kid", 1, "0" * 64, (), department="D").to_json()
DATA = b"0123456789" * 10


def _begin(store, department="D", **kw):
    args = dict(
        upload_id="",
        agreement_id="AG-1",
        dataset_name="ds",
        manifest_json=MANIFEST,
        total_bytes=len(DATA),
        total_sha256=hashlib.sha256(DATA).hexdigest(),
        check_signature=lambda m: None,
    )
    return store.begin(department, **{**args, **kw})


def _append(store, state, offset, data, department="D"):
    return store.append(department, state.upload_id, offset, data, hashlib.sha256(data).digest())


def test_chunks_must_follow_the_verified_offset(tmp_path):
    store = UploadStore(tmp_path, Limits())
    state = _begin(store)
    assert _append(store, state, 0, DATA[:40]).next_offset == 40
    with pytest.raises(InputError, match="expected 40"):
        _append(store, state, 0, DATA[:40])
    with pytest.raises(IntegrityError):
        store.append("D", state.upload_id, 40, DATA[40:], b"\0" * 32)
    with pytest.raises(InputError):
        _append(store, state, 40, DATA[40:] + b"extra")
    assert _append(store, state, 40, DATA[40:]).complete


def test_another_department_cannot_see_or_extend_an_upload(tmp_path):
    store = UploadStore(tmp_path, Limits())
    state = _begin(store)
    with pytest.raises(NotFound):
        _append(store, state, 0, DATA, department="OTHER")
    with pytest.raises(NotFound):
        store.state("OTHER", state.upload_id)


def test_limits_and_stale_uploads(tmp_path):
    store = UploadStore(
        tmp_path, Limits(max_upload_bytes=50, max_open_uploads=2, upload_ttl_seconds=60)
    )
    with pytest.raises(LimitExceeded):
        _begin(store)
    store = UploadStore(tmp_path, Limits(max_open_uploads=2, upload_ttl_seconds=60))
    first = _begin(store)
    _begin(store)
    with pytest.raises(LimitExceeded):
        _begin(store)
    assert (
        store.drop_stale(now=time.time() + 120)
        and not (tmp_path / "uploads" / first.upload_id).exists()
    )
    _begin(store)  # room again
    with pytest.raises(InputError, match="dataset name"):
        _begin(store, dataset_name="../escape")
