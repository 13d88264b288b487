"""Item 6: warnings issued from a run name the run's own datasets, or none are issued.

Over the network: MCA and MPS upload, MCA runs the match, and MCA's `pprl warnings issue --run`
names the datasets; the matcher checks them against the run's before it writes anything.
"""

from __future__ import annotations

import pyarrow.parquet as pq
from deploy_world import matched_run

PAIRS = 93


def test_warnings_issue_checks_the_runs_datasets(deployment, in_force, tmp_path):
    # MCA's low-income list against MPS's vehicle register (dataset ids as the matcher makes
    # them: the uploaded name and a content digest).
    run, (low_income, vehicles), matches = matched_run(
        deployment, tmp_path, in_force, ("low-income", "vehicles"), (120, 100, PAIRS), seed=6
    )
    assert low_income.startswith("low-income-") and vehicles.startswith("vehicles-")
    rules = deployment.home("MCA") / "vehicle-rules.json"
    rules.write_text(
        '{"format": "pprl-warning-rules/1", "version": "t", "rules": [{"id": "vehicles",'
        ' "datasets": ["low-income", "vehicles"], "level": "blue",'
        ' "disposition_hint": "discuss-case-by-case", "why": "test"}]}',
        encoding="utf-8",
    )
    issue = ("warnings", "issue", "--run", run, "--agreement", in_force)
    tokens = {  # every record token of either side (the departments' own token maps)
        token
        for party in ("MCA", "MPS")
        for token in pq.read_table(tmp_path / f"{party}.map.parquet")["record_token"].to_pylist()
    }

    def warnings_now() -> int:
        listed = deployment.pprl("MCA", "warnings", "list", "--agreement", in_force).stdout
        return len(listed.splitlines())

    before = warnings_now()
    # Other datasets than the run matched (under the built-in rules, red): refused, one line.
    for left, right in (("mz-low-income", "gaj-deaths"), ("vehicles", "low-income")):
        result = deployment.pprl(
            "MCA", *issue, "--left-dataset", left, "--right-dataset", right, "--seed", "1",
            ok=False,
        )  # fmt: skip
        assert result.exit_code == 2, result.output
        line = result.stderr.strip()
        assert low_income in line and vehicles in line and f"--left-dataset {left}" in line
        assert not any(token in line for token in tokens)  # no record token in the message
        assert warnings_now() == before
    # The run's datasets, by the names they were uploaded under (compared as the rules
    # compare names: `low_income` is `low-income`).
    ok = deployment.pprl(
        "MCA", *issue, "--rules", str(rules), "--left-dataset", "low_income",
        "--right-dataset", "vehicles",
    )  # fmt: skip
    assert f"issued {matches} blue warning(s)" in ok.stdout
    assert warnings_now() == before + matches
