"""Running a match plan on a Dask distributed cluster.

The plan and both datasets' packed rows are scattered to every worker once; each partition of
the plan becomes one task calling the same `run_partition` the local executor calls, and the
results are merged the same way, so the pairs are identical to a single-process run.

    from dask.distributed import Client, LocalCluster
    with LocalCluster(n_workers=2, threads_per_worker=1) as cluster, Client(cluster) as client:
        result = linkage.match(a, b, 0.8, executor=DaskExecutor(client))
"""

from __future__ import annotations

from linkage.candidates import CandidatePairs
from linkage.executor import Progress, merge, run_partition
from linkage.kernel import PackedRows
from linkage.plan import MatchPlan


class DaskExecutor:
    def __init__(self, client, target_comparisons: int = 100_000_000) -> None:
        self.client = client
        self.target_comparisons = target_comparisons

    def run(
        self,
        plan: MatchPlan,
        left: PackedRows,
        right: PackedRows,
        progress: Progress | None = None,
    ) -> CandidatePairs:
        from dask.distributed import as_completed

        parts = plan.partitions(self.target_comparisons)
        if not parts:
            return merge(plan, [])
        plan_f, left_f, right_f = (
            self.client.scatter(x, broadcast=True) for x in (plan, left, right)
        )
        futures = [
            self.client.submit(run_partition, plan_f, part, left_f, right_f, pure=False)
            for part in parts
        ]
        sizes = {f.key: part.comparisons for f, part in zip(futures, parts, strict=True)}
        for future in as_completed(futures):
            if progress is not None:
                progress(sizes[future.key], plan.comparisons)
        results = self.client.gather(futures)  # in partition order
        return merge(plan, results)
