"""The matcher: packed-filter store, Numba Dice kernels, blocking, solvers and evaluation.

    import linkage
    a, b = linkage.load("a.parquet"), linkage.load("b.parquet")
    result = linkage.match(a, b, threshold=0.75, blocking="keys", solver="many-to-one")

The detailed layers live in their own modules: `options` (the choices and their defaults),
`kernel` (Dice over packed rows), `blocking`, `plan` and `executor` (what to compare, where),
`solvers`, `evaluation`. Names below load on first use, so the command line starts without
compiling anything.
"""

from __future__ import annotations

import importlib
from typing import Any

from linkage.options import DEFAULT_DEDUP_THRESHOLD as DEFAULT_DEDUP_THRESHOLD
from linkage.options import DEFAULT_DUPLICATES_AT as DEFAULT_DUPLICATES_AT
from linkage.options import DEFAULT_THRESHOLD as DEFAULT_THRESHOLD

_EXPORTS = {
    "DEFAULT_SOLVER": "linkage.options",
    "Clusters": "linkage.api",
    "Groups": "linkage.api",
    "MatchResult": "linkage.api",
    "dedup": "linkage.api",
    "link_groups": "linkage.api",
    "match": "linkage.api",
    "plan_match": "linkage.api",
    "BlockingMethod": "linkage.options",
    "LSHOptions": "linkage.options",
    "CandidatePairs": "linkage.candidates",
    "LocalExecutor": "linkage.executor",
    "MatchPlan": "linkage.plan",
    "Solver": "linkage.options",
    "check_compatible": "linkage.store",
    "load": "linkage.store",
}
__all__ = [
    "BlockingMethod",
    "CandidatePairs",
    "Clusters",
    "DEFAULT_DEDUP_THRESHOLD",
    "DEFAULT_DUPLICATES_AT",
    "DEFAULT_SOLVER",
    "DEFAULT_THRESHOLD",
    "Groups",
    "LSHOptions",
    "LocalExecutor",
    "MatchPlan",
    "MatchResult",
    "Solver",
    "check_compatible",
    "dedup",
    "link_groups",
    "load",
    "match",
    "plan_match",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'linkage' has no attribute {name!r}")
