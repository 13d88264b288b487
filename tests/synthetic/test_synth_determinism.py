"""Same seed, same bytes: also across processes with different hash seeds."""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from pprl_synthetic import generate_scenario


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _run_in_subprocess(out: Path, hash_seed: str, fmt: str) -> None:
    code = (
        "import sys; from pprl_synthetic import generate_scenario; "
        f"generate_scenario('orphans', 4000, 21, sys.argv[1], fmt={fmt!r})"
    )
    env = dict(os.environ, PYTHONHASHSEED=hash_seed)
    subprocess.run([sys.executable, "-c", code, str(out)], check=True, env=env)


def test_same_seed_gives_identical_files_in_other_processes(tmp_path):
    for fmt in ("csv", "parquet"):
        _run_in_subprocess(tmp_path / f"a-{fmt}", "1", fmt)
        _run_in_subprocess(tmp_path / f"b-{fmt}", "987", fmt)
        a, b = _digests(tmp_path / f"a-{fmt}"), _digests(tmp_path / f"b-{fmt}")
        assert len(a) == 2 * 9 + 1 + 9 + 1  # extracts, columns.json, scenario.json, truth
        assert a == b


def test_a_different_seed_gives_different_data(tmp_path):
    generate_scenario("low-income-vs-deaths", 3000, 1, tmp_path / "one")
    generate_scenario("low-income-vs-deaths", 3000, 2, tmp_path / "two")
    one, two = _digests(tmp_path / "one"), _digests(tmp_path / "two")
    assert one["mz_low_income.csv"] != two["mz_low_income.csv"]


def test_output_does_not_depend_on_what_ran_before(tmp_path):
    generate_scenario("low-income-vs-deaths", 2500, 5, tmp_path / "first")
    generate_scenario("orphans", 1000, 9, tmp_path / "other")
    generate_scenario("low-income-vs-deaths", 2500, 5, tmp_path / "again")
    assert _digests(tmp_path / "first") == _digests(tmp_path / "again")
