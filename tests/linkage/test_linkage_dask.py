"""The same plan on a two-worker Dask cluster gives exactly the single-process result."""

from __future__ import annotations

import pytest
from dask import distributed

import linkage
from linkage.dask_executor import DaskExecutor
from linkage.testing import linked_pair


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def test_dask_executor_matches_local_run(client):
    a, b, *_ = linked_pair(1500, 1200, 700, seed=41)
    executor = DaskExecutor(client, target_comparisons=2_000)
    for blocking, solver, top_k in (
        ("keys", "greedy", None),
        ("exhaustive", "many-to-one", None),
        ("lsh", "none", 2),
    ):
        local = linkage.match(a, b, 0.7, blocking, solver, top_k=top_k)
        remote = linkage.match(a, b, 0.7, blocking, solver, top_k=top_k, executor=executor)
        plan = linkage.plan_match(a, b, 0.7, blocking, top_k=top_k)
        assert len(plan.partitions(executor.target_comparisons)) > 4  # really spread out
        assert len(local.candidates) > 100
        assert remote.candidates.same_as(local.candidates)
        assert remote.pairs.same_as(local.pairs)
    assert len(client.scheduler_info()["workers"]) == 2


def test_workers_reading_the_files_give_the_same_result(client, tmp_path):
    from linkage.store import save_arrow

    a, b, *_ = linked_pair(800, 900, 500, seed=43)
    save_arrow(a, tmp_path / "a.arrow")
    save_arrow(b, tmp_path / "b.arrow")
    a, b = linkage.load(tmp_path / "a.arrow"), linkage.load(tmp_path / "b.arrow")
    executor = DaskExecutor(client, 5_000, files=(tmp_path / "a.arrow", tmp_path / "b.arrow"))
    local = linkage.match(a, b, 0.7, "keys", "greedy")
    remote = linkage.match(a, b, 0.7, "keys", "greedy", executor=executor)
    assert len(local.pairs) > 100
    assert remote.candidates.same_as(local.candidates) and remote.pairs.same_as(local.pairs)
