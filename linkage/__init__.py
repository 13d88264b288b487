"""The matcher: packed-filter store, Numba Dice kernels, blocking, solvers and evaluation.

    import linkage
    a, b = linkage.load("a.parquet"), linkage.load("b.parquet")
    result = linkage.match(a, b, threshold=0.7, blocking="keys", solver="many-to-one")

The detailed layers live in their own modules: `kernel` (Dice over packed rows), `blocking`,
`plan` and `executor` (what to compare, where), `solvers`, `evaluation`.
"""

from linkage.api import (
    DEFAULT_SOLVER,
    DEFAULT_THRESHOLD,
    Clusters,
    Groups,
    MatchResult,
    dedup,
    link_groups,
    match,
    plan_match,
)
from linkage.blocking import BlockingMethod, LSHOptions
from linkage.candidates import CandidatePairs
from linkage.executor import LocalExecutor
from linkage.plan import MatchPlan
from linkage.solvers import Solver
from linkage.store import check_compatible, load

__all__ = [
    "DEFAULT_SOLVER",
    "DEFAULT_THRESHOLD",
    "BlockingMethod",
    "CandidatePairs",
    "Clusters",
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
