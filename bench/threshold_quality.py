"""The threshold a run chooses for itself against the best one the truth would choose.

    /work/venv/bin/python bench/threshold_quality.py --sizes 20000 100000 --seeds 1 2 3

Linking: scenario `low-income-all-departments`, the low-income list (A) against each of the
eleven department extracts (B), cn-identity, keys blocking, many-to-one (the defaults). Each
run is made once at its defaults (`threshold="auto"`); the best threshold is then found over a
sweep (0.5 .. 0.95 in steps of 0.005) of the same run's decisions at the floor (for
many-to-one the decisions above t are exactly the floor's decisions scoring at least t; the
script checks this at the chosen threshold). The stated threshold (0.6) is shown beside them.

Deduplication: the low-income list of scenario `low-income-dedup` (5 % of people entered twice)
and the household register of `low-income-all-departments`; pairwise F1 of the clusters.

Calibration: every decided pair's match probability against the truth, binned (the pairs a
run writes), and the same for the solver's decisions at the floor (what the review band is
taken from). Writes `bench/results/threshold-<UTC time>.json` and `.md`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

import linkage  # noqa: E402
from linkage.evaluation import all_persons, count_true_pairs, quality  # noqa: E402

LINK_SCENARIO = "low-income-all-departments"
DEDUP_SCENARIO = "low-income-dedup"
LIST = "mz_low_income"
REGISTER = "gaj_household_register"
SWEEP = np.round(np.arange(0.5, 0.95 + 1e-9, 0.005), 3)
BINS = (0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 1.0)


def _encode_all(directory: str, names: list[str], seed: int) -> dict:
    import hashlib

    from quality_peers import _encoded_persons

    from bloom import LinkageSecret, encode_file

    # A secret derived from the seed, so that a rerun encodes (and scores) the same way.
    secret = LinkageSecret.from_bytes(hashlib.sha256(f"threshold-bench-{seed}".encode()).digest())
    out = {}
    for name in names:
        base = f"{directory}/{name}"
        encode_file(f"{base}.csv", f"{base}.parquet", "cn-identity", secret,
                    columns=f"{base}.columns.json")  # fmt: skip
        data = linkage.load(f"{base}.parquet")
        persons = _encoded_persons(directory, name, data).astype(str)
        out[name] = (data, persons, all_persons(f"{directory}/truth/{name}.csv").astype(str))
    return out


def _link(a, pa_, everyone_a, b, pb, everyone_b) -> tuple[dict, list]:
    true_pairs = count_true_pairs(everyone_a, everyone_b)
    r = linkage.match(a, b)
    floor = r.floor_pairs
    truth_floor = pa_[floor.left] == pb[floor.right]

    def f1_at(t: float) -> dict:
        keep = floor.score >= t
        return quality(pa_[floor.left[keep]], pb[floor.right[keep]], true_pairs).to_dict()

    default = quality(pa_[r.pairs.left], pb[r.pairs.right], true_pairs).to_dict()
    assert abs(f1_at(r.threshold)["f1"] - default["f1"]) < 1e-12, "sweep differs from the run"
    sweep = {float(t): f1_at(t) for t in SWEEP}
    best = max(sweep, key=lambda t: (sweep[t]["f1"], -abs(t - r.threshold)))
    stated = r.choice.stated
    samples = []
    if r.probability is not None:
        samples.append(("decided", r.probability, pa_[r.pairs.left] == pb[r.pairs.right]))
        samples.append(("floor", r.choice.probability(floor.score), truth_floor))
    return {
        "records_b": len(b),
        "true_pairs": true_pairs,
        "threshold": r.threshold,
        "method": r.choice.method.value,
        "reason": r.choice.reason,
        "default": default,
        "stated": f1_at(stated),
        "best_threshold": best,
        "best": sweep[best],
        "review_pairs": r.summary()["review_band"]["pairs"],
    }, samples


def _pairwise(labels: np.ndarray, persons: np.ndarray, true_pairs: int) -> dict:
    """Pairwise quality of clusters: found pairs are the record pairs inside each cluster."""
    _, cluster_sizes = np.unique(labels, return_counts=True)
    found = int((cluster_sizes * (cluster_sizes - 1) // 2).sum())
    keys = np.char.add(np.char.add(labels.astype(str), "|"), persons)
    _, both = np.unique(keys, return_counts=True)
    tp = int((both * (both - 1) // 2).sum())
    precision = tp / found if found else 1.0
    recall = tp / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"pairs": found, "true_positives": tp, "true_pairs": true_pairs, "f1": f1,
            "precision": precision, "recall": recall}  # fmt: skip


def _dedup(data, persons, everyone) -> dict:
    from linkage.solvers import cluster_labels

    _, counts = np.unique(everyone, return_counts=True)
    true_pairs = int((counts * (counts - 1) // 2).sum())
    default = linkage.dedup(data)
    scored = linkage.dedup(data, default.choice.floor).pairs  # every pair the run scored

    def at(t: float) -> dict:
        kept = scored.take(np.flatnonzero(scored.score >= t))
        return _pairwise(cluster_labels(kept, len(data)), persons, true_pairs)

    sweep = {float(t): at(t) for t in SWEEP}
    best = max(sweep, key=lambda t: (sweep[t]["f1"], -abs(t - default.threshold)))
    return {
        "records": len(data),
        "threshold": default.threshold,
        "method": default.choice.method.value,
        "reason": default.choice.reason,
        "default": _pairwise(default.labels, persons, true_pairs),
        "stated": at(default.choice.stated),
        "best_threshold": best,
        "best": sweep[best],
    }


def one_seed(size: int, seed: int) -> tuple[dict, list]:
    from pprl_synthetic import generate_scenario

    out, samples = {"size": size, "seed": seed, "link": {}, "dedup": {}}, []
    with tempfile.TemporaryDirectory() as directory:
        info = generate_scenario(LINK_SCENARIO, size, seed, directory)
        names = [e["name"] for e in info["extracts"]]
        data = _encode_all(directory, names, seed)
        a, pa_, everyone_a = data[LIST]
        for name in names:
            if name != LIST:
                out["link"][name], s = _link(a, pa_, everyone_a, *data[name])
                samples += s
        out["dedup"][f"{LINK_SCENARIO}/{REGISTER}"] = _dedup(*data[REGISTER])
    with tempfile.TemporaryDirectory() as directory:
        generate_scenario(DEDUP_SCENARIO, size, seed, directory)
        out["dedup"][f"{DEDUP_SCENARIO}/{LIST}"] = _dedup(
            *_encode_all(directory, [LIST], seed)[LIST]
        )
    return out, samples


def reliability(samples: list, kind: str) -> list[dict]:
    chosen = [(p, y) for k, p, y in samples if k == kind]
    if not chosen:
        return []
    p = np.concatenate([x[0] for x in chosen])
    y = np.concatenate([x[1] for x in chosen]).astype(float)
    rows = []
    for i, (lo, hi) in enumerate(zip(BINS[:-1], BINS[1:], strict=True)):
        inside = (p >= lo) & ((p < hi) if i < len(BINS) - 2 else (p <= hi))
        n = int(inside.sum())
        rows.append(
            {
                "bin": [lo, hi],
                "pairs": n,
                "predicted": float(p[inside].mean()) if n else None,
                "observed": float(y[inside].mean()) if n else None,
            }
        )
    return rows


def _mean(runs, part, setting) -> float:
    return float(np.mean([x[setting]["f1"] for r in runs for x in r[part].values()]))


def summarise(runs: list[dict]) -> dict:
    summary = {}
    for size in sorted({r["size"] for r in runs}):
        rs = [r for r in runs if r["size"] == size]
        row = {}
        for part in ("link", "dedup"):
            row[part] = {s: _mean(rs, part, s) for s in ("default", "stated", "best")}
            gaps = [x["best"]["f1"] - x["default"]["f1"] for r in rs for x in r[part].values()]
            row[part]["largest_gap"] = float(np.max(gaps))
            row[part]["fitted"] = sum(x["method"] == "fitted" for r in rs for x in r[part].values())
            row[part]["runs"] = sum(len(r[part]) for r in rs)
        summary[str(size)] = row
    return summary


def markdown(result: dict) -> str:
    lines = [
        f"# Threshold chosen by the run vs the best one ({result['when']})",
        "",
        f"`{result['command']}` on {result['machine']}. Linking: `{LINK_SCENARIO}`, "
        f"{LIST} against each of the eleven extracts; dedup: `{DEDUP_SCENARIO}` list and the "
        f"{LINK_SCENARIO} household register. F1 means over extracts x seeds "
        f"{','.join(map(str, result['seeds']))}; best = the best threshold per run, chosen "
        "with the truth; stated = cn-identity's 0.6.",
        "",
        "| size | task | default (auto) F1 | best F1 | best - default | largest gap | "
        "stated 0.6 F1 | runs fitted |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for size, row in result["summary"].items():
        for part in ("link", "dedup"):
            x = row[part]
            lines.append(
                f"| {int(size):,} | {part} | {x['default']:.4f} | {x['best']:.4f} | "
                f"{x['best'] - x['default']:+.4f} | {x['largest_gap']:.4f} | {x['stated']:.4f} "
                f"| {x['fitted']} of {x['runs']} |"
            )
    for kind, title in (
        ("decided", "decided pairs (the output)"),
        ("floor", "the solver's decisions at the floor (the review band's population)"),
    ):
        lines += [
            "",
            f"## Reliability: {title}",
            "",
            "| probability bin | pairs | mean predicted | observed share true |",
            "| --- | --- | --- | --- |",
        ]
        for row in result["reliability"][kind]:
            pred = "-" if row["predicted"] is None else f"{row['predicted']:.3f}"
            obs = "-" if row["observed"] is None else f"{row['observed']:.3f}"
            lines.append(
                f"| {row['bin'][0]:g}-{row['bin'][1]:g} | {row['pairs']:,} | {pred} | {obs} |"
            )
    lines += [
        "",
        "## Per run",
        "",
        "| size | seed | task | data | true pairs | auto t (method) | default F1 | best t "
        "| best F1 |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in result["runs"]:
        for part in ("link", "dedup"):
            for name, x in r[part].items():
                true_pairs = x.get("true_pairs", x["default"]["true_pairs"])
                lines.append(
                    f"| {r['size']:,} | {r['seed']} | {part} | {name} | {true_pairs:,} | "
                    f"{x['threshold']:g} ({x['method']}) | {x['default']['f1']:.4f} | "
                    f"{x['best_threshold']:g} | {x['best']['f1']:.4f} |"
                )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--out", default=str(Path(__file__).parent / "results"))
    args = parser.parse_args(argv)
    started = time.perf_counter()
    runs, samples = [], []
    for size in args.sizes:
        for seed in args.seeds:
            run, s = one_seed(size, seed)
            runs.append(run)
            samples += s
            print(f"size {size:,} seed {seed}: done ({time.perf_counter() - started:.0f} s)")
    when = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    result = {
        "when": when,
        "command": "python bench/threshold_quality.py "
        + " ".join(sys.argv[1:] if argv is None else argv),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "seeds": args.seeds,
        "sizes": args.sizes,
        "seconds": time.perf_counter() - started,
        "summary": summarise(runs),
        "reliability": {k: reliability(samples, k) for k in ("decided", "floor")},
        "runs": runs,
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"threshold-{when}.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    (out / f"threshold-{when}.md").write_text(markdown(result), encoding="utf-8")
    print(markdown(result).split("## Per run")[0])
    return result


if __name__ == "__main__":
    main()
