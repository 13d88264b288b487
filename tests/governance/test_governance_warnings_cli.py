"""Where warnings come from (a pairs CSV, a run's result) and `pprl warnings rules`.

The parties' warnings commands run over the network (tests/transport/test_deploy_*.py); here
the store is driven with the test's clock, so deadlines are exact.
"""

from __future__ import annotations

import csv
import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from governance_warnings_world import BEFORE_NATIONAL_DAY, agreement_in_force, pairs

from governance.warning_pairs import pairs_from_csv, pairs_from_run
from governance.warning_rules import Disposition, default_rules
from pprl.errors import AuthorisationError, GovernanceError, InputError
from pprl_app.cli import main
from transport.run_worker import canonical_result
from transport.runstate import RunFiles, RunSpec, RunState, RunStatus


@pytest.fixture
def agreement(world):
    world.clock.now = BEFORE_NATIONAL_DAY
    return agreement_in_force(world)


def _write_pairs(path, source) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["token_a", "token_b", "score"])
        for p in source.pairs:
            writer.writerow([p.token_a, p.token_b, p.score])


def _issue(world, agreement, source, right="gaj-deaths", seed=11):
    return world.store.issue_warnings(
        world.signers["MCA"], agreement, source, "mz-low-income", right,
        rules=default_rules(), seed=seed,
    )  # fmt: skip


def test_issue_from_pairs_csv_then_resolve_dispute_and_overdue(world, agreement, tmp_path):
    path = tmp_path / "pairs.csv"
    _write_pairs(path, pairs(5))
    report = _issue(world, agreement, pairs_from_csv(path))
    assert (report.issued, report.level.value, report.deadline) == (5, "red", dt.date(2026, 10, 15))
    assert report.joint_verification == 2
    first, second, *_ = [w.warning_id for w in world.store.warnings()]
    assert (
        world.store.resolve_warning(world.signers["MCA"], first, Disposition.TERMINATE).state.value
        == "verified"
    )
    world.store.dispute_warning(world.signers["MCA"], second, "namesake; person seen alive")
    assert (
        world.store.reverify_warning(world.signers["MPS"], second, confirmed=True).state.value
        == "issued"
    )
    with pytest.raises(GovernanceError, match="already issued"):
        _issue(world, agreement, pairs_from_csv(path))
    with pytest.raises(AuthorisationError):
        world.store.resolve_warning(world.signers["MOHRSS"], second, Disposition.CHARITY)
    assert world.store.warnings(overdue=True) == []
    world.clock.now = dt.datetime(2026, 10, 16, 1, 0, tzinfo=dt.timezone.utc)
    late = world.store.warnings(overdue=True)
    assert len(late) == 4 and all(w.deadline == dt.date(2026, 10, 15) for w in late)
    assert world.store.warnings(party="MPS") and world.store.warnings(party="MOHRSS") == []


def _run_dir(world, agreement_id: str, source, state: RunState) -> str:
    run_id = "run-00000000000000a1"
    files = RunFiles.in_data_dir(world.data_dir, run_id)
    files.write_spec(
        RunSpec(
            run_id,
            agreement_id,
            *RUN_DATASETS,
            0.7,
            "keys",
            "many-to-one",
            "MCA",
            "2026-09-30T02:00:00+00:00",
        )  # fmt: skip
    )
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


RUN_DATASETS = ("mz-low-income-0123456789ab", "gaj-vehicles-0123456789ab")


def test_pairs_from_a_run(world, agreement):
    source = pairs(4, "matcher")
    run_id = _run_dir(world, agreement, source, RunState.SUCCEEDED)
    read = pairs_from_run(world.data_dir, run_id, agreement, datasets=RUN_DATASETS)
    assert {(p.token_a, p.token_b) for p in read.pairs} == {
        (p.token_a, p.token_b) for p in source.pairs
    }
    report = _issue(world, agreement, read, right="gaj_vehicles")
    assert (report.level.value, report.deadline) == ("orange", dt.date(2026, 10, 26))
    with pytest.raises(InputError, match="was not made under agreement AG-OTHER"):
        pairs_from_run(world.data_dir, run_id, "AG-OTHER", datasets=RUN_DATASETS)


def test_unfinished_run_refused(world, agreement):
    run_id = _run_dir(world, agreement, pairs(2), RunState.RUNNING)
    with pytest.raises(InputError, match=r"has not succeeded \(state running\)"):
        pairs_from_run(world.data_dir, run_id, agreement, datasets=RUN_DATASETS)


@pytest.mark.parametrize(
    ("run_id", "message"),
    [("run-00000000000000ff", "no readable run run-00000000000000ff"), ("../x", "not a run id")],
)
def test_unknown_or_malformed_run_refused(world, agreement, run_id, message):
    with pytest.raises(InputError, match=message):
        pairs_from_run(world.data_dir, run_id, agreement, datasets=RUN_DATASETS)


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
def test_bad_pairs_file_names_row_and_field_without_echoing(tmp_path, rows, where):
    path = tmp_path / "pairs.csv"
    path.write_text(
        "token_a,token_b,score\n" + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8"
    )
    with pytest.raises(InputError) as caught:
        pairs_from_csv(path)
    message = str(caught.value)
    assert message.startswith(f"{path}, {where}")
    assert "张伟" not in message and "11010519491231002X" not in message


def test_pairs_header(tmp_path):
    header = tmp_path / "bad.csv"
    header.write_text("a,b,c\n", encoding="utf-8")
    with pytest.raises(InputError, match="header must be token_a,token_b,score"):
        pairs_from_csv(header)


def test_rules_command_checks_a_file(tmp_path):
    runner = CliRunner()
    out = runner.invoke(main, ["warnings", "rules"]).stdout
    assert "low-income-x-deaths\tgaj-deaths x mz-low-income\tred\tterminate-assistance" in out
    bad = tmp_path / "rules.json"
    bad.write_text('{"format": "pprl-warning-rules/1", "version": "x", "rules": [{}]}')
    result = runner.invoke(main, ["warnings", "rules", "--rules", str(bad)])
    assert result.exit_code == 2 and "row 1, field 'id'" in result.stderr
