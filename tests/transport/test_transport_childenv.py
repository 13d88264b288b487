"""Child processes (the matcher server, its run workers) never inherit a passphrase."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from governance import pki
from pprl.errors import TransportError
from pprl.passphrase import MATCHER_KEY_ENV
from transport.process import MatcherProcess
from transport.runs import RunManager

SECRETS = {
    "PPRL_PASSPHRASE": "linkage-secret-passphrase-1f3a",
    "PPRL_CA_PASSPHRASE": "ca-passphrase-77c2",
    "PPRL_KEY_PASSPHRASE": "department-key-passphrase-9e01",
    "SOME_SERVICE_TOKEN": "token-5b5b",
    "DB_PASSWORD": "password-c0c0",
}


def _environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    pairs = [item.split(b"=", 1) for item in raw.split(b"\0") if b"=" in item]
    return {k.decode(): v.decode(errors="replace") for k, v in pairs}


def _leaked(env: dict[str, str]) -> list[str]:
    return [name for name, value in SECRETS.items() if name in env or value in env.values()]


@pytest.fixture()
def secrets_in_env(monkeypatch):
    if not Path("/proc/self/environ").exists():
        pytest.skip("needs /proc to read a child's environment")
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)


def test_the_matcher_process_gets_no_passphrase(world, secrets_in_env, tmp_path):
    with MatcherProcess(world.matcher_dir, world.matcher.cert, world.matcher.key) as proc:
        env = _environ(proc.proc.pid)
    assert "PATH" in env and _leaked(env) == []


def test_an_encrypted_matcher_key_opens_with_its_own_variable_only(world, secrets_in_env, tmp_path):
    key = pki.load_private_key(world.matcher.key, None)
    encrypted = tmp_path / "matcher.key"
    encrypted.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"matcher-only-4d4d"),
        )
    )
    log = tmp_path / "server.log"
    with pytest.raises(TransportError):  # the departments' PPRL_KEY_PASSPHRASE does not open it
        MatcherProcess(world.matcher_dir, world.matcher.cert, encrypted, log_path=log).start()
    with MatcherProcess(
        world.matcher_dir,
        world.matcher.cert,
        encrypted,
        log_path=log,
        key_passphrase=b"matcher-only-4d4d",
    ) as proc:
        env = _environ(proc.proc.pid)
    # It reached the server through a pipe: the key opened, and no environment holds it.
    assert MATCHER_KEY_ENV not in env and _leaked(env) == []
    assert "matcher-only-4d4d" not in "".join(env.values())


def _worker_pid(run_dir: Path, deadline: float) -> int:
    while time.monotonic() < deadline:
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                if str(run_dir).encode() in cmdline.read_bytes():
                    return int(cmdline.parent.name)
            except OSError:
                continue
        time.sleep(0.005)
    raise AssertionError("the run worker never started")


def test_a_run_worker_gets_no_passphrase(secrets_in_env, tmp_path):
    manager = RunManager(tmp_path)
    manager.start()
    try:
        spec = manager.create(
            {
                "agreement_id": "AG-1",
                "dataset_a": "missing-a",
                "dataset_b": "missing-b",
                "threshold": 0.8,
                "blocking": "",
                "solver": "greedy",
                "created_by": "MCA",
                "created_at": "2026-01-01T00:00:00+00:00",
            }
        )
        pid = _worker_pid(manager.files(spec.run_id).dir, time.monotonic() + 30)
        env = _environ(pid)
    finally:
        manager.stop()
    assert "PATH" in env and _leaked(env) == []
