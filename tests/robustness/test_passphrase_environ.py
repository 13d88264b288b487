"""Item 2: the matcher key's passphrase never stays in the serving process's environment."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from robustness_cli import PPRL, one_line_error, pprl
from transport_world import client

from governance import pki
from pprl.errors import AuthorisationError
from pprl.passphrase import MATCHER_KEY_ENV
from transport.childenv import child_environment

PASSPHRASE = "matcher-key-passphrase-5e6f"


class _Serving:
    """`pprl serve` started as an operator would, its pid and its port."""

    def __init__(self, world, key: Path, tmp: Path, *extra: str, env: dict | None = None):
        self.port_file = tmp / "serve.port"
        self.port_file.unlink(missing_ok=True)
        args = [
            PPRL, "serve", "--data-dir", str(world.matcher_dir), "--port", "0",
            "--cert", str(world.matcher.cert), "--key", str(key),
            "--port-file", str(self.port_file), *extra,
        ]  # fmt: skip
        self.log = open(tmp / "serve.log", "ab")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            args, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
        )
        deadline = time.monotonic() + 30
        while not self.port_file.exists():
            assert self.proc.poll() is None, (tmp / "serve.log").read_text()
            assert time.monotonic() < deadline, "the matcher did not start"
            time.sleep(0.05)
        self.target = f"localhost:{int(self.port_file.read_text())}"

    def environ(self) -> bytes:
        return Path(f"/proc/{self.proc.pid}/environ").read_bytes()

    def cmdline(self) -> bytes:
        return Path(f"/proc/{self.proc.pid}/cmdline").read_bytes()

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(15)
        self.log.close()


def _serves(world, serving: _Serving) -> None:
    """The key opened and TLS works: a department's call gets the matcher's answer."""
    with client(world, serving, "MCA") as mca, pytest.raises(AuthorisationError):
        mca.run_status("run-0123456789abcdef")  # no such run: refused like any other


def test_passphrase_in_the_environment(world, tmp_path):
    if not Path("/proc/self/environ").exists():
        pytest.skip("needs /proc to read a process's environment")
    key = tmp_path / "matcher.key"
    key.write_bytes(
        pki.load_private_key(world.matcher.key, None).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(PASSPHRASE.encode()),
        )
    )
    secret = PASSPHRASE.encode()

    # From the variable: the process runs on without it (same pid, executed again).
    env = child_environment(**{MATCHER_KEY_ENV: PASSPHRASE})
    serving = _Serving(world, key, tmp_path, env=env)
    try:
        assert MATCHER_KEY_ENV.encode() not in serving.environ()
        assert secret not in serving.environ() and secret not in serving.cmdline()
        _serves(world, serving)
    finally:
        serving.stop()

    # From a file: only with mode 0600.
    path = tmp_path / "passphrase"
    path.write_text(PASSPHRASE + "\n")
    os.chmod(path, 0o644)
    refused = pprl(
        "serve", "--data-dir", world.matcher_dir, "--port", "0", "--cert", world.matcher.cert,
        "--key", key, "--key-passphrase-file", path,
    )  # fmt: skip
    line = one_line_error(refused, 2, str(path), "0644", "0600")
    assert PASSPHRASE not in refused.stdout + refused.stderr and PASSPHRASE not in line
    os.chmod(path, 0o600)
    serving = _Serving(world, key, tmp_path, "--key-passphrase-file", str(path))
    try:
        assert secret not in serving.environ() and secret not in serving.cmdline()
        _serves(world, serving)
    finally:
        serving.stop()
