"""`pprl warnings`: issue from a pairs CSV or a run, list, resolve, dispute, reverify."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from governance_warnings_world import BEFORE_NATIONAL_DAY, agreement_in_force, pairs

import governance.cli_warnings as cli_warnings
from governance.store import DB_FILE, GovernanceStore
from pprl_app.cli import main
from transport.run_worker import canonical_result
from transport.runstate import RunFiles, RunSpec, RunState, RunStatus


class Pprl:
    """`pprl` in-process; the warnings commands see the test's clock."""

    def __init__(self, world, monkeypatch) -> None:
        self.world = world
        self.runner = CliRunner()
        monkeypatch.setattr(
            cli_warnings,
            "_open",
            lambda data_dir: GovernanceStore(data_dir / DB_FILE, clock=world.clock),
        )

    def __call__(self, *args: str, code: str | None = None, exit_code: int = 0):
        extra = ["--data-dir", str(self.world.data_dir)]
        if code is not None:
            issued = self.world.issued[code]
            extra += ["--cert", str(issued.certificate_path), "--key", str(issued.key_path)]
        result = self.runner.invoke(main, ["warnings", *args[:1], *extra, *args[1:]])
        assert result.exit_code == exit_code, result.output
        assert "Traceback" not in result.output
        return result

    def listed(self, *args: str) -> list[dict]:
        out = self("list", "--json", *args).stdout
        return [json.loads(line) for line in out.splitlines()]


@pytest.fixture
def pprl(world, monkeypatch):
    world.clock.now = BEFORE_NATIONAL_DAY
    p = Pprl(world, monkeypatch)
    p.agreement = agreement_in_force(world)
    return p


def _write_pairs(path, source) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["token_a", "token_b", "score"])
        for p in source.pairs:
            writer.writerow([p.token_a, p.token_b, p.score])


def _issue_csv(pprl, path, *more: str, exit_code: int = 0):
    return pprl(
        "issue",
        "--pairs",
        str(path),
        "--agreement",
        pprl.agreement,
        "--left-dataset",
        "mz-low-income",
        "--right-dataset",
        "gaj-deaths",
        *more,
        code="MCA",
        exit_code=exit_code,
    )


def test_issue_from_pairs_csv_then_list_resolve_dispute(pprl, tmp_path):
    path = tmp_path / "pairs.csv"
    _write_pairs(path, pairs(5))
    out = _issue_csv(pprl, path, "--seed", "11").stdout
    assert "issued 5 red warning(s)" in out and "deadline 2026-10-15" in out
    assert "county joint verification: 2 of 5 (seed 11)" in out
    rows = pprl.listed("--level", "red")
    assert len(rows) == 5 and sum(r["joint_verification"] for r in rows) == 2
    assert pprl.listed("--level", "orange") == []
    first, second = rows[0]["warning_id"], rows[1]["warning_id"]
    assert (
        "verified"
        in pprl("resolve", first, "--disposition", "terminate-assistance", code="MCA").stdout
    )
    pprl("dispute", second, "--reason", "namesake; person seen alive", code="MCA")
    states = {r["warning_id"]: r["state"] for r in pprl.listed()}
    assert (states[first], states[second]) == ("verified", "disputed")
    assert "issued; deadline" in pprl("reverify", second, "--confirm", code="MPS").stdout
    # The same file again is refused: nothing is issued twice.
    again = _issue_csv(pprl, path, exit_code=1)
    assert again.stderr.count("\n") == 1 and "already issued" in again.stderr
    header, *lines = pprl("list").stdout.splitlines()
    assert header.split("\t")[:4] == ["warning_id", "level", "state", "deadline"]
    assert len(lines) == 5
    assert f"{first}\tred\tverified\t2026-10-15\tno\t" in "\n".join(lines)


def test_illegal_steps_and_wrong_party_are_one_line_errors(pprl, tmp_path):
    path = tmp_path / "pairs.csv"
    _write_pairs(path, pairs(2))
    _issue_csv(pprl, path)
    wid = pprl.listed()[0]["warning_id"]
    pprl("resolve", wid, "--disposition", "clear-warning", code="MCA")
    refused = pprl("dispute", wid, "--reason", "late doubt", code="MCA", exit_code=1)
    assert refused.stderr == f"error: warning {wid} is cleared: cannot dispute it\n"
    other = pprl(
        "resolve",
        pprl.listed()[1]["warning_id"],
        "--disposition",
        "charity-help",
        code="MOHRSS",
        exit_code=1,
    )
    assert other.stderr == "error: permission denied\n"
    unknown = pprl(
        "resolve", "w-0000000000000000", "--disposition", "charity-help", code="MCA", exit_code=1
    )
    assert unknown.stderr == "error: no warning w-0000000000000000\n"
    bad = pprl("resolve", wid, "--disposition", "forget-it", code="MCA", exit_code=2)
    assert "forget-it" in bad.output


def test_overdue_list(pprl, tmp_path):
    path = tmp_path / "pairs.csv"
    _write_pairs(path, pairs(3))
    _issue_csv(pprl, path)
    assert pprl.listed("--overdue") == []
    pprl.world.clock.now = dt.datetime(2026, 10, 16, 1, 0, tzinfo=dt.timezone.utc)
    late = pprl.listed("--overdue")
    assert len(late) == 3 and all(r["overdue"] and r["deadline"] == "2026-10-15" for r in late)


def _run_dir(world, agreement_id: str, source, state: RunState) -> str:
    run_id = "run-00000000000000a1"
    files = RunFiles.in_data_dir(world.data_dir, run_id)
    files.write_spec(
        RunSpec(
            run_id,
            agreement_id,
            "mz-low-income-0123456789ab",
            "gaj-vehicles-0123456789ab",
            0.7,
            "keys",
            "many-to-one",
            "MCA",
            "2026-09-30T02:00:00+00:00",
        )
    )
    import pyarrow as pa

    table = pa.table(
        {
            "token_a": [p.token_a for p in source.pairs],
            "token_b": [p.token_b for p in source.pairs],
            "score": [p.score for p in source.pairs],
        }
    )
    pq.write_table(canonical_result(table), files.result_path)
    files.write_status(RunStatus(state, matches=len(source.pairs)))
    return run_id


def _issue_run(pprl, run_id: str, agreement: str | None = None, *, exit_code: int = 0):
    return pprl(
        "issue", "--run", run_id, "--agreement", agreement or pprl.agreement,
        "--left-dataset", "mz_low_income", "--right-dataset", "gaj_vehicles",
        code="MCA", exit_code=exit_code,
    )  # fmt: skip


def test_issue_from_a_run_on_this_matcher(pprl):
    source = pairs(4, "matcher")
    run_id = _run_dir(pprl.world, pprl.agreement, source, RunState.SUCCEEDED)
    out = _issue_run(pprl, run_id).stdout
    assert "issued 4 orange warning(s)" in out and "deadline 2026-10-26" in out
    rows = pprl.listed()
    assert {(r["token_a"], r["token_b"]) for r in rows} == {
        (p.token_a, p.token_b) for p in source.pairs
    }
    wrong = _issue_run(pprl, run_id, "AG-OTHER", exit_code=2)
    assert "was not made under agreement AG-OTHER" in wrong.stderr


def test_unfinished_run_refused(pprl):
    run_id = _run_dir(pprl.world, pprl.agreement, pairs(2), RunState.RUNNING)
    result = _issue_run(pprl, run_id, exit_code=2)
    assert "has not succeeded (state running)" in result.stderr
    assert pprl.listed() == []


@pytest.mark.parametrize(
    ("run_id", "message"),
    [("run-00000000000000ff", "no readable run run-00000000000000ff"), ("../x", "not a run id")],
)
def test_unknown_or_malformed_run_refused(pprl, run_id, message):
    result = _issue_run(pprl, run_id, exit_code=2)
    assert message in result.stderr
    assert pprl.listed() == []


@pytest.mark.parametrize(
    ("rows", "where"),
    [
        ([["张伟", "b" * 32, "0.9"]], "row 2, field 'token_a'"),
        ([["a" * 32, "11010519491231002X", "0.9"]], "row 2, field 'token_b'"),
        ([["a" * 32, "b" * 32, "high"]], "row 2, field 'score'"),
        ([["a" * 32, "b" * 32, "1.5"]], "row 2, field 'score'"),
        ([["a" * 32, "b" * 32, "0.9"], ["a" * 32, "b" * 32, "0.8"]], "row 3: the same pair"),
    ],
)
def test_bad_pairs_file_names_row_and_field_without_echoing(pprl, tmp_path, rows, where):
    path = tmp_path / "pairs.csv"
    path.write_text(
        "token_a,token_b,score\n" + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8"
    )
    result = _issue_csv(pprl, path, exit_code=2)
    assert result.stderr.startswith(f"error: {path}, {where}")
    assert result.stderr.count("\n") == 1
    assert "张伟" not in result.output and "11010519491231002X" not in result.output
    assert pprl.listed() == []


def test_exactly_one_source(pprl, tmp_path):
    path = tmp_path / "pairs.csv"
    _write_pairs(path, pairs(1))
    both = _issue_csv(pprl, path, "--run", "run-00000000000000a1", exit_code=2)
    assert "give exactly one of --run and --pairs" in both.stderr
    header = tmp_path / "bad.csv"
    header.write_text("a,b,c\n", encoding="utf-8")
    assert "header must be token_a,token_b,score" in _issue_csv(pprl, header, exit_code=2).stderr


def test_rules_command_checks_a_file(pprl, tmp_path):
    out = pprl.runner.invoke(main, ["warnings", "rules"]).stdout
    assert "low-income-x-deaths\tgaj-deaths x mz-low-income\tred\tterminate-assistance" in out
    bad = tmp_path / "rules.json"
    bad.write_text('{"format": "pprl-warning-rules/1", "version": "x", "rules": [{}]}')
    result = pprl.runner.invoke(main, ["warnings", "rules", "--rules", str(bad)])
    assert result.exit_code == 2 and "row 1, field 'id'" in result.stderr
