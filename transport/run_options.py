"""The run service's solver and blocking enums and the matcher's, in one table each way.

A request's proto enum becomes a `linkage.options` enum here and nowhere else (an unspecified
value is the matcher's default); the command line goes the other way for `pprl run create`.
"""

from __future__ import annotations

from linkage.options import DEFAULT_BLOCKING, DEFAULT_SOLVER, BlockingMethod, Solver
from pprl.errors import InputError
from transport.generated import runs_pb2

SOLVERS: dict[int, Solver] = {
    runs_pb2.SOLVER_GREEDY: Solver.GREEDY,
    runs_pb2.SOLVER_MANY_TO_ONE: Solver.MANY_TO_ONE,
    runs_pb2.SOLVER_NONE: Solver.NONE,
}
BLOCKINGS: dict[int, BlockingMethod] = {
    runs_pb2.BLOCKING_KEYS: BlockingMethod.KEYS,
    runs_pb2.BLOCKING_LSH: BlockingMethod.LSH,
    runs_pb2.BLOCKING_EXHAUSTIVE: BlockingMethod.EXHAUSTIVE,
}
_SOLVER_VALUES = {solver: value for value, solver in SOLVERS.items()}
_BLOCKING_VALUES = {method: value for value, method in BLOCKINGS.items()}


def solver_of(value: int) -> Solver:
    """The request's solver; unspecified: the matcher's default."""
    if value == runs_pb2.SOLVER_UNSPECIFIED:
        return DEFAULT_SOLVER
    if value not in SOLVERS:
        raise InputError("unknown solver", field="solver")
    return SOLVERS[value]


def blocking_of(value: int) -> BlockingMethod:
    """The request's blocking; unspecified: the matcher's default."""
    if value == runs_pb2.BLOCKING_UNSPECIFIED:
        return DEFAULT_BLOCKING
    if value not in BLOCKINGS:
        raise InputError("unknown blocking", field="blocking")
    return BLOCKINGS[value]


def solver_value(solver: Solver | None) -> int:
    """The proto enum for `solver`; None: unspecified (the matcher chooses)."""
    return runs_pb2.SOLVER_UNSPECIFIED if solver is None else _SOLVER_VALUES[solver]


def blocking_value(method: BlockingMethod | None) -> int:
    """The proto enum for `method`; None: unspecified (the matcher chooses)."""
    return runs_pb2.BLOCKING_UNSPECIFIED if method is None else _BLOCKING_VALUES[method]
