"""The CLI answers every failure with one line and a non-zero exit, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PPRL = str(Path(sys.executable).with_name("pprl"))


def _pprl(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PPRL, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_every_area_registers_its_commands():
    out = _pprl("--help").stdout
    for command in (
        "encode",
        "synth",
        "match",
        "dedup",
        "evaluate",
        "pki",
        "agreement",
        "audit",
        "serve",
        "upload",
        "run",
        "demo",
        "keys",
        "warnings",
    ):
        assert f"  {command}" in out, command


def test_a_missing_encoded_file_is_one_line(tmp_path):
    result = _pprl(
        "match",
        str(tmp_path / "a.parquet"),
        str(tmp_path / "b.parquet"),
        "--out",
        str(tmp_path / "pairs.csv"),
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "a.parquet" in lines[0]
