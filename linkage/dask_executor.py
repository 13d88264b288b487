"""Running a match plan on a Dask distributed cluster.

Each partition of the plan becomes one task calling the same `run_partition` the local
executor calls, and the results are merged the same way, so the pairs are identical to a
single-process run. The rows reach the workers one of two ways:

- scattered: the driver sends both datasets' packed rows to every worker once (default);
- from files: with `files=(path_a, path_b)` each worker opens the encoded files itself
  (Arrow IPC files are memory-mapped, so workers on one host share the page cache), and only
  the plan travels. The files must be readable at the same paths on every worker.

    from dask.distributed import Client, LocalCluster
    with LocalCluster(n_workers=2, threads_per_worker=1) as cluster, Client(cluster) as client:
        result = linkage.match(a, b, 0.8, executor=DaskExecutor(client))

Needs dask distributed, the `cluster` extra (`pip install 'pprl-engine[cluster]'`).
"""

from __future__ import annotations

import functools
import os

from linkage.candidates import CandidatePairs
from linkage.executor import Progress, merge, run_partition
from linkage.kernel import PackedRows
from linkage.plan import MatchPlan, Partition
from pprl.extras import require_extra


@functools.lru_cache(maxsize=4)
def _rows_of_file(path: str, size: int, mtime_ns: int) -> PackedRows:
    # Keyed by size and mtime too, so a replaced file is read again.
    from linkage.store import load, packed_rows

    return packed_rows(load(path, verify=False))


def _rows(path: str) -> PackedRows:
    stat = os.stat(path)
    return _rows_of_file(path, stat.st_size, stat.st_mtime_ns)


def run_partition_from_files(
    plan: MatchPlan, part: Partition, path_a: str, path_b: str
) -> CandidatePairs:
    return run_partition(plan, part, _rows(path_a), _rows(path_b))


class DaskExecutor:
    def __init__(
        self,
        client,
        target_comparisons: int = 100_000_000,
        files: tuple[str, str] | None = None,
    ) -> None:
        self.client = client
        self.target_comparisons = target_comparisons
        self.files = None if files is None else (str(files[0]), str(files[1]))

    def run(
        self,
        plan: MatchPlan,
        left: PackedRows,
        right: PackedRows,
        progress: Progress | None = None,
    ) -> CandidatePairs:
        as_completed = require_extra("dask.distributed", "cluster").as_completed
        parts = plan.partitions(self.target_comparisons)
        if not parts:
            return merge(plan, [])
        plan_f = self.client.scatter(plan, broadcast=True)
        if self.files is None:
            left_f, right_f = (self.client.scatter(x, broadcast=True) for x in (left, right))
            futures = [
                self.client.submit(run_partition, plan_f, part, left_f, right_f, pure=False)
                for part in parts
            ]
        else:
            futures = [
                self.client.submit(run_partition_from_files, plan_f, part, *self.files, pure=False)
                for part in parts
            ]
        sizes = {f.key: part.comparisons for f, part in zip(futures, parts, strict=True)}
        for future in as_completed(futures):
            if progress is not None:
                progress(sizes[future.key], plan.comparisons)
        results = self.client.gather(futures)  # in partition order
        return merge(plan, results)
