"""The command line a department runs, timed as a user sees it (start-up included), beside clkhash.

    /work/venv-bench/bin/python bench/cli_speed.py [--sizes 20000 200000] [--million] [--runs 5]

Records come from the synthetic generator (`pprl synth`, household-register extract, seed 5),
cut to each size and written once as the extract's own CSV and columns file. Then, in one run:
- `pprl --help`, `pprl encode` of 1 row and `pprl match` of 1 x 1 rows: wall time of a fresh
  process, median of `--runs`;
- `pprl encode` of 2 files of 20,000 rows and of 1 file of each `--sizes` (start-up included)
  against clkhash 0.18.3 with 2 workers (`generate_clk_from_csv(..., max_workers=2)` in a fresh
  Python process that imports clkhash, reads the same records from CSV and writes the filters
  as JSON: clkhash ships no command line), median of `--runs` (1 for clkhash above 100,000
  rows: it takes a minute);
- with `--million`: `pprl encode` of 1,000,000 rows, wall time and peak memory (max RSS of the
  process and its workers).
The engine is run from the `pprl` beside this Python; clkhash from this Python (its venv,
`bench/make_peer_venv.sh`). The load average before and after is recorded, because the machine
may be shared. Writes `bench/results/cli-speed-<UTC time>.md` (and .json).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import itertools
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
PPRL = str(Path(sys.executable).with_name("pprl"))
PASSPHRASE = "bench passphrase"  # for the throw-away secret of this run only
SEED = 5
# clkhash's field names for the register's columns (cn-identity's names), see encode_peers.py
CLKHASH_DRIVER = """
import json, sys
sys.path.insert(0, {bench!r})
from encode_peers import clkhash_schema
from clkhash.clk import generate_clk_from_csv
source, out, fields = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
with open(source, encoding="utf-8", newline="") as handle:
    clks = generate_clk_from_csv(handle, "bench secret", clkhash_schema(fields),
                                 header="ignore", progress_bar=False, max_workers=2)
with open(out, "w") as handle:
    json.dump({{"clks": [c.tobytes().hex() for c in clks]}}, handle)
"""


def run(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds of one fresh process and the peak RSS (KiB) of it or its largest worker."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(child.pid, 0)  # this child's own usage, not all children's
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            errors.seek(0)
            text = errors.read().decode(errors="replace")[-2000:]
            raise SystemExit(f"{' '.join(command)} failed:\n{text}")
    return wall, usage.ru_maxrss


def median_time(command: list[str], env: dict[str, str], runs: int) -> float:
    return statistics.median(run(command, env)[0] for _ in range(runs))


def make_inputs(work: Path, sizes: list[int]) -> dict[int, Path]:
    """CSV files of the register extract with the first n rows, for each n (and its columns)."""
    top = max(sizes)
    synth = work / "synth"
    people = int(top * 1.85) + 1000  # the register holds about 0.54 records per person
    subprocess.run(
        [PPRL, "synth", "--scenario", "low-income-vs-household-registration",
         "--size", str(people), "--seed", str(SEED), "--out", str(synth), "--quiet"],
        check=True,
    )  # fmt: skip
    source = synth / "gaj_household_register.csv"
    columns = json.loads(source.with_suffix(".columns.json").read_text(encoding="utf-8"))
    (work / "columns.json").write_text(json.dumps(columns), encoding="utf-8")
    with open(source, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(itertools.islice(reader, top))
    if len(rows) < top:
        raise SystemExit(f"the generator made {len(rows)} rows, fewer than {top}")
    fields = [f for f in columns if f != "record_id"]
    picks = [header.index(columns[f]) for f in fields]
    paths = {}
    for n in sorted(set(sizes)):
        path = work / f"rows{n}.csv"
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows[:n])
        # the same records for clkhash, its fields in order
        with open(work / f"rows{n}.clkhash.csv", "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(fields)
            writer.writerows([row[i] for i in picks] for row in rows[:n])
        paths[n] = path
    (work / "fields.txt").write_text(",".join(fields), encoding="utf-8")
    return paths


def engine_encode(work: Path, source: Path, out: str) -> list[str]:
    return [PPRL, "encode", "--secret", str(work / "secret.key"), "--input", str(source),
            "--columns", str(work / "columns.json"), "--out", str(work / out),
            "--force", "--quiet"]  # fmt: skip


def peer_encode(work: Path, n: int, out: str) -> list[str]:
    driver = work / "clkhash_driver.py"
    fields = (work / "fields.txt").read_text(encoding="utf-8")
    return [
        sys.executable,
        str(driver),
        str(work / f"rows{n}.clkhash.csv"),
        str(work / out),
        fields,
    ]


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 200_000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--million", action="store_true", help="also encode 1,000,000 rows")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()
    env = {**os.environ, "PPRL_PASSPHRASE": PASSPHRASE}
    sizes = sorted({1, 20_000, *args.sizes, *([1_000_000] if args.million else [])})
    rows: list[tuple[str, str, str, str]] = []
    figures: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="pprl-cli-speed-") as tmp:
        work = Path(tmp)
        (work / "clkhash_driver.py").write_text(CLKHASH_DRIVER.format(bench=str(HERE)))
        inputs = make_inputs(work, sizes)
        subprocess.run([PPRL, "keys", "new", "--out", str(work / "secret.key")], env=env,
                       check=True, capture_output=True)  # fmt: skip
        run(engine_encode(work, inputs[1], "warm.parquet"), env)  # Numba's cache, once

        help_s = median_time([PPRL, "--help"], env, args.runs)
        one = median_time(engine_encode(work, inputs[1], "one.parquet"), env, args.runs)
        match = [PPRL, "match", str(work / "one.parquet"), str(work / "one.parquet"),
                 "--out", str(work / "pairs.csv"), "--quiet"]  # fmt: skip
        match_s = median_time(match, env, args.runs)
        figures.update(help=help_s, encode_1=one, match_1x1=match_s)
        rows += [
            ("`pprl --help`", f"{help_s:.2f} s", "", ""),
            ("`pprl encode`, 1 row", f"{one:.2f} s", "", ""),
            ("`pprl match`, 1 x 1 rows", f"{match_s:.2f} s", "", ""),
        ]

        def both(n: int, files: int) -> None:
            runs = args.runs
            peer_runs = 1 if n > 100_000 else runs
            engine = [engine_encode(work, inputs[n], f"e{n}-{i}.parquet") for i in range(files)]
            peer = [peer_encode(work, n, f"p{n}-{i}.json") for i in range(files)]
            e = statistics.median(sum(run(c, env)[0] for c in engine) for _ in range(runs))
            p = statistics.median(sum(run(c, env)[0] for c in peer) for _ in range(peer_runs))
            what = f"{files} x {n:,} rows" if files > 1 else f"{n:,} rows"
            figures[f"encode_{files}x{n}"] = {"engine": e, "clkhash": p, "ratio": p / e}
            rows.append((f"encode {what}", f"{e:.2f} s", f"{p:.2f} s", f"{p / e:.1f}x"))

        both(20_000, 2)
        for n in args.sizes:
            both(n, 1)
        if args.million:
            wall, peak = run(engine_encode(work, inputs[1_000_000], "m.parquet"), env)
            figures["encode_1m"] = {"seconds": wall, "peak_rss_mib": peak / 1024}
            rows.append(("encode 1,000,000 rows", f"{wall:.1f} s, peak RSS {peak / 1024:.0f} MiB",
                         "", ""))  # fmt: skip
    load_after = os.getloadavg()
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    RESULTS.mkdir(exist_ok=True)
    meta = {
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "load_before": load_before,
        "load_after": load_after,
        "runs": args.runs,
        "command": " ".join([Path(sys.executable).name, "bench/cli_speed.py", *sys.argv[1:]]),
    }
    lines = [
        f"# CLI speed, {stamp}",
        "",
        f"`{meta['command']}`; {meta['cores']} cores, Python {meta['python']}; load average "
        f"{load_before[0]:.1f} before, {load_after[0]:.1f} after (1-minute). Wall time of fresh "
        f"processes, start-up included, median of {args.runs} (clkhash above 100,000 rows: 1).",
        "",
        "| what | pprl | clkhash, 2 workers | clkhash / pprl |",
        "| --- | --- | --- | --- |",
        *[f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows],
        "",
    ]
    path = RESULTS / f"cli-speed-{stamp}.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    path.with_suffix(".json").write_text(json.dumps({**meta, **figures}, indent=2))
    print("\n".join(lines))
    return path


if __name__ == "__main__":
    main()
