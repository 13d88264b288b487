"""Refusals do not tell an outsider what exists; run failures do not tell clients server paths."""

from __future__ import annotations

import logging
import time

import pyarrow as pa
import pytest
from transport_world import agreement_of, client, encoded_pair

from pprl.errors import PprlError
from transport.generated import runs_pb2
from transport.results import ipc_bytes
from transport.runs import RunManager
from transport.runstate import RunState
from transport.uploads import DATASET_SUFFIX

pytestmark = pytest.mark.e2e

NO_SUCH_RUN = "run-0123456789abcdef"


@pytest.fixture(scope="module")
def other_run(world, server, tmp_path_factory):
    """A finished run under the HRSS/HOUSING agreement, and MCA's own dataset under its own."""
    out = tmp_path_factory.mktemp("oracle-data")
    a, b, _ = encoded_pair(out, "HRSS", "HOUSING", 60, 40, 10, seed=5)
    mca_a, _, _ = encoded_pair(out, "MCA", "MPS", 30, 30, 5, seed=6)
    agreement = agreement_of(world, "HRSS")
    with client(world, server, "HRSS") as hrss, client(world, server, "HOUSING") as housing:
        ds_a = hrss.upload(a, agreement_id=agreement, dataset_name="hrss").dataset_id
        ds_b = housing.upload(b, agreement_id=agreement, dataset_name="housing").dataset_id
        run = hrss.create_run(agreement, ds_a, ds_b, threshold=0.8)
        final = list(hrss.watch(run.run_id, timeout=120))[-1]
        assert final.state == runs_pb2.SUCCEEDED
    with client(world, server, "MCA") as mca:
        own = mca.upload(mca_a, agreement_id=agreement_of(world, "MCA"), dataset_name="own")
    return run.run_id, ds_a, own.dataset_id


def _refusal(call) -> tuple[type, str]:
    with pytest.raises(PprlError) as caught:
        result = call()
        if hasattr(result, "__next__"):
            list(result)
    return type(caught.value), str(caught.value)


def test_an_unknown_run_and_another_agreements_run_are_refused_alike(world, server, other_run):
    theirs, _, _ = other_run
    with client(world, server, "MCA") as mca:
        for method in (mca.run_status, mca.cancel_run, mca.results, mca.fetch, mca.watch):
            unknown = _refusal(lambda m=method: m(NO_SUCH_RUN))
            foreign = _refusal(lambda m=method: m(theirs))
            assert unknown == foreign, method.__name__
            assert unknown[1] == "permission denied"


def test_an_unknown_dataset_and_another_agreements_dataset_are_refused_alike(
    world, server, other_run
):
    _, theirs, own = other_run
    agreement = agreement_of(world, "MCA")
    with client(world, server, "MCA") as mca:
        unknown = _refusal(
            lambda: mca.create_run(agreement, own, "nosuch-0123456789ab", threshold=0.8)
        )
        foreign = _refusal(lambda: mca.create_run(agreement, own, theirs, threshold=0.8))
    assert unknown == foreign
    assert unknown[1] == "permission denied"


def test_a_failed_run_tells_the_client_nothing_about_server_paths(tmp_path, caplog):
    datasets = tmp_path / "datasets"
    datasets.mkdir()
    for name in ("bad-a", "bad-b"):  # an Arrow stream that is not an encoded dataset
        (datasets / f"{name}{DATASET_SUFFIX}").write_bytes(ipc_bytes(pa.table({"x": [1]})))
    manager = RunManager(tmp_path)
    manager.start()
    try:
        with caplog.at_level(logging.INFO, logger="pprl.transport"):
            spec = manager.create(
                {
                    "agreement_id": "AG-1",
                    "dataset_a": "bad-a",
                    "dataset_b": "bad-b",
                    "threshold": 0.8,
                    "blocking": "",
                    "solver": "greedy",
                    "created_by": "MCA",
                    "created_at": "2026-01-01T00:00:00+00:00",
                }
            )
            deadline = time.monotonic() + 60
            while not (status := manager.files(spec.run_id).status()).state.final:
                assert time.monotonic() < deadline, "the run never ended"
                time.sleep(0.05)
            time.sleep(0.2)  # the manager logs after the worker has exited
    finally:
        manager.stop()
    assert status.state is RunState.FAILED
    assert str(tmp_path) not in status.message and "bad-a" not in status.message
    assert "not an encoded dataset" in caplog.text  # the operator keeps the detail
