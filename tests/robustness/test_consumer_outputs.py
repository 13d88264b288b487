"""Item 16: what a department gets back carries the score and, with --map, its own record id.

Over the network: MCA and MPS upload, MCA runs the match; `pprl run results`, MPS's
disclosure and MCA's `pprl receive`, and `pprl warnings list` after MCA issues warnings.
"""

from __future__ import annotations

import csv
import json

from deploy_world import matched_run

PAIRS = 41
RULES = (
    '{"format": "pprl-warning-rules/1", "version": "t", "rules": [{"id": "vehicles",'
    ' "datasets": ["low-income", "vehicles"], "level": "blue",'
    ' "disposition_hint": "discuss-case-by-case", "why": "test"}]}'
)


def _csv(path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_consumer_outputs_carry_score_and_own_record_id(deployment, in_force, tmp_path):
    run, _, matches = matched_run(
        deployment, tmp_path, in_force, ("low-income", "vehicles"), (90, 70, PAIRS), seed=16
    )
    assert matches == PAIRS
    mca_map, mps_map = tmp_path / "MCA.map.parquet", tmp_path / "MPS.map.parquet"

    # Run results: the score always, the department's own record id with --map.
    plain, mapped = tmp_path / "plain.csv", tmp_path / "mapped.csv"
    deployment.pprl("MCA", "run", "results", run, "--out", str(plain))
    deployment.pprl("MCA", "run", "results", run, "--out", str(mapped), "--map", str(mca_map))
    rows = _csv(mapped)
    assert list(rows[0]) == ["match_id", "own_token", "score", "probability", "record_id"]
    assert [{k: r[k] for k in r if k != "record_id"} for r in rows] == _csv(plain)
    assert len(rows) == PAIRS and all(r["record_id"].startswith("MCA-") for r in rows)
    assert all(0.8 <= float(r["score"]) <= 1.0 for r in rows)
    score_of = {r["match_id"]: r["score"] for r in rows}
    id_of = {r["match_id"]: r["record_id"] for r in rows}
    # The other side's map is refused in one line, naming the map (no token in it).
    wrong = deployment.pprl(
        "MCA", "run", "results", run, "--out", str(tmp_path / "x.csv"), "--map", str(mps_map),
        ok=False,
    )  # fmt: skip
    assert str(mps_map) in wrong.stderr and "row 1" in wrong.stderr
    assert not any(r["own_token"] in wrong.stderr for r in rows)
    assert not (tmp_path / "x.csv").exists()

    # disclosed.csv: the consumer's record id, the match, its score, the provider's fields.
    deployment.pprl(
        "MPS", "disclose", "--run", run, "--agreement", in_force, "--map", str(mps_map),
        "--source", str(tmp_path / "MPS.source.csv"),
    )  # fmt: skip
    disclosed = tmp_path / "disclosed.csv"
    deployment.pprl(
        "MCA", "receive", "--run", run, "--agreement", in_force, "--map", str(mca_map),
        "--out", str(disclosed),
    )  # fmt: skip
    received = _csv(disclosed)
    assert list(received[0])[:4] == ["record_id", "match_id", "score", "provider"]
    assert len(received) == PAIRS
    for row in received:
        assert row["score"] == score_of[row["match_id"]]
        assert row["record_id"] == id_of[row["match_id"]] and row["death_date"]

    # Warnings: the score in the listing, the party's own record id with --map.
    rules = deployment.home("MCA") / "consumer-output-rules.json"
    rules.write_text(RULES, encoding="utf-8")
    batch = json.loads(
        deployment.pprl(
            "MCA", "warnings", "issue", "--run", run, "--agreement", in_force, "--rules",
            str(rules), "--left-dataset", "low-income", "--right-dataset", "vehicles", "--json",
        ).stdout
    )["batch_id"]  # fmt: skip
    listed = deployment.pprl("MCA", "warnings", "list", "--agreement", in_force).stdout
    header = listed.splitlines()[0].split("\t")
    assert "score" in header and "record_id" not in header
    for party, own_map, prefix in (("MCA", mca_map, "MCA-"), ("MPS", mps_map, "MPS-")):
        lines = deployment.pprl(
            party, "warnings", "list", "--agreement", in_force, "--map", str(own_map), "--json"
        ).stdout.splitlines()
        ours = [w for w in map(json.loads, lines) if w["batch_id"] == batch]
        assert len(ours) == PAIRS
        assert all(w["record_id"].startswith(prefix) for w in ours), ours[0]
        # Only the party's own token: MCA provides the left dataset, MPS the right one.
        own, other = ("token_a", "token_b") if party == "MCA" else ("token_b", "token_a")
        assert all(len(w[own]) == 32 and not w[other] for w in ours), ours[0]
        assert sorted(w["score"] for w in ours) == sorted(float(s) for s in score_of.values())
        if party == "MCA":
            assert {w["record_id"] for w in ours} == set(id_of.values())
        table = deployment.pprl(
            party, "warnings", "list", "--agreement", in_force, "--map", str(own_map)
        ).stdout.splitlines()
        columns = table[0].split("\t")
        assert columns[-1] == "record_id" and "score" in columns
        cells = [dict(zip(columns, line.split("\t"), strict=True)) for line in table[1:]]
        assert sum(c["record_id"].startswith(prefix) for c in cells) >= PAIRS
