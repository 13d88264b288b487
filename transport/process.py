"""The matcher as a separate server process on loopback (for the demo and end-to-end tests)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from pprl.errors import TransportError
from transport.childenv import child_environment
from transport.keypass import FD_OPTION


class MatcherProcess:
    """`pprl serve` in a child process, bound to a free loopback port."""

    def __init__(
        self,
        data_dir: Path,
        cert: Path,
        key: Path,
        *,
        log_path: Path | None = None,
        key_passphrase: bytes | None = None,
    ):
        self.data_dir = Path(data_dir)
        self.cert, self.key = Path(cert), Path(key)
        self._key_passphrase = key_passphrase
        self.log_path = log_path or self.data_dir / "server.log"
        self.port_file = self.data_dir / "server.port"
        self.proc: subprocess.Popen | None = None
        self.port = 0

    @property
    def target(self) -> str:
        return f"localhost:{self.port}"

    def start(self, timeout: float = 30.0, extra_args: tuple[str, ...] = ()) -> MatcherProcess:
        self.port_file.unlink(missing_ok=True)
        args = [sys.executable, "-m", "transport", "serve", "--data-dir", str(self.data_dir)]
        args += ["--port", "0", "--cert", str(self.cert), "--key", str(self.key), *extra_args]
        args += ["--port-file", str(self.port_file)]
        env = child_environment(PYTHONUNBUFFERED="1")
        pass_fds: tuple[int, ...] = ()
        if self._key_passphrase:
            # The matcher's own key: only this process gets it, through a pipe, never its
            # environment (which /proc/<pid>/environ would show for the process's lifetime).
            read_end, write_end = os.pipe()
            os.write(write_end, self._key_passphrase)
            os.close(write_end)
            pass_fds = (read_end,)
            args += [FD_OPTION, str(read_end)]
        try:
            with open(self.log_path, "ab") as log:
                self.proc = subprocess.Popen(
                    args, stdout=log, stderr=subprocess.STDOUT, env=env, pass_fds=pass_fds
                )
        finally:
            for fd in pass_fds:
                os.close(fd)
        deadline = time.monotonic() + timeout
        while not self.port_file.exists():
            if self.proc.poll() is not None:
                raise TransportError(f"matcher exited at start; see {self.log_path}")
            if time.monotonic() > deadline:
                self.kill()
                raise TransportError(f"matcher did not start in {timeout:.0f}s")
            time.sleep(0.05)
        self.port = int(self.port_file.read_text())
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 15.0) -> None:
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def kill(self) -> None:
        """SIGKILL: the abrupt death a crash would be."""
        if self.alive():
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> MatcherProcess:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
