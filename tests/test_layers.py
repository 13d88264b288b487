"""The layers contract holds, and the check really fails when an import runs back up."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {
    "pprl": "pprl",
    "bloom": "bloom",
    "linkage": "linkage",
    "governance": "governance",
    "transport": "transport",
    "pprl_app": "pprl_app",
    "pprl_synthetic": "datasets/synthetic",
}
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT), "--no-cache", str(tree / "pyproject.toml")],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _copy(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    ignore = shutil.ignore_patterns("__pycache__", "*.parquet", "*.csv", "*.json")
    for name, source in PACKAGES.items():
        shutil.copytree(ROOT / source, tree / name, ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def test_the_layers_contract_is_kept(tmp_path):
    result = _lint(_copy(tmp_path))
    assert result.returncode == 0, result.stdout[-2000:]
    assert "1 kept, 0 broken" in result.stdout


def test_an_upward_import_breaks_the_contract(tmp_path):
    tree = _copy(tmp_path)
    errors = tree / "pprl" / "errors.py"
    errors.write_text(errors.read_text() + "\nimport transport.client  # noqa\n")
    result = _lint(tree)
    assert result.returncode != 0
    assert "pprl is not allowed to import transport" in result.stdout
