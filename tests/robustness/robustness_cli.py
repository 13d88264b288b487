"""The `pprl` command as a real process, for the corpus's command-line cases."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PPRL = str(Path(sys.executable).with_name("pprl"))


def pprl(*args, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PPRL, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        env=env,
    )


def one_line_error(result: subprocess.CompletedProcess, code: int, *expected: str) -> str:
    """The one `error: ...` line a refused command prints (and nothing else on stderr)."""
    assert result.returncode == code, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]
