"""The client commands against the real matcher process: upload, run, results, disclose, receive."""

from __future__ import annotations

import csv
import io
import re

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from click.testing import CliRunner
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from transport_world import agreement_of, client, encoded_pair

from linkage.options import BlockingMethod
from pprl_app.cli import main
from transport.runstate import RUNS_SUBDIR, RunFiles

pytestmark = pytest.mark.e2e


def _env(world, server, department):
    party = world.parties[department]
    return {
        "PPRL_SERVER": server.target,
        "PPRL_CERT": str(party.cert),
        "PPRL_KEY": str(party.key),
        "PPRL_CA": str(party.ca),
    }


def _ok(args, env):
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 0, result.output
    return result.output


def test_the_client_commands_drive_a_whole_cross_match(world, server, tmp_path):
    a, b, truth = encoded_pair(tmp_path, "MCA", "MPS", 800, 300, 60, seed=77)
    agreement = agreement_of(world, "MCA")
    mca, mps = _env(world, server, "MCA"), _env(world, server, "MPS")
    out_a = _ok(["upload", str(a), "--agreement", agreement, "--name", "cli-a"], mca)
    out_b = _ok(["upload", str(b), "--agreement", agreement, "--name", "cli-b"], mps)
    ds_a = re.search(r"dataset (\S+):", out_a).group(1)
    ds_b = re.search(r"dataset (\S+):", out_b).group(1)
    created = _ok(
        ["run", "create", "--agreement", agreement, "--dataset-a", ds_a, "--dataset-b", ds_b],
        mca,
    )
    assert f"matches={len(truth)}" in created
    run_id = re.search(r"(run-[0-9a-f]{16})", created).group(1)
    spec = RunFiles(world.matcher_dir / RUNS_SUBDIR, run_id).spec()
    assert (spec.duplicates_at, spec.blocking) == (0.8, BlockingMethod.KEYS)
    one_b = _ok(
        ["run", "create", "--agreement", agreement, "--dataset-a", ds_a, "--dataset-b", ds_b,
         "--duplicates-at", "off", "--blocking", "exhaustive"],
        mca,
    )  # fmt: skip
    one_b_id = re.search(r"(run-[0-9a-f]{16})", one_b).group(1)
    spec = RunFiles(world.matcher_dir / RUNS_SUBDIR, one_b_id).spec()
    assert (spec.duplicates_at, spec.blocking) == (None, BlockingMethod.EXHAUSTIVE)
    status = _ok(["run", "status", run_id], mps)
    assert "succeeded" in status and "threshold " in status  # the chosen threshold and why
    _ok(["run", "results", run_id, "--out", str(tmp_path / "pairs.csv")], mps)
    pairs = list(csv.DictReader((tmp_path / "pairs.csv").read_text().splitlines()))
    assert len(pairs) == len(truth) and set(pairs[0]) == {
        "match_id",
        "own_token",
        "score",
        "probability",
    }
    reported = _ok(["run", "report", run_id, "--out", str(tmp_path / "run.html")], mps)
    page = (tmp_path / "run.html").read_text(encoding="utf-8")
    assert "report of" in reported and run_id in page and 'id="histogram"' in page
    # The provider's extract is a GB18030 export with Chinese values, read with --encoding.
    source = pacsv.read_csv(tmp_path / "MPS.source.csv")
    causes = [f"死因{i}" for i in range(source.num_rows)]
    source = source.set_column(source.column_names.index("cause"), "cause", pa.array(causes))
    text = io.BytesIO()
    pacsv.write_csv(source, text)
    (tmp_path / "MPS.gbk.csv").write_bytes(text.getvalue().decode("utf-8").encode("gb18030"))
    _ok(
        [
            "disclose",
            "--run",
            run_id,
            "--agreement",
            agreement,
            "--map",
            str(tmp_path / "MPS.map.parquet"),
            "--source",
            str(tmp_path / "MPS.gbk.csv"),
            "--encoding",
            "gb18030",
            "--field",
            "cause",
        ],
        mps,
    )
    got = _ok(
        [
            "receive",
            "--run",
            run_id,
            "--agreement",
            agreement,
            "--map",
            str(tmp_path / "MCA.map.parquet"),
            "--out",
            str(tmp_path / "in.csv"),
        ],
        mca,
    )
    assert f"{len(truth)} disclosed records" in got
    rows = list(csv.DictReader((tmp_path / "in.csv").read_text("utf-8").splitlines()))
    assert set(rows[0]) == {"record_id", "match_id", "score", "provider", "cause"}
    cause_of = {f"MCA-{a:06d}": f"死因{b}" for a, b in truth}
    assert {r["record_id"]: r["cause"] for r in rows} == cause_of


def test_refusals_are_one_line_without_traceback(world, server):
    result = CliRunner().invoke(
        main, ["run", "status", "run-0000000000000000"], env=_env(world, server, "OUTSIDER")
    )
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert result.output.strip().splitlines() == ["error: permission denied"]


def test_server_reflection_lists_the_services(world, server):
    with client(world, server, "MCA") as c:
        stub = reflection_pb2_grpc.ServerReflectionStub(c.channel)
        request = reflection_pb2.ServerReflectionRequest(list_services="")
        reply = next(stub.ServerReflectionInfo(iter([request]), timeout=5))
    names = {s.name for s in reply.list_services_response.service}
    assert {
        "pprl.v1.Uploads",
        "pprl.v1.Runs",
        "pprl.v1.Disclosure",
        "grpc.health.v1.Health",
    } <= names
