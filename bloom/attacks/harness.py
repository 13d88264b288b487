"""The harness: run the attacks with the matcher's view only, then score them.

    report = run_harness("target.parquet", reference, schema="cn-identity",
                         truth=("extract.csv", "target.map.parquet", "extract.columns.json"))
    print(report.to_text())

The attacks receive a `MatcherView` (filters, popcounts, keyed blocking keys, manifest) and the
plaintext public reference; the department's map and plaintext are read only afterwards, to
score the guesses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa

from bloom.attacks.context import AttackContext
from bloom.attacks.plain import PlainTable, Truth, load_truth, read_plain
from bloom.attacks.report import PrivacyReport, score
from bloom.attacks.result import AttackResult
from bloom.attacks.view import MatcherView
from bloom.schema import Schema, load_schema
from pprl.encoded import EncodedDataset

ATTACKS = ("frequency", "patterns", "graph", "spectral")


def run_attacks(
    view: MatcherView,
    reference: PlainTable,
    schema: Schema,
    attacks: Sequence[str] = ATTACKS,
    *,
    graph_nodes: int = 2000,
    seed: int = 0,
) -> list[AttackResult]:
    unknown = set(attacks) - set(ATTACKS)
    if unknown:
        raise ValueError(f"unknown attacks {sorted(unknown)}; choose from {ATTACKS}")
    ctx = AttackContext(view, reference, schema)
    results = []
    freq = None
    for name in attacks:
        if name == "frequency":
            from bloom.attacks.frequency import frequency_attack

            freq = frequency_attack(ctx)
            results.append(freq)
        elif name == "patterns":
            from bloom.attacks.patterns import pattern_attack

            results.append(pattern_attack(ctx))
        elif name == "graph":
            from bloom.attacks.graph import graph_attack

            results.append(graph_attack(ctx, nodes=graph_nodes, rng=np.random.default_rng(seed)))
        elif name == "spectral":
            from bloom.attacks.spectral import spectral_attack

            results.append(spectral_attack(ctx))
    return results


def _reference(table, schema: Schema, columns) -> PlainTable:
    if isinstance(table, PlainTable):
        return table
    if not isinstance(table, pa.Table):
        table = read_plain(table, columns)
    return PlainTable(table, schema)


def _truth(truth, schema: Schema, tokens: list[str]) -> Truth | None:
    if truth is None or isinstance(truth, Truth):
        return truth
    if isinstance(truth, Mapping):
        return load_truth(
            truth["extract"], truth["map"], schema, truth.get("columns"), tokens=tokens
        )
    extract, map_path, *rest = truth
    return load_truth(extract, map_path, schema, rest[0] if rest else None, tokens=tokens)


def run_harness(
    encoded_path_or_dataset: str | Path | EncodedDataset | MatcherView,
    reference_table: pa.Table | str | Path | PlainTable,
    schema: Schema | str | Path = "cn-identity",
    *,
    truth: Truth | tuple | Mapping | None = None,
    reference_columns: Mapping[str, str] | str | Path | None = None,
    attacks: Sequence[str] = ATTACKS,
    graph_nodes: int = 2000,
    seed: int = 0,
) -> PrivacyReport:
    """Attack an encoded file with a public reference, then score against `truth`.

    `reference_table`: an Arrow table with schema field names, or a CSV/Parquet path with
    `reference_columns` (field -> column, or a columns.json path). `truth`: the department's
    `Truth`, or `(extract, map_path[, columns])`, or a mapping with those keys; without it the
    report says how many records each attack made a guess for, but not how many are right.
    """
    schema = load_schema(schema)
    view = MatcherView.of(encoded_path_or_dataset)
    if view.manifest is not None and view.manifest.schema_fingerprint != schema.fingerprint:
        raise ValueError("the encoded file was not made with this schema (fingerprints differ)")
    reference = _reference(reference_table, schema, reference_columns)
    results = run_attacks(view, reference, schema, attacks, graph_nodes=graph_nodes, seed=seed)
    scored = _truth(truth, schema, view.tokens)
    if scored is None:
        scored = Truth(
            attributes={a: np.full(len(view), None, dtype=object) for a in results[0].guesses},
            blocking={},
        )
    return score(results, scored, reference.attributes, schema=schema.name, n_reference=reference.n)
