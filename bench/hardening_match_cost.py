"""What hardening costs the matcher: `linkage.match` at national-city scale, retired vs default.

    python bench/hardening_match_cost.py --size 1000000

Generates the low-income-all-departments scenario for a population of `--size` people once,
encodes the low-income list and the household register with the retired pre-hardening
cn-identity and with today's default (one fresh secret each), and times `linkage.match` of
the list against the register at each schema's stated threshold (best of `--repeat`, after
one warm-up call that compiles the kernels), with the comparisons and pairs. Writes
`bench/results/match-cost-<UTC timestamp>.md`. The retired schema is refused by the engine's
comparisons (`pprl.encoded.RETIRED_SCHEMAS`); this benchmark lifts the refusal for its own
measurement only.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

from results_files import RESULTS, utc_stamp, write_markdown

import linkage
import pprl.encoded
from bloom import LinkageSecret, encode_file
from bloom.schema import load_schema, parse_schema
from linkage.options import threshold_for
from pprl_synthetic import generate_scenario

ROOT = Path(__file__).resolve().parents[1]
RETIRED = ROOT / "tests" / "attacks" / "cn-identity-retired-v1.json"
LIST, REGISTER = "mz_low_income", "gaj_household_register"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=61)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    pprl.encoded.check_not_retired = lambda fingerprint: None  # measure the retired one too
    schemas = {
        "retired default (v1)": parse_schema(
            json.loads(RETIRED.read_text(encoding="utf-8")), source="retired v1"
        ),
        "default": load_schema("cn-identity"),
    }
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        generate_scenario("low-income-all-departments", args.size, args.seed, tmp)
        for name, schema in schemas.items():
            secret = LinkageSecret.generate()
            loaded = {}
            for extract in (LIST, REGISTER):
                out = f"{tmp}/{extract}.{len(rows)}.parquet"
                encode_file(
                    f"{tmp}/{extract}.csv", out, schema, secret,
                    columns=f"{tmp}/{extract}.columns.json",
                )  # fmt: skip
                loaded[extract] = linkage.load(out)
            a, b = loaded[LIST], loaded[REGISTER]
            threshold = threshold_for(None, a.manifest.match_threshold)
            linkage.match(a, b, threshold=threshold)  # warm-up: compile or load the kernels
            best = float("inf")
            for _ in range(args.repeat):
                started = time.perf_counter()
                result = linkage.match(a, b, threshold=threshold)
                best = min(best, time.perf_counter() - started)
            rows.append((name, len(a), len(b), threshold, result.comparisons, len(result), best))
            print(name, rows[-1], flush=True)
    stamp = utc_stamp()
    lines = [
        f"# What hardening costs `linkage.match` ({stamp})",
        "",
        f"Command: `python bench/hardening_match_cost.py --size {args.size} --seed {args.seed} "
        f"--repeat {args.repeat}`",
        f"Machine: {platform.platform()}, Python {platform.python_version()}, 2 shared cores.",
        f"Low-income list x household register of a {args.size:,}-person population; best of "
        f"{args.repeat} after a warm-up.",
        "",
        "| schema | list | register | threshold | comparisons | pairs | match s |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, na, nb, threshold, comparisons, pairs, seconds in rows:
        lines.append(
            f"| {name} | {na:,} | {nb:,} | {threshold} | {comparisons:,} | {pairs:,} "
            f"| {seconds:.2f} |"
        )
    base, now = rows[0][-1], rows[1][-1]
    lines += ["", f"Default / retired: {now / base:.2f}x the time."]
    write_markdown(RESULTS / f"match-cost-{stamp}.md", lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
