"""Every party on its own machine: the office, two departments and the matcher, each in its own
directory, talking only through public files and gRPC (real server process on loopback).

No department or office command is given the matcher's directory (`Deployment.pprl` checks
every argument); the matcher's directory ends up holding its own key and nothing of anybody's.
"""

from __future__ import annotations

import csv
import json

import pytest
from deploy_world import Deployment

pytestmark = pytest.mark.e2e

ENTRY = [
    "--category", "social assistance", "--name", "Deaths", "--provider", "MPS",
    "--format", "csv", "--field", "SWRQ", "--field", "SWYY", "--update-cycle", "monthly",
    "--sharing-type", "conditional", "--scope", "civil affairs", "--method", "interface",
    "--source-system", "hukou", "--security-level", "important",
]  # fmt: skip


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("deploy")
    deployment = Deployment(root, ("MCA", "MPS")).set_up()
    yield deployment
    deployment.stop()


def _extracts(world: Deployment) -> None:
    """Each department's own extract (synthetic), in its own directory only."""
    world.pprl(
        "MCA", "synth", "--scenario", "low-income-vs-deaths", "--size", "3000",
        "--seed", "1", "--out", str(world.root / "synthetic"),
    )  # fmt: skip
    for party, name in (("MCA", "mz_low_income"), ("MPS", "gaj_deaths")):
        for suffix in (".csv", ".columns.json"):
            world.send(world.root / "synthetic" / f"{name}{suffix}", party)


def test_apply_approve_relay_upload_run_disclose_warnings_audit(world):
    mca, mps = world.home("MCA"), world.home("MPS")
    _extracts(world)
    world.pprl("MPS", "catalog", "add", "--id", "MPS-DEATHS", *ENTRY)
    ag = world.pprl(
        "MCA", "agreement", "apply", "--provider", "MPS", "--entry", "MPS-DEATHS",
        "--purpose", "find deceased recipients", "--scenario", "low-income cross-check",
        "--scope", "330000", "--disclose", "SWRQ", "--valid-from", "2026-01-01",
        "--valid-until", "2099-12-31", "--id-only",
    ).stdout.strip()  # fmt: skip
    assert ag.startswith("AG-")
    assert world.pprl("OFFICE", "agreement", "approve", ag).stdout.strip() == f"{ag}: pending"
    assert world.pprl("MPS", "agreement", "approve", ag).stdout.strip() == f"{ag}: in-force"
    shown = json.loads(world.pprl("MCA", "agreement", "show", ag).stdout)
    assert shown["status"] == "in-force" and shown["approvals"] == ["OFFICE", "MPS"]

    # the linkage secret: made by MCA, wrapped to MPS's certificate, relayed, unwrapped by MPS
    key_id = world.pprl("MCA", "keys", "new", "--out", str(mca / "linkage.secret")).stdout.strip()
    mps_cert = world.send(world.cert("MPS"), "MCA", "recipients/MPS.crt")
    world.pprl(
        "MCA", "keys", "share", "--secret", str(mca / "linkage.secret"), "--to", str(mps_cert),
        "--out", str(mca / "wrapped"), "--relay",
    )  # fmt: skip
    got = world.pprl("MPS", "keys", "receive", "--out", str(mps / "linkage.secret")).stdout
    assert got.strip() == key_id

    datasets = {}
    for party, name, home in (("MCA", "mz_low_income", mca), ("MPS", "gaj_deaths", mps)):
        world.pprl(
            party, "encode", "--secret", str(home / "linkage.secret"), "--quiet",
            "--input", str(home / f"{name}.csv"), "--columns", str(home / f"{name}.columns.json"),
            "--department", party, "--out", str(home / f"{name}.parquet"),
        )  # fmt: skip
        datasets[party] = world.pprl(
            party, "upload", str(home / f"{name}.parquet"), "--agreement", ag,
            "--name", name, "--quiet", "--id-only",
        ).stdout.strip()  # fmt: skip
    status = json.loads(
        world.pprl(
            "MCA", "run", "create", "--agreement", ag, "--dataset-a", datasets["MCA"],
            "--dataset-b", datasets["MPS"], "--threshold", "0.8", "--json",
        ).stdout
    )  # fmt: skip
    run, matches = status["run_id"], status["matches"]
    assert status["state"] == "succeeded" and matches > 0
    assert run in world.pprl("MPS", "run", "list").stdout
    assert run not in world.pprl("OFFICE", "run", "list").stdout  # not a party

    world.pprl("MPS", "run", "results", run, "--out", str(mps / "pairs.csv"))
    world.pprl(
        "MPS", "disclose", "--run", run, "--agreement", ag,
        "--map", str(mps / "gaj_deaths.map.parquet"), "--source", str(mps / "gaj_deaths.csv"),
    )  # fmt: skip
    world.pprl(
        "MCA", "receive", "--run", run, "--agreement", ag,
        "--map", str(mca / "mz_low_income.map.parquet"), "--out", str(mca / "disclosed.csv"),
    )  # fmt: skip
    rows = list(csv.DictReader((mca / "disclosed.csv").read_text("utf-8").splitlines()))
    assert len(rows) == matches and "SWRQ" in rows[0] and "SWYY" not in rows[0]

    batch = world.pprl(
        "MCA", "warnings", "issue", "--run", run, "--agreement", ag,
        "--left-dataset", "mz_low_income", "--right-dataset", "gaj_deaths", "--seed", "7",
        "--json",
    ).stdout  # fmt: skip
    assert json.loads(batch)["issued"] == matches
    listed = world.pprl("MPS", "warnings", "list", "--json").stdout.splitlines()
    first = json.loads(listed[0])["warning_id"]
    assert len(listed) == matches
    world.pprl("MCA", "warnings", "dispute", first, "--reason", "family reports alive")
    assert "issued" in world.pprl("MPS", "warnings", "reverify", first, "--confirm").stdout
    world.pprl("MCA", "warnings", "resolve", first, "--disposition", "terminate-assistance")

    own = [json.loads(x) for x in world.pprl("MCA", "audit", "show", "--json").stdout.splitlines()]
    assert own and {e["actor"] for e in own} == {"MCA"}
    assert "warning.dispute" in {e["action"] for e in own}
    anchor = world.office / "anchor.json"
    world.pprl("OFFICE", "audit", "anchor", "--out", str(anchor))
    verified = world.pprl(
        "MATCHER", "audit", "verify", "--data-dir", str(world.data),
        "--anchor", str(world.send(anchor, "MATCHER")), "--ca", str(world.matcher / "ca.crt"),
    ).stdout  # fmt: skip
    assert "audit log verifies" in verified

    # operations: each department lists and deletes its own datasets only
    assert datasets["MCA"] in world.pprl("MCA", "dataset", "list").stdout
    assert datasets["MCA"] not in world.pprl("MPS", "dataset", "list").stdout
    denied = world.pprl("MPS", "dataset", "delete", datasets["MCA"], ok=False).stderr
    assert denied == "error: permission denied\n"
    world.pprl("MCA", "dataset", "delete", datasets["MCA"])
    assert world.pprl("MCA", "dataset", "list").stdout == ""
    # the access log: one JSON line per call, caller, method, status, duration; no contents
    access = [
        json.loads(line.split(" access ", 1)[1])
        for line in (world.data / "server.log").read_text().splitlines()
        if " access " in line
    ]
    assert {"caller", "method", "status", "ms"} == set(access[0])
    assert {"caller": "MPS", "method": "/pprl.v1.Uploads/DeleteDataset"} in [
        {k: a[k] for k in ("caller", "method")} for a in access if a["status"] != "OK"
    ]
    log_text = (world.data / "server.log").read_text()
    assert key_id not in log_text and first not in log_text

    # the matcher's machine holds its own key and nobody else's; no party opened its files
    keys = [p for p in world.matcher.rglob("*") if p.is_file() and b"PRIVATE KEY" in p.read_bytes()]
    assert keys == [world.key("MATCHER")]
    for party in ("MCA", "MPS", "OFFICE"):
        assert not list(world.home(party).rglob("governance.sqlite"))
