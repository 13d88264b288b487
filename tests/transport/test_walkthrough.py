"""transport/README.md's walkthrough runs end to end as written (slow: about 25 s)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "transport" / "README.md"
pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def walkthrough() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Walkthrough with the command line", 1)[1]
    return re.search(r"```bash\n(.*?)```", section, re.S).group(1)


def test_the_walkthrough_runs_as_written(tmp_path):
    script = walkthrough()
    assert "--data-dir matcher/data" in script and "set -euo pipefail" in script
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    for name in [n for n in env if n.startswith("PPRL_")]:
        del env[name]
    done = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert re.search(r"sealed (\d+) records", done.stdout)
    assert "audit log verifies" in done.stdout
    assert done.stdout.strip().endswith("matcher/MATCHER.key")
    # only the matcher's commands named the matcher's directory
    for line in script.splitlines():
        if line.startswith(("office ", "mca ", "mps ")):
            assert "matcher/" not in line, line
