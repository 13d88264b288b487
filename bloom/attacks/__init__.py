"""Privacy attacks on encoded datasets: what an honest-but-curious matcher can learn.

The matcher holds encoded files (record tokens, 1024-bit filters, popcounts, keyed blocking
keys, manifest) and may hold a plaintext public reference of other people drawn from the same
population. The harness runs the published attacks with exactly that view, then scores their
guesses against the department's own plaintext:

- `frequency`: frequency alignment of every blocking-key column and of the partitions that
  joined key columns reveal (after Vidanage, Ranbaduge, Christen and Randall);
- `patterns`: pattern-mining cryptanalysis of the filters (after Christen, Ranbaduge,
  Vatsalan and Schnell, IEEE TKDE 2019), conditioned on the key partitions;
- `graph`: similarity-graph matching of encoded against reference records (after Vidanage,
  Christen, Ranbaduge and Schnell, CIKM 2020).

    from bloom.attacks import run_harness
    report = run_harness("target.parquet", reference_table, schema="cn-identity",
                         truth=("extract.csv", "target.map.parquet", "extract.columns.json"))
    print(report.to_text())
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "run_harness": "bloom.attacks.harness",
    "run_attacks": "bloom.attacks.harness",
    "ATTACKS": "bloom.attacks.harness",
    "PrivacyReport": "bloom.attacks.report",
    "MatcherView": "bloom.attacks.view",
    "PlainTable": "bloom.attacks.plain",
    "Truth": "bloom.attacks.plain",
    "load_truth": "bloom.attacks.plain",
    "read_plain": "bloom.attacks.plain",
    "ATTRIBUTES": "bloom.attacks.plain",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'bloom.attacks' has no attribute {name!r}")
