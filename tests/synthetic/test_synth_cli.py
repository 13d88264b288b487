"""`pprl synth`: listing, writing, and one clear line for bad input."""

import json
import subprocess
import sys

from click.testing import CliRunner

from pprl_app.cli import main
from pprl_synthetic import SCENARIOS, generate_scenario


def test_list_names_every_scenario():
    result = CliRunner().invoke(main, ["synth", "--list"])
    assert result.exit_code == 0
    listed = [line for line in result.output.splitlines() if not line.startswith(" ")]
    assert listed == list(SCENARIOS)
    assert len(SCENARIOS) >= 12


def test_writes_parquet_with_rate_overrides(tmp_path):
    out = tmp_path / "out"
    args = ["synth", "--size", "3000", "--seed", "7", "--out", str(out), "--format", "parquet",
            "--clean", "--rate", "name_swapped=0.5", "--quiet"]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    meta = json.loads((out / "scenario.json").read_text(encoding="utf-8"))
    assert meta["format"] == "parquet" and meta["corruption_rates"]["name_swapped"] == 0.5
    assert meta["corruption_rates"]["name_homophone"] == 0.0
    assert (out / "mz_low_income.parquet").exists()


def test_bad_input_is_one_line_without_traceback(tmp_path):
    pprl = [sys.executable, "-c", "from pprl_app.cli import main; main()"]
    cases = [
        (["synth", "--scenario", "nope", "--out", str(tmp_path)], "unknown scenario 'nope'"),
        (["synth", "--rate", "bogus=1", "--out", str(tmp_path)], "--rate expects KIND=RATE"),
        (["synth", "--rate", "name_swapped=2", "--out", str(tmp_path)], "name_swapped"),
        (["synth", "--size", "10"], "--out DIR is required"),
    ]
    for args, message in cases:
        proc = subprocess.run([*pprl, *args], capture_output=True, text=True)
        assert proc.returncode == 2, (args, proc.stderr)
        assert "Traceback" not in proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], proc.stderr


def test_unusable_output_directory_is_an_input_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = CliRunner().invoke(main, ["synth", "--size", "100", "--out", str(blocker / "x")])
    assert result.exit_code == 2
    assert "cannot create output directory" in result.output


def test_progress_bar_counts_people(tmp_path, capsys):
    generate_scenario("low-income-vs-deaths", 1500, 1, tmp_path, progress=True)
    err = capsys.readouterr().err
    assert "1.50k/1.50k" in err and "person" in err


def test_regions_option_places_everyone_in_the_chosen_groups(tmp_path):
    out = tmp_path / "xj"
    args = ["synth", "--size", "3000", "--out", str(out), "--regions", "xinjiang=1", "--clean",
            "--quiet"]  # fmt: skip
    assert CliRunner().invoke(main, args).exit_code == 0
    meta = json.loads((out / "scenario.json").read_text(encoding="utf-8"))
    assert meta["region_weights"] == {"xinjiang": 1.0}
    text = (out / "mz_low_income.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert text and all(",新疆维吾尔自治区" in line for line in text)
