"""Runs, results, disclosure and recovery against the real matcher process (e2e)."""

from __future__ import annotations

import csv
import json
import time

import pyarrow.parquet as pq
import pytest
from transport_world import DEPARTMENTS, PAIRS, agreement_of, client, encoded_pair, plan

from pprl.errors import AuthorisationError, InputError, TransportError
from transport.disclosure import receive, release
from transport.generated import runs_pb2
from transport.process import MatcherProcess
from transport.provision import provision

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def uploaded(world, server, tmp_path_factory):
    out = tmp_path_factory.mktemp("run-data")
    a, b, truth = encoded_pair(out, "MCA", "MPS", 2000, 600, 150, seed=21)
    agreement = agreement_of(world, "MCA")
    with client(world, server, "MCA") as mca, client(world, server, "MPS") as mps:
        ds_a = mca.upload(a, agreement_id=agreement, dataset_name="low-income").dataset_id
        ds_b = mps.upload(b, agreement_id=agreement, dataset_name="deaths").dataset_id
    return out, agreement, ds_a, ds_b, truth


def _finish(c, run_id: str) -> runs_pb2.RunStatus:
    states = [s for s in c.watch(run_id, timeout=120)]
    assert states, "no progress streamed"
    return states[-1]


def _tokens(path) -> list[str]:
    return pq.read_table(path).column("record_token").to_pylist()


def test_run_streams_progress_and_each_party_sees_only_its_side(world, server, uploaded):
    out, agreement, ds_a, ds_b, truth = uploaded
    with client(world, server, "MCA") as mca, client(world, server, "MPS") as mps:
        created = mca.create_run(agreement, ds_a, ds_b, threshold=0.8)
        final = _finish(mca, created.run_id)
        assert final.state == runs_pb2.SUCCEEDED, final.message
        assert final.matches == len(truth)
        side_a, view_a = mca.results(created.run_id)
        side_b, view_b = mps.results(created.run_id)
        with pytest.raises(AuthorisationError):  # the provider may not launch runs
            mps.create_run(agreement, ds_a, ds_b, threshold=0.8)
    assert (side_a, side_b) == ("a", "b")
    assert "counterpart_token" not in view_a.column_names
    tokens_a, tokens_b = _tokens(out / "MCA.map.parquet"), _tokens(out / "MPS.map.parquet")
    row_a = {t: i for i, t in enumerate(tokens_a)}
    row_b = {t: i for i, t in enumerate(tokens_b)}
    assert set(view_a.column("own_token").to_pylist()) <= set(row_a)
    assert not set(view_a.column("own_token").to_pylist()) & set(row_b)
    by_id_b = dict(
        zip(
            view_b.column("match_id").to_pylist(),
            view_b.column("own_token").to_pylist(),
            strict=True,
        )
    )
    found = {
        (row_a[t], row_b[by_id_b[m]])
        for m, t in zip(
            view_a.column("match_id").to_pylist(),
            view_a.column("own_token").to_pylist(),
            strict=True,
        )
    }
    assert found == truth
    for outsider in ("HRSS", "OUTSIDER"):
        with client(world, server, outsider) as other:
            with pytest.raises(AuthorisationError):
                other.results(created.run_id)
            with pytest.raises(AuthorisationError):
                other.run_status(created.run_id)


def test_disclosure_is_sealed_end_to_end_and_limited_to_agreed_fields(
    world, server, uploaded, tmp_path, monkeypatch
):
    monkeypatch.setattr("transport.disclosure.ROWS_PER_PAYLOAD", 40)  # 150 rows: 4 payloads
    out, agreement, ds_a, ds_b, truth = uploaded
    with client(world, server, "MCA") as mca, client(world, server, "MPS") as mps:
        run_id = mca.create_run(agreement, ds_a, ds_b, threshold=0.8).run_id
        assert _finish(mca, run_id).state == runs_pb2.SUCCEEDED
        with pytest.raises(Exception, match="field"):  # "name" is not disclosable
            release(
                mps,
                run_id,
                agreement,
                map_path=out / "MPS.map.parquet",
                source_path=out / "MPS.source.csv",
                fields=("name",),
            )
        with pytest.raises(AuthorisationError):  # only the provider releases
            release(
                mca,
                run_id,
                agreement,
                map_path=out / "MCA.map.parquet",
                source_path=out / "MCA.source.csv",
            )
        report = release(
            mps,
            run_id,
            agreement,
            map_path=out / "MPS.map.parquet",
            source_path=out / "MPS.source.csv",
        )
        assert report.records == len(truth) and report.fields == ("death_date", "cause")
        assert len(report.disclosure_ids) == 4
        with pytest.raises(InputError, match="more records disclosed than the run matched"):
            release(
                mps,
                run_id,
                agreement,
                map_path=out / "MPS.map.parquet",
                source_path=out / "MPS.source.csv",
            )
        with pytest.raises(AuthorisationError):  # only the consumer collects
            receive(
                mps, run_id, agreement, map_path=out / "MPS.map.parquet", out_path=out / "x.csv"
            )
        got = receive(
            mca,
            run_id,
            agreement,
            map_path=out / "MCA.map.parquet",
            out_path=tmp_path / "disclosed.csv",
        )
    assert got.records == len(truth) and got.payloads == 4
    rows = list(csv.DictReader((tmp_path / "disclosed.csv").read_text("utf-8").splitlines()))
    expected = {(f"MCA-{a:06d}", f"cause-{b}") for a, b in truth}
    assert {(r["record_id"], r["cause"]) for r in rows} == expected
    assert "name" not in rows[0]
    # The relay holds ciphertext only: none of the disclosed values appear in the matcher's files.
    relayed = b"".join(p.read_bytes() for p in (world.matcher_dir / "disclosures").rglob("*.bin"))
    assert relayed and all(f"cause-{b}".encode() not in relayed for _, b in truth)


def test_a_run_can_be_cancelled(world, server, uploaded):
    _, agreement, ds_a, ds_b, _ = uploaded
    with client(world, server, "MCA") as mca:
        run_id = mca.create_run(agreement, ds_a, ds_b, threshold=0.8).run_id
        status = mca.cancel_run(run_id)  # the worker takes longer than this to even start
        assert status.state == runs_pb2.CANCELLED
        assert mca.run_status(run_id).state == runs_pb2.CANCELLED
        with pytest.raises(TransportError, match="failed_precondition.*no results"):
            mca.results(run_id)
    assert not (world.matcher_dir / "runs" / run_id / "result.parquet").exists()


def test_a_server_killed_during_a_run_resumes_it_with_identical_results(tmp_path):
    # A world of its own: this test kills and restarts its matcher.
    consumer, provider = PAIRS[0]
    world = provision(
        tmp_path / "w",
        {k: DEPARTMENTS[k] for k in (consumer, provider)},
        [plan(consumer, provider)],
    )
    agreement = agreement_of(world, consumer)
    a, b, truth = encoded_pair(tmp_path, consumer, provider, 3000, 900, 200, seed=5)
    matcher = MatcherProcess(world.matcher_dir, world.matcher.cert, world.matcher.key).start()
    try:
        with client(world, matcher, consumer) as c, client(world, matcher, provider) as p:
            ds_a = c.upload(a, agreement_id=agreement, dataset_name="a").dataset_id
            ds_b = p.upload(b, agreement_id=agreement, dataset_name="b").dataset_id
            run_id = c.create_run(agreement, ds_a, ds_b, threshold=0.8).run_id
            status_file = world.matcher_dir / "runs" / run_id / "status.json"
            deadline = time.monotonic() + 20
            while json.loads(status_file.read_text())["state"] != "running":
                assert time.monotonic() < deadline, "run never started"
                time.sleep(0.01)
            matcher.kill()
        status = json.loads(status_file.read_text())
        assert status["state"] == "running" and status["attempts"] == 1  # killed mid-run
        assert not (world.matcher_dir / "runs" / run_id / "result.parquet").exists()
        matcher.start()
        with client(world, matcher, consumer) as c:
            final = _finish(c, run_id)
            assert final.state == runs_pb2.SUCCEEDED and final.attempts == 2
            again = c.create_run(agreement, ds_a, ds_b, threshold=0.8).run_id
            assert _finish(c, again).state == runs_pb2.SUCCEEDED
    finally:
        matcher.stop()
    resumed = pq.read_table(world.matcher_dir / "runs" / run_id / "result.parquet")
    fresh = pq.read_table(world.matcher_dir / "runs" / again / "result.parquet")
    assert resumed.num_rows == len(truth)
    assert resumed.equals(fresh)


def test_run_keeps_b_near_copies_by_default_and_one_b_record_when_asked(world, server, uploaded):
    from transport.runstate import RUNS_SUBDIR, RunFiles

    out, agreement, ds_a, ds_b, truth = uploaded
    runs_root = world.matcher_dir / RUNS_SUBDIR
    matches, specs = {}, {}
    with client(world, server, "MCA") as mca:
        for setting in (None, 0.0, 0.5):
            run_id = mca.create_run(
                agreement, ds_a, ds_b, threshold=0.8, solver=runs_pb2.SOLVER_MANY_TO_ONE,
                duplicates_at=setting,
            ).run_id  # fmt: skip
            final = _finish(mca, run_id)
            assert final.state == runs_pb2.SUCCEEDED, final.message
            matches[setting] = final.matches
            specs[setting] = RunFiles(runs_root, run_id).spec().duplicates_at
            if setting == 0.0:  # one B record per A record
                own = mca.results(run_id)[1].column("own_token").to_pylist()
                assert len(own) == len(set(own))
        with pytest.raises(InputError, match="duplicates_at"):
            mca.create_run(agreement, ds_a, ds_b, threshold=0.8, duplicates_at=1.5)
    assert specs == {None: 0.8, 0.0: None, 0.5: 0.5}
    assert matches[0.0] <= matches[None] <= matches[0.5]
