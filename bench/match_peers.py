"""The matcher against anonlink (the peer), side by side in one process.

Importable by `bench/run_peers.py` and `bench/test_bench_match.py`; anonlink and clkhash are
only needed for the peer halves (they live in /work/venv-bench, see bench/make_peer_venv.sh).

    compare_dice(10_000, 100_000, 0.8)   raw Dice join, comparisons/s
    compare_greedy(1_000_000)            greedy one-to-one solver, candidate pairs/s
    end_to_end(1_000_000)                simulated 1M x 1M: blocked, joined, solved; memory

Longer than a module should be (about 530 lines) because each comparison keeps the engine's
and the peer's halves beside each other, so a reader checks they measure the same thing.
"""

from __future__ import annotations

import array
import os
import resource
import time

import numba
import numpy as np
from quality_peers import extract_records, persons_of

import linkage
from linkage.candidates import CandidatePairs
from linkage.kernel import PackedRows, dice_join
from linkage.solvers import greedy_one_to_one
from pprl.encoded import EncodedDataset


def random_filters(n: int, seed: int, density: float = 0.5) -> np.ndarray:
    """uint64[n, 16] filters with each bit set with probability `density`."""
    rng = np.random.default_rng(seed)
    if density == 0.5:
        return rng.integers(0, 2**64, size=(n, 16), dtype=np.uint64)
    bits = rng.random((n, 1024)) < density
    return np.ascontiguousarray(np.packbits(bits, axis=1).view(np.uint64))


def popcounts(filters: np.ndarray) -> np.ndarray:
    return np.unpackbits(filters.view(np.uint8), axis=1).sum(axis=1).astype(np.uint16)


def to_bitarrays(filters: np.ndarray) -> list:
    from bitarray import bitarray

    out = []
    raw = filters.view(np.uint8)
    for row in raw:
        b = bitarray(endian="big")
        b.frombytes(row.tobytes())
        out.append(b)
    return out


def _timed(fn, repeats: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def engine_dice_rate(left, right, threshold, threads: int, repeats: int = 3):
    a, b = PackedRows.of(left, popcounts(left)), PackedRows.of(right, popcounts(right))
    previous = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        dice_join(PackedRows.of(left[:64], popcounts(left[:64])), b, threshold)  # compile
        seconds, pairs = _timed(lambda: dice_join(a, b, threshold), repeats)
    finally:
        numba.set_num_threads(previous)
    return len(left) * len(right) / seconds, pairs


def anonlink_dice_rate(left, right, threshold, repeats: int = 1):
    from anonlink.similarities import dice_coefficient_accelerated

    la, rb = to_bitarrays(left), to_bitarrays(right)
    seconds, result = _timed(lambda: dice_coefficient_accelerated([la, rb], threshold), repeats)
    return len(left) * len(right) / seconds, result


def compare_dice(n_left=10_000, n_right=100_000, threshold=0.8, *, peers=True, related=True):
    """Comparisons/s for the same filters. `related`: some right rows are noisy copies of left
    rows, so the join has real output (pure random filters would match nothing at 0.8)."""
    left = random_filters(n_left, 1, 0.3)
    right = random_filters(n_right, 2, 0.3)
    if related:
        flips = random_filters(n_left // 2, 3, 0.03)
        right[: n_left // 2] = left[: n_left // 2] ^ flips
    cores = numba.config.NUMBA_NUM_THREADS
    result = {"n_left": n_left, "n_right": n_right, "threshold": threshold, "cores": cores}
    rate_all, pairs = engine_dice_rate(left, right, threshold, cores)
    rate_one, _ = engine_dice_rate(left, right, threshold, 1)
    result.update(engine_per_s=rate_all, engine_one_thread_per_s=rate_one, engine_pairs=len(pairs))
    if peers:
        peer_rate, (sims, _) = anonlink_dice_rate(left, right, threshold)
        result.update(
            anonlink_per_s=peer_rate,
            anonlink_pairs=len(sims),
            ratio=rate_all / peer_rate,
            ratio_one_thread=rate_one / peer_rate,
        )
        if len(sims) != len(pairs):
            raise AssertionError(f"engine found {len(pairs)} pairs, anonlink {len(sims)}")
    return result


def random_candidates(n_pairs: int, n_records: int, seed: int = 5) -> CandidatePairs:
    rng = np.random.default_rng(seed)
    left = rng.integers(0, n_records, n_pairs)
    right = rng.integers(0, n_records, n_pairs)
    score = np.round(rng.uniform(0.8, 1.0, n_pairs), 4)  # rounded: many ties
    return CandidatePairs.from_arrays(left, right, score).unique()


def anonlink_candidates(pairs: CandidatePairs):
    """The same pairs in anonlink's candidate format and order."""
    n = len(pairs)
    return (
        array.array("d", pairs.score.tolist()),
        (array.array("I", [0] * n), array.array("I", [1] * n)),
        (array.array("I", pairs.left.tolist()), array.array("I", pairs.right.tolist())),
    )


def compare_greedy(n_pairs=1_000_000, n_records=300_000, *, peers=True, repeats=3):
    pairs = random_candidates(n_pairs, n_records)
    greedy_one_to_one(pairs.take(np.arange(100)), n_records, n_records)  # compile
    seconds, ours = _timed(lambda: greedy_one_to_one(pairs, n_records, n_records), repeats)
    result = {"candidates": len(pairs), "engine_per_s": len(pairs) / seconds, "matches": len(ours)}
    if peers:
        from anonlink.solving import greedy_solve

        candidates = anonlink_candidates(pairs)
        peer_seconds, groups = _timed(lambda: greedy_solve(candidates), 1)
        matched = sorted(
            (g[0][1], g[1][1]) if g[0][0] == 0 else (g[1][1], g[0][1])
            for g in groups
            if len(g) == 2
        )
        ours_sorted = sorted(zip(ours.left.tolist(), ours.right.tolist(), strict=True))
        result.update(
            anonlink_per_s=len(pairs) / peer_seconds,
            anonlink_matches=len(matched),
            same_matches=matched == ours_sorted,
            ratio=seconds and peer_seconds / seconds,
        )
    return result


def _max_rss_bytes() -> int:
    """Peak resident set of this process. VmHWM, because ru_maxrss survives exec() and would
    report the parent's peak in a fresh child."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def match_worker(path_a: str, path_b: str, threshold: float, out: str) -> dict:
    """Load two Arrow files (memory-mapped), match them, save the pairs; runs in a fresh process
    so its peak RSS is the matcher's own."""
    start = time.perf_counter()
    a, b = linkage.load(path_a, verify=False), linkage.load(path_b, verify=False)
    load_s = time.perf_counter() - start
    rss_loaded = _max_rss_bytes()
    result = linkage.match(a, b, threshold, "keys", "greedy")
    total_s = time.perf_counter() - start
    np.savez(
        out,
        cand_left=result.candidates.left,
        cand_right=result.candidates.right,
        left=result.pairs.left,
        right=result.pairs.right,
    )
    return {
        "load_s": load_s,
        "match_s": total_s - load_s,
        "total_s": total_s,
        "timings_s": dict(result.timings),
        "comparisons": result.comparisons,
        "candidates": len(result.candidates),
        "pairs": len(result.pairs),
        "peak_rss_bytes": _max_rss_bytes(),
        "peak_rss_after_load_bytes": rss_loaded,
        "threads": numba.get_num_threads(),
    }


def end_to_end(n: int = 1_000_000, threshold: float = 0.8, sample: int = 2000, seed: int = 9):
    """n x n simulated records (half the people in both), keys blocking, greedy solver.

    The two datasets are written as Arrow files and matched by a fresh process (load, plan,
    compare, solve), whose peak RSS is reported per record. Pairs completeness against
    exhaustive comparison is estimated on `sample` random left rows compared with every right
    row.
    """
    import json
    import subprocess
    import sys
    import tempfile

    from linkage.evaluation import reduction_ratio
    from linkage.store import save_arrow
    from linkage.testing import linked_pair

    start = time.perf_counter()
    a, b, person_a, person_b = linked_pair(n, n, n // 2, seed)
    generate_s = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        save_arrow(a, f"{tmp}/a.arrow")
        save_arrow(b, f"{tmp}/b.arrow")
        here = os.path.dirname(os.path.abspath(__file__))
        code = (
            f"import json, sys; sys.path.insert(0, {here!r}); import match_peers; "
            "print(json.dumps(match_peers.match_worker(*sys.argv[1:3], float(sys.argv[3]), "
            "sys.argv[4])))"
        )
        run = subprocess.run(
            [sys.executable, "-c", code, f"{tmp}/a.arrow", f"{tmp}/b.arrow", str(threshold),
             f"{tmp}/pairs.npz"],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        worker = json.loads(run.stdout.strip().splitlines()[-1])
        saved = np.load(f"{tmp}/pairs.npz")
        cand_left, cand_right = saved["cand_left"], saved["cand_right"]
        left, right = saved["left"], saved["right"]
    rows = np.sort(np.random.default_rng(seed).choice(n, size=min(sample, n), replace=False))
    reference = dice_join(
        PackedRows.of(np.ascontiguousarray(a.filters[rows]), a.popcounts[rows], rows),
        PackedRows.of(b.filters, b.popcounts),
        threshold,
    )
    in_sample = np.isin(cand_left, rows)
    found = set(zip(cand_left[in_sample].tolist(), cand_right[in_sample].tolist(), strict=True))
    wanted = set(zip(reference.left.tolist(), reference.right.tolist(), strict=True))
    completeness = len(found & wanted) / len(wanted) if wanted else 1.0
    hits = int((person_a[left] == person_b[right]).sum())
    return {
        "records_a": n,
        "records_b": n,
        "threshold": threshold,
        "generate_s": generate_s,
        **worker,
        "reduction_ratio": reduction_ratio(worker["comparisons"], n, n),
        "true_pairs_found": hits,
        "true_pairs": n // 2,
        "pairs_completeness_sample": completeness,
        "sample_rows": len(rows),
        "sample_reference_pairs": len(wanted),
        "peak_rss_per_record_bytes": worker["peak_rss_bytes"] / (2 * n),
    }


# --- linkage quality on synthetic extracts: engine vs clkhash + anonlink ----------------------

QUALITY_SCENARIO = (
    "low-income-vs-household-registration",
    "mz_low_income",
    "gaj_household_register",
)


def synthetic_worker(path_a: str, path_b: str, out: str) -> dict:
    """In a fresh process: link A to B (defaults) and deduplicate B; save the pairs."""
    start = time.perf_counter()
    a, b = linkage.load(path_a, verify=False), linkage.load(path_b, verify=False)
    load_s = time.perf_counter() - start
    start = time.perf_counter()
    linked = linkage.match(a, b)
    link_s = time.perf_counter() - start
    start = time.perf_counter()
    clusters = linkage.dedup(b)
    dedup_s = time.perf_counter() - start
    np.savez(
        out,
        cand_left=linked.candidates.left,
        cand_right=linked.candidates.right,
        left=linked.pairs.left,
        right=linked.pairs.right,
        dup_left=clusters.pairs.left,
        dup_right=clusters.pairs.right,
    )
    return {
        "load_s": load_s,
        "link_s": link_s,
        "link_timings_s": dict(linked.timings),
        "link_comparisons": linked.comparisons,
        "link_pairs": len(linked.pairs),
        "dedup_s": dedup_s,
        "dedup_comparisons": clusters.comparisons,
        "dedup_pairs": len(clusters.pairs),
        "peak_rss_bytes": _max_rss_bytes(),
    }


def end_to_end_synthetic(size: int = 1_000_000, seed: int = 5, sample: int = 2000) -> dict:
    """The synthetic generator and the encoder at scale: low-income list x household register
    (about `size` rows) linked with the defaults, and the register deduplicated (its own
    size x size comparison space), matched in a fresh process."""
    import json
    import subprocess
    import sys
    import tempfile

    from bloom import LinkageSecret, encode_file
    from linkage.store import save_arrow
    from pprl_synthetic import generate_scenario

    scenario, name_a, name_b = QUALITY_SCENARIO
    figures: dict = {"scenario": scenario, "size": size, "seed": seed}
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        generate_scenario(scenario, size, seed, tmp)
        figures["generate_s"] = time.perf_counter() - start
        secret = LinkageSecret.generate()
        for name in (name_a, name_b):
            start = time.perf_counter()
            encode_file(
                f"{tmp}/{name}.csv",
                f"{tmp}/{name}.parquet",
                "cn-identity",
                secret,
                columns=f"{tmp}/{name}.columns.json",
            )
            figures[f"encode_{name}_s"] = time.perf_counter() - start
            save_arrow(linkage.load(f"{tmp}/{name}.parquet"), f"{tmp}/{name}.arrow")
        here = os.path.dirname(os.path.abspath(__file__))
        code = (
            f"import json, sys; sys.path.insert(0, {here!r}); import match_peers; "
            "print(json.dumps(match_peers.synthetic_worker(*sys.argv[1:4])))"
        )
        run = subprocess.run(
            [sys.executable, "-c", code, f"{tmp}/{name_a}.arrow", f"{tmp}/{name_b}.arrow",
             f"{tmp}/pairs.npz"],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        figures.update(json.loads(run.stdout.strip().splitlines()[-1]))
        saved = np.load(f"{tmp}/pairs.npz")
        a = linkage.load(f"{tmp}/{name_a}.arrow", verify=False)
        b = linkage.load(f"{tmp}/{name_b}.arrow", verify=False)
        figures["records_a"], figures["records_b"] = len(a), len(b)
        figures["peak_rss_per_record_bytes"] = figures["peak_rss_bytes"] / (len(a) + len(b))
        # pairs completeness of the blocked link against exhaustive, on a sample of A rows
        rows = np.sort(np.random.default_rng(seed).choice(len(a), min(sample, len(a)), False))
        reference = dice_join(
            PackedRows.of(np.ascontiguousarray(a.filters[rows]), a.popcounts[rows], rows),
            PackedRows.of(b.filters, b.popcounts),
            linkage.DEFAULT_THRESHOLD,
        )
        in_sample = np.isin(saved["cand_left"], rows)
        found = set(
            zip(
                saved["cand_left"][in_sample].tolist(),
                saved["cand_right"][in_sample].tolist(),
                strict=True,
            )
        )
        wanted = set(zip(reference.left.tolist(), reference.right.tolist(), strict=True))
        figures["candidates_completeness_sample"] = (
            len(found & wanted) / len(wanted) if wanted else 1.0
        )
        figures["sample_reference_pairs"] = len(wanted)
        # Many-to-one decides each A row alone, so the exhaustive decisions of the sample rows
        # are exact: the share of them the blocked run also made is the completeness that
        # matters to a user (exhaustive pairs above t include relatives sharing an address).
        best = reference.take(np.flatnonzero(_first_per_left_mask(reference.left)))
        chosen = set(zip(saved["left"].tolist(), saved["right"].tolist(), strict=True))
        decided = set(zip(best.left.tolist(), best.right.tolist(), strict=True))
        figures["pairs_completeness_sample"] = (
            len(chosen & decided) / len(decided) if decided else 1.0
        )
        figures["sample_exhaustive_decisions"] = len(decided)
        # linkage quality of the link against the truth files
        from linkage.evaluation import count_true_pairs, quality

        ids_a = extract_records(tmp, name_a)[1]
        ids_b = extract_records(tmp, name_b)[1]
        persons_a, all_a = persons_of(tmp, name_a, ids_a)
        persons_b, all_b = persons_of(tmp, name_b, ids_b)
        rows_a = pq_source_rows(f"{tmp}/{name_a}.map.parquet", a)
        rows_b = pq_source_rows(f"{tmp}/{name_b}.map.parquet", b)
        missed = wanted - found
        true_wanted = {(x, y) for x, y in wanted if persons_a[rows_a[x]] == persons_b[rows_b[y]]}
        figures["sample_missed_candidates"] = len(missed)
        figures["sample_missed_candidates_true_matches"] = len(true_wanted & missed)
        # Pairs completeness over the true matches exhaustive comparison finds at t.
        figures["true_match_completeness_sample"] = (
            len(true_wanted & found) / len(true_wanted) if true_wanted else 1.0
        )
        figures["sample_exhaustive_true_matches"] = len(true_wanted)
        q = quality(
            persons_a[rows_a[saved["left"]]].astype(str),
            persons_b[rows_b[saved["right"]]].astype(str),
            count_true_pairs(np.array(all_a), np.array(all_b)),
        )
        figures["link_quality"] = q.to_dict()
    return figures


def _first_per_left_mask(left: np.ndarray) -> np.ndarray:
    """In canonical order, the first (best) pair of each left row."""
    _, first = np.unique(left, return_index=True)
    mask = np.zeros(len(left), dtype=bool)
    mask[first] = True
    return mask


def pq_source_rows(map_path: str, dataset) -> np.ndarray:
    """Source row of every encoded row, through the department's map (token -> source_row)."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    mapping = pq.read_table(map_path, columns=["record_token", "source_row"])
    index = pc.index_in(dataset.tokens, value_set=mapping.column("record_token"))
    return mapping.column("source_row").to_numpy()[index.to_numpy(zero_copy_only=False)]


def dedup_quality(size: int = 20_000, seed: int = 3, threshold: float | None = None) -> dict:
    """Deduplication of the synthetic low-income list (scenario low-income-dedup), defaults.

    Found pairs are the record pairs inside each cluster; true pairs are record pairs of the
    same person in the truth file.
    """
    import tempfile

    from bloom import LinkageSecret, encode_file
    from linkage.evaluation import count_true_pairs, quality
    from pprl_synthetic import generate_scenario

    name = "mz_low_income"
    with tempfile.TemporaryDirectory() as tmp:
        generate_scenario("low-income-dedup", size, seed, tmp)
        encode_file(
            f"{tmp}/{name}.csv",
            f"{tmp}/{name}.parquet",
            "cn-identity",
            LinkageSecret.generate(),
            columns=f"{tmp}/{name}.columns.json",
        )
        data = linkage.load(f"{tmp}/{name}.parquet")
        start = time.perf_counter()
        t = linkage.DEFAULT_DEDUP_THRESHOLD if threshold is None else threshold
        clusters = linkage.dedup(data, t)
        seconds = time.perf_counter() - start
        ids = extract_records(tmp, name)[1]
        persons, everyone = persons_of(tmp, name, ids)
        rows = pq_source_rows(f"{tmp}/{name}.map.parquet", data)
        labels = clusters.labels
        members = np.argsort(labels, kind="stable")
        left, right = [], []
        bounds = np.flatnonzero(np.r_[True, labels[members][1:] != labels[members][:-1], True])
        for s, e in zip(bounds[:-1], bounds[1:], strict=True):
            group = members[s:e]
            for x in range(len(group)):
                for y in range(x + 1, len(group)):
                    left.append(group[x])
                    right.append(group[y])
        left, right = np.array(left, dtype=np.int64), np.array(right, dtype=np.int64)
        everyone = np.array(everyone)
        true_pairs = (count_true_pairs(everyone, everyone) - len(everyone)) // 2
        q = quality(persons[rows[left]].astype(str), persons[rows[right]].astype(str), true_pairs)
    return {
        "scenario": "low-income-dedup",
        "size": size,
        "records": len(data),
        "threshold": t,
        "dedup_s": seconds,
        "comparisons": clusters.comparisons,
        "clusters": int((np.bincount(labels) > 1).sum()),
        "quality": q.to_dict(),
    }


def synthetic_encodings(size: int, seed: int) -> tuple[EncodedDataset, EncodedDataset]:
    """The low-income list and the household register of `QUALITY_SCENARIO` (about `size`
    rows), generated with `seed` and encoded by `bloom` under one fresh secret."""
    import tempfile

    from bloom import LinkageSecret, encode_file
    from pprl_synthetic import generate_scenario

    scenario, name_a, name_b = QUALITY_SCENARIO
    with tempfile.TemporaryDirectory() as tmp:
        generate_scenario(scenario, size, seed, tmp)
        secret = LinkageSecret.generate()
        for name in (name_a, name_b):
            encode_file(
                f"{tmp}/{name}.csv",
                f"{tmp}/{name}.parquet",
                "cn-identity",
                secret,
                columns=f"{tmp}/{name}.columns.json",
            )
        return linkage.load(f"{tmp}/{name_a}.parquet"), linkage.load(f"{tmp}/{name_b}.parquet")


def compare_dice_synthetic(size: int = 200_000, n_left: int = 2000, thresholds=(0.8, 0.7)):
    """Raw Dice on real encodings: low-income rows against the whole household register."""
    a, b = synthetic_encodings(size, 11)
    left = np.ascontiguousarray(a.filters[:n_left])
    right = np.ascontiguousarray(b.filters)
    cores = numba.config.NUMBA_NUM_THREADS
    figures = {}
    for threshold in thresholds:
        rate_all, pairs = engine_dice_rate(left, right, threshold, cores)
        rate_one, _ = engine_dice_rate(left, right, threshold, 1)
        peer_rate, (sims, _) = anonlink_dice_rate(left, right, threshold)
        if len(sims) != len(pairs):
            raise AssertionError(f"engine found {len(pairs)} pairs, anonlink {len(sims)}")
        figures[str(threshold)] = {
            "n_left": len(left),
            "n_right": len(right),
            "threshold": threshold,
            "cores": cores,
            "pairs": len(pairs),
            "engine_per_s": rate_all,
            "engine_one_thread_per_s": rate_one,
            "anonlink_per_s": peer_rate,
            "ratio": rate_all / peer_rate,
            "ratio_one_thread": rate_one / peer_rate,
        }
    return figures
