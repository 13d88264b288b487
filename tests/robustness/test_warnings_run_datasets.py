"""Item 6: warnings issued from a run name the run's own datasets, or none are issued."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
from robustness_cli import one_line_error, pprl

from governance.store import DB_FILE, GovernanceStore
from transport.run_worker import canonical_result
from transport.runstate import RunFiles, RunSpec, RunState, RunStatus

RUN_ID = "run-00000000000000c6"
PAIRS = 93


def _run_over(world, agreement: str, dataset_a: str, dataset_b: str) -> None:
    files = RunFiles.in_data_dir(world.matcher_dir, RUN_ID)
    files.write_spec(
        RunSpec(
            RUN_ID,
            agreement,
            dataset_a,
            dataset_b,
            0.8,
            "keys",
            "many-to-one",
            "MCA",
            "2026-12-01T02:00:00+00:00",
        )  # fmt: skip
    )
    tokens = [(f"{i:032x}", f"{i + 7:032x}") for i in range(PAIRS)]
    table = pa.table(
        {
            "token_a": [a for a, _ in tokens],
            "token_b": [b for _, b in tokens],
            "score": [0.9] * PAIRS,
        }
    )
    pq.write_table(canonical_result(table), files.result_path)
    files.write_status(RunStatus(RunState.SUCCEEDED, matches=PAIRS))


def test_warnings_issue_checks_the_runs_datasets(world, tmp_path):
    agreement = world.agreements["mps-registry"]
    # The run matched MCA's low-income list against MPS's vehicle register (dataset ids as
    # the matcher makes them: the uploaded name and a content digest).
    _run_over(world, agreement, "low-income-3f2a9c0d11e4", "vehicles-77b01c2d9e5a")
    rules = tmp_path / "rules.json"
    rules.write_text(
        '{"format": "pprl-warning-rules/1", "version": "t", "rules": [{"id": "vehicles",'
        ' "datasets": ["low-income", "vehicles"], "level": "blue",'
        ' "disposition_hint": "discuss-case-by-case", "why": "test"}]}',
        encoding="utf-8",
    )
    party = world.parties["MCA"]
    issue = (
        "warnings", "issue", "--data-dir", world.matcher_dir, "--cert", party.cert,
        "--key", party.key, "--run", RUN_ID, "--agreement", agreement,
    )  # fmt: skip

    def warnings_now() -> int:
        with GovernanceStore(world.matcher_dir / DB_FILE) as store:
            return len(store.warnings(agreement_id=agreement))

    before = warnings_now()
    # Other datasets than the run matched (under the built-in rules, red): refused.
    for left, right in (("mz-low-income", "gaj-deaths"), ("vehicles", "low-income")):
        result = pprl(*issue, "--left-dataset", left, "--right-dataset", right, "--seed", 1)
        line = one_line_error(result, 2, "low-income-3f2a9c0d11e4", f"--left-dataset {left}")
        assert f"{0:032x}" not in line  # no record token in the message
        assert warnings_now() == before
    # The run's datasets, by the names they were uploaded under (compared as the rules
    # compare names: `low_income` is `low-income`).
    ok = pprl(
        *issue, "--rules", rules, "--left-dataset", "low_income", "--right-dataset", "vehicles"
    )
    assert ok.returncode == 0, ok.stderr
    assert f"issued {PAIRS} blue warning(s)" in ok.stdout
    assert warnings_now() == before + PAIRS
