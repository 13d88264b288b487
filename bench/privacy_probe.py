"""An upper bound beyond the threat model: a matcher that already knows half the records.

    python bench/privacy_probe.py --records 30000

`bloom.attacks` plays a matcher holding only encodings and a reference of other people. This
probe is stronger than that on purpose: it is given the true sex, birth year (30 most common)
and surname (20 most common) of half the encoded records (a known-plaintext attacker, e.g. a
matcher whose staff are in the data) and fits a linear classifier on their filter bits, then
predicts the other half. What it reaches bounds what any attack learning from filters alone
could do with that much help; it says how far the defaults are from resisting such an attacker.
Writes `bench/results/privacy-probe-<UTC timestamp>.md`.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
from collections import Counter
from importlib import resources
from pathlib import Path

import numpy as np
from results_files import RESULTS, utc_stamp, write_markdown

from bloom.attacks import MatcherView
from bloom.schema import parse_schema
from pprl_app.privacy_scenario import make_scenario

ATTACKS_DIR = Path(__file__).resolve().parents[1] / "tests" / "attacks"
RETIRED = ATTACKS_DIR / "cn-identity-retired-v1.json"
FIRST_HARDENED = ATTACKS_DIR / "cn-identity-retired-v2.json"


def probe(bits: np.ndarray, labels: np.ndarray, top: int, rng) -> tuple[float, float, int]:
    """(accuracy on the held-out half, majority baseline there, records used)."""
    known = np.array([v is not None for v in labels.tolist()])
    common = [v for v, _ in Counter(labels[known].tolist()).most_common(top)]
    keep = np.flatnonzero(np.isin(labels, common) & known)
    order = rng.permutation(keep)
    train, test = order[: len(order) // 2], order[len(order) // 2 :]
    x = np.hstack([bits, np.ones((len(bits), 1), np.uint8)]).astype(np.float32)
    y = np.stack([labels == c for c in common], axis=1).astype(np.float32)
    weights, *_ = np.linalg.lstsq(x[train], y[train], rcond=None)
    guess = np.array(common, dtype=object)[np.argmax(x[test] @ weights, axis=1)]
    accuracy = float(np.mean(guess == labels[test]))
    baseline = max(float(np.mean(labels[test] == c)) for c in common)
    return accuracy, baseline, len(keep)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=30_000)
    parser.add_argument("--seed", type=int, default=51)
    args = parser.parse_args(argv)
    rows = []
    undiffused = json.loads(
        resources.files("bloom").joinpath("schemas/cn-identity.json").read_text("utf-8")
    )
    undiffused["hardening"]["diffusion"] = None
    variants = (
        ("retired default (v1)", RETIRED),
        ("first hardened default (v2, with a sex token)", FIRST_HARDENED),
        ("default", "cn-identity"),
        ("default without diffusion", parse_schema(undiffused, source="no diffusion")),
    )
    for name, schema in variants:
        with tempfile.TemporaryDirectory() as tmp:
            sc = make_scenario(tmp, args.records, 1000, schema=schema, seed=args.seed,
                               reference_seed=args.seed + 1)  # fmt: skip
            view = MatcherView.of(sc.encoded)
            truth = sc.truth(view.tokens).attributes
        bits = np.unpackbits(view.filters.view(np.uint8).reshape(len(view), -1), axis=1)
        rng = np.random.default_rng(args.seed)
        for attribute, top in (("sex", 2), ("birth_year", 30), ("surname", 20)):
            accuracy, baseline, used = probe(bits, truth[attribute], top, rng)
            rows.append((name, attribute, top, accuracy, baseline, used))
            print(name, attribute, f"{accuracy:.3f} vs {baseline:.3f} ({used})", flush=True)
    stamp = utc_stamp()
    lines = [
        f"# Known-plaintext probe ({stamp})",
        "",
        f"Command: `python bench/privacy_probe.py --records {args.records} --seed {args.seed}`",
        f"Machine: {platform.platform()}, Python {platform.python_version()}.",
        "A linear classifier on filter bits, trained with the true values of half the records "
        "(among those with one of the most common values), tested on the other half.",
        "",
        "| schema | attribute | classes | accuracy | majority baseline | records |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, attribute, top, accuracy, baseline, used in rows:
        lines.append(
            f"| {name} | {attribute} | {top} | {100 * accuracy:.1f}% | {100 * baseline:.1f}% "
            f"| {used:,} |"
        )
    write_markdown(RESULTS / f"privacy-probe-{stamp}.md", lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
