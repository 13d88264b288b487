"""Hardening options measured together: attack advantages, linkage quality and matching time.

    python bench/privacy_defaults.py --records 20000 --link-size 50000

For each variant of the cn-identity schema (the two retired defaults, today's default, and
today's default with one protection taken back out) it measures
- the harness (`bloom.attacks`, all attacks) on `--records` encoded household-register
  records against a reference of as many other people: the best attack's advantage over the
  frequency baseline per attribute and the records fully re-identified;
- linkage quality of the low-income list against the household register of a population of
  `--link-size` people at the schema's stated threshold: precision, recall, F1 and pairs
  completeness (true pairs the blocking kept, against exhaustive comparison);
- `linkage.match` time for that link (best of three) and its comparisons.
Writes `bench/results/privacy-defaults-<UTC timestamp>.md`. The retired schema is refused by
the engine's comparisons (`pprl.encoded.RETIRED_SCHEMAS`); this benchmark lifts the refusal
for its own measurement only.
"""

from __future__ import annotations

import argparse
import copy
import json
import platform
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

from quality_peers import _encoded_persons
from results_files import RESULTS, utc_stamp, write_markdown

import linkage
import pprl.encoded
from bloom import LinkageSecret, encode_file
from bloom.attacks import run_harness
from bloom.attacks.plain import ATTRIBUTES
from bloom.schema import parse_schema
from linkage.evaluation import count_true_pairs, quality
from linkage.options import threshold_for
from pprl_app.privacy_scenario import make_scenario
from pprl_synthetic import generate_scenario

ROOT = Path(__file__).resolve().parents[1]
RETIRED = ROOT / "tests" / "attacks" / "cn-identity-retired-v1.json"
FIRST_HARDENED = ROOT / "tests" / "attacks" / "cn-identity-retired-v2.json"
LIST, REGISTER = "mz_low_income", "gaj_household_register"


def _current() -> dict:
    return json.loads(resources.files("bloom").joinpath("schemas/cn-identity.json").read_text())


def variants() -> dict[str, dict]:
    """name -> schema document."""
    retired = json.loads(RETIRED.read_text(encoding="utf-8"))
    first_hardened = json.loads(FIRST_HARDENED.read_text(encoding="utf-8"))
    current = _current()
    no_diffusion = copy.deepcopy(current)
    no_diffusion["hardening"]["diffusion"] = None
    no_diffusion.pop("match_threshold")  # undiffused filters score on the usual scale
    old_keys = copy.deepcopy(current)
    old_keys["blocking"] = retired["blocking"]
    # The retired keys include (year, sex): that variant needs the retired sex field back.
    old_keys["fields"].insert(2, next(f for f in retired["fields"] if f["name"] == "sex"))
    old_weights = copy.deepcopy(current)
    old_weights["fields"] = retired["fields"]
    return {
        "retired default (v1)": retired,
        "first hardened default (v2: with a 2-bit sex token)": first_hardened,
        "default": current,
        "default without diffusion": no_diffusion,
        "default with the retired blocking keys (and sex field)": old_keys,
        "default with the retired token weights (and sex token)": old_weights,
    }


def attack(schema, records: int, seed: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        sc = make_scenario(tmp, records, records, schema=schema, seed=seed, reference_seed=seed + 1)
        report = run_harness(
            sc.encoded, sc.reference, sc.schema, truth=(sc.extract, sc.map_path, sc.columns)
        )
    return {
        "advantage": {a: report.advantage(a) for a in ATTRIBUTES},
        "best": {a: report.best(a)[1] for a in ATTRIBUTES},
        "reidentified": report.reidentified.get("best", 0),
        "n": report.n_records,
    }


def link(schema, size: int, seed: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        generate_scenario("low-income-all-departments", size, seed, tmp)
        secret = LinkageSecret.generate()
        loaded = {}
        for name in (LIST, REGISTER):
            encode_file(
                f"{tmp}/{name}.csv",
                f"{tmp}/{name}.parquet",
                schema,
                secret,
                columns=f"{tmp}/{name}.columns.json",
            )
            loaded[name] = linkage.load(f"{tmp}/{name}.parquet")
        a, b = loaded[LIST], loaded[REGISTER]
        persons_a = _encoded_persons(tmp, LIST, a)
        persons_b = _encoded_persons(tmp, REGISTER, b)
    threshold = threshold_for(None, a.manifest.match_threshold)
    true_pairs = count_true_pairs(persons_a, persons_b)
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        result = linkage.match(a, b, threshold=threshold)
        best = min(best, time.perf_counter() - started)
    q = quality(persons_a[result.pairs.left], persons_b[result.pairs.right], true_pairs)
    exhaustive = linkage.match(a, b, threshold=threshold, blocking="exhaustive", solver="none")
    blocked = linkage.match(a, b, threshold=threshold, solver="none")
    kept = {
        (int(i), int(j))
        for i, j in zip(blocked.pairs.left, blocked.pairs.right, strict=True)
        if persons_a[i] == persons_b[j]
    }
    reachable = {
        (int(i), int(j))
        for i, j in zip(exhaustive.pairs.left, exhaustive.pairs.right, strict=True)
        if persons_a[i] == persons_b[j]
    }
    return {
        "threshold": threshold,
        "precision": q.precision,
        "recall": q.recall,
        "f1": q.f1,
        "pairs_completeness": len(kept & reachable) / max(1, len(reachable)),
        "match_s": best,
        "comparisons": result.comparisons,
        "sizes": (len(a), len(b)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--link-size", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=41)
    args = parser.parse_args(argv)
    pprl.encoded.check_not_retired = lambda fingerprint: None  # measure the retired one too
    rows = []
    for name, document in variants().items():
        schema = parse_schema(document, source=name)
        started = time.perf_counter()
        attacked = attack(schema, args.records, args.seed)
        linked = link(schema, args.link_size, args.seed + 100)
        rows.append((name, attacked, linked, time.perf_counter() - started))
        print(name, json.dumps({**attacked, **linked}, default=str), flush=True)
    stamp = utc_stamp()
    out = RESULTS / f"privacy-defaults-{stamp}.md"
    sizes = rows[0][2]["sizes"]
    lines = [
        f"# Hardening options: attacks, quality, time ({stamp})",
        "",
        f"Command: `python bench/privacy_defaults.py --records {args.records} "
        f"--link-size {args.link_size} --seed {args.seed}`",
        f"Machine: {platform.platform()}, Python {platform.python_version()}, 2 shared cores.",
        f"Attacks: {args.records} encoded household-register records, a reference of as many "
        "other people (another seed); best attack's advantage over the frequency baseline, "
        "percentage points. Link: low-income list x household register "
        f"({sizes[0]:,} x {sizes[1]:,} records) at the schema's stated threshold.",
        "",
        "| variant | " + " | ".join(ATTRIBUTES) + " | re-identified | threshold | precision "
        "| recall | F1 | pairs completeness | comparisons | match s |",
        "| --- " * (len(ATTRIBUTES) + 9) + "|",
    ]
    for name, attacked, linked, _ in rows:
        advantages = " | ".join(f"{attacked['advantage'][a]:+.1f}" for a in ATTRIBUTES)
        lines.append(
            f"| {name} | {advantages} | {attacked['reidentified']} | {linked['threshold']:g} "
            f"| {linked['precision']:.4f} | {linked['recall']:.4f} | {linked['f1']:.4f} "
            f"| {linked['pairs_completeness']:.5f} | {linked['comparisons']:,} "
            f"| {linked['match_s']:.3f} |"
        )
    write_markdown(out, lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
