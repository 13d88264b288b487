"""Wrapping the linkage secret: only the addressed department's key opens it."""

from __future__ import annotations

import ast
import base64
import json
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from bloom.secret import LinkageSecret
from governance import keywrap
from governance.envelope import envelope_header
from governance.pki import Role
from pprl.errors import GovernanceError, InputError, SecretError


@pytest.fixture
def secret() -> LinkageSecret:
    return LinkageSecret.generate()


def _wrapped(world, secret, to="MPS") -> bytes:
    return keywrap.wrap(secret.expose(), secret.key_id, world.signers[to].certificate)


def test_round_trip_to_the_recipient(world, secret):
    blob = _wrapped(world, secret)
    header = envelope_header(blob)
    assert (header.key_id, header.recipient) == (secret.key_id, "MPS")
    assert LinkageSecret.from_bytes(keywrap.unwrap(blob, world.signers["MPS"])) == secret


def test_only_departments_can_receive_the_secret(world, secret):
    # The matcher and the office never hold the linkage secret, even by mistake.
    world.issue("MATCHER", Role.MATCHER)
    for code in ("MATCHER", "OFFICE"):
        with pytest.raises(GovernanceError, match="wrapped to departments only"):
            _wrapped(world, secret, to=code)


def test_two_wraps_differ(world, secret):
    assert _wrapped(world, secret) != _wrapped(world, secret)  # fresh ephemeral key and nonce


def test_wrong_key_fails(world, secret):
    blob = _wrapped(world, secret)
    for other in ("MCA", "OFFICE", "MOHRSS"):
        with pytest.raises(SecretError, match="^cannot unwrap the linkage secret$"):
            keywrap.unwrap(blob, world.signers[other])


def test_wrong_key_with_the_recipient_certificate_fails(world, secret):
    # Someone holding MPS's certificate (public) but another private key gets nothing.
    from governance.pki import Signer

    impostor = Signer(world.signers["MPS"].certificate, world.signers["MCA"].private_key)
    with pytest.raises(SecretError):
        keywrap.unwrap(_wrapped(world, secret), impostor)


@pytest.mark.parametrize(
    "field, value",
    [
        ("key_id", "0" * 32),
        ("recipient", "MCA"),
        ("version", 2),
        ("nonce", base64.b64encode(secrets.token_bytes(12)).decode()),
    ],
)
def test_edited_envelope_fails(world, secret, field, value):
    doc = json.loads(_wrapped(world, secret))
    doc[field] = value
    with pytest.raises(SecretError):
        keywrap.unwrap(json.dumps(doc).encode(), world.signers["MPS"])


def test_flipped_ciphertext_fails(world, secret):
    doc = json.loads(_wrapped(world, secret))
    raw = bytearray(base64.b64decode(doc["ciphertext"]))
    raw[0] ^= 1
    doc["ciphertext"] = base64.b64encode(bytes(raw)).decode()
    with pytest.raises(SecretError):
        keywrap.unwrap(json.dumps(doc).encode(), world.signers["MPS"])


def test_envelope_reveals_no_secret_bytes(world, secret):
    blob = _wrapped(world, secret)
    raw = secret.expose()
    for form in (raw, raw.hex().encode(), base64.b64encode(raw), base64.b64encode(raw)[:-4]):
        assert form not in blob


def test_not_an_envelope(world):
    with pytest.raises(InputError):
        envelope_header(b"hello")
    with pytest.raises(SecretError):
        keywrap.unwrap(b"hello", world.signers["MPS"])


def _unwrap_uses(path) -> list[str]:
    """Imports of governance.keywrap and calls of anything named `unwrap` in one file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            names = [a.name for a in node.names]
            if node.module == "governance.keywrap" or (
                node.module == "governance" and "keywrap" in names
            ):
                found.append(f"{path.name}:{node.lineno} imports keywrap")
        elif isinstance(node, ast.Import):
            if any(a.name == "governance.keywrap" for a in node.names):
                found.append(f"{path.name}:{node.lineno} imports keywrap")
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name == "unwrap":
                found.append(f"{path.name}:{node.lineno} calls unwrap")
    return found


MATCHER_ENTRY_POINTS = ("governance.store", "transport.server", "transport.run_worker")


def test_the_matcher_side_has_no_unwrap_path():
    """The matcher's server and run workers load no unwrapping or secret code, and no module
    they load calls `unwrap` (department-side tools such as `pprl demo` may)."""
    root = Path(__file__).resolve().parents[2]
    probe = (
        "import importlib, json, sys\n"
        f"for name in {MATCHER_ENTRY_POINTS!r}:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except ModuleNotFoundError as exc:\n"
        "        if exc.name != name: raise\n"
        "print(json.dumps({n: getattr(m, '__file__', None) for n, m in sys.modules.items()}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=root
    ).stdout
    loaded = json.loads(out)
    assert "governance.store" in loaded
    assert "governance.keywrap" not in loaded
    assert "bloom.secret" not in loaded
    ours = [
        Path(f)
        for n, f in loaded.items()
        if f and n.split(".")[0] in ("governance", "transport") and "generated" not in n
    ]
    assert len(ours) >= 8
    assert [use for p in ours for use in _unwrap_uses(p)] == []
    # and the check does find a real use
    assert _unwrap_uses(root / "pprl_app" / "cli_keys.py")
