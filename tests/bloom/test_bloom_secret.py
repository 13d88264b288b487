"""The linkage secret: encrypted at rest, never shown, never pickled, wrong passphrase refused."""

from __future__ import annotations

import copy
import json
import logging
import pickle

import pytest

from bloom.secret import LinkageSecret, ScryptParams, read_key_id
from pprl.errors import SecretError

FAST = ScryptParams(log2_n=10)
RAW = bytes(range(32))


def test_key_id_is_a_stable_commitment():
    a = LinkageSecret.from_bytes(RAW)
    assert a.key_id == LinkageSecret.from_bytes(RAW).key_id
    assert a.key_id != LinkageSecret.generate().key_id
    assert len(a.key_id) == 32
    assert RAW.hex() not in a.key_id


def test_too_short_secret_is_refused():
    with pytest.raises(ValueError):
        LinkageSecret.from_bytes(b"short")


def test_save_and_load_round_trip(tmp_path):
    secret = LinkageSecret.generate()
    path = tmp_path / "dept.key"
    secret.save(path, b"correct horse", params=FAST)
    assert (path.stat().st_mode & 0o777) == 0o600
    loaded = LinkageSecret.load(path, b"correct horse")
    assert loaded == secret
    assert loaded.expose() == secret.expose()
    assert read_key_id(path) == secret.key_id


def test_save_never_overwrites(tmp_path):
    path = tmp_path / "dept.key"
    LinkageSecret.generate().save(path, b"pw", params=FAST)
    with pytest.raises(FileExistsError):
        LinkageSecret.generate().save(path, b"pw", params=FAST)


@pytest.mark.parametrize(
    "damage", ["passphrase", "header", "ciphertext", "truncate", "missing", "hostile cost"]
)
def test_every_failure_is_the_same_uninformative_error(tmp_path, damage):
    path = tmp_path / "dept.key"
    LinkageSecret.generate().save(path, b"pw", params=FAST)
    passphrase = b"pw"
    doc = json.loads(path.read_text())
    if damage == "passphrase":
        passphrase = b"pW"
    elif damage == "header":
        doc["key_id"] = "0" * 32
        path.write_text(json.dumps(doc))
    elif damage == "ciphertext":
        doc["ciphertext"] = doc["ciphertext"][:-4] + "AAAA"
        path.write_text(json.dumps(doc))
    elif damage == "hostile cost":  # would need 128 GiB: refused before any allocation
        doc["kdf"].update(log2_n=20, r=1024)
        path.write_text(json.dumps(doc))
    elif damage == "truncate":
        path.write_text(path.read_text()[:40])
    else:
        path.unlink()
    with pytest.raises(SecretError) as info:
        LinkageSecret.load(path, passphrase)
    # A tag that does not verify says "wrong passphrase", without telling it from tampering.
    tag = damage in ("passphrase", "header", "ciphertext")
    suffix = ": wrong passphrase (or an altered file)" if tag else ""
    assert str(info.value) == f"cannot open linkage secret {path}{suffix}"


def test_secret_never_appears_in_repr_str_format_or_logs(caplog):
    secret = LinkageSecret.from_bytes(RAW)
    shown = [repr(secret), str(secret), f"{secret}", f"{secret!r}", format(secret, "")]
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("pprl.test").warning("secret is %s %r", secret, secret)
    shown.append(caplog.text)
    for text in shown:
        assert RAW.hex() not in text
        assert repr(RAW)[2:-1] not in text
        assert secret.key_id in text


@pytest.mark.parametrize(
    "serialise", [pickle.dumps, copy.copy, copy.deepcopy, lambda s: s.__getstate__()]
)
def test_secret_refuses_pickling_and_copying(serialise):
    with pytest.raises(TypeError):
        serialise(LinkageSecret.from_bytes(RAW))


def test_saved_file_does_not_hold_the_secret(tmp_path):
    secret = LinkageSecret.from_bytes(RAW)
    path = tmp_path / "dept.key"
    secret.save(path, b"pw", params=FAST)
    blob = path.read_bytes()
    assert RAW not in blob
    assert RAW.hex().encode() not in blob
    import base64

    assert base64.b64encode(RAW) not in blob


def test_derived_keys_are_distinct_per_info():
    secret = LinkageSecret.from_bytes(RAW)
    a = secret.derive(b"field:name")
    b = secret.derive(b"field:id_number")
    assert a != b and len(a) == 32
    assert a == LinkageSecret.from_bytes(RAW).derive(b"field:name")
    assert RAW not in (a, b)
    with pytest.raises(ValueError):
        secret.derive(b"")
