"""One table of names: linkage's option enums, the run service's proto enums, the CLI choices."""

from __future__ import annotations

import json

import click
import pytest

from linkage import cli as linkage_cli
from linkage.options import DEFAULT_BLOCKING, DEFAULT_SOLVER, BlockingMethod, Solver
from pprl.errors import InputError
from transport import cli as transport_cli
from transport import run_options
from transport.generated import runs_pb2
from transport.runstate import RunSpec

CASES = [
    # linkage enum, proto enum, table, proto -> linkage, linkage -> proto, default
    (
        Solver,
        runs_pb2.Solver,
        run_options.SOLVERS,
        run_options.solver_of,
        run_options.solver_value,
        DEFAULT_SOLVER,
    ),
    (
        BlockingMethod,
        runs_pb2.Blocking,
        run_options.BLOCKINGS,
        run_options.blocking_of,
        run_options.blocking_value,
        DEFAULT_BLOCKING,
    ),
]


@pytest.mark.parametrize("kind, proto, table, of, value, default", CASES)
def test_every_option_has_exactly_one_proto_value_and_back(kind, proto, table, of, value, default):
    unspecified = proto.values()[0]
    assert proto.Name(unspecified).endswith("_UNSPECIFIED") and unspecified == 0
    assert set(table) == set(proto.values()) - {unspecified}
    for member in kind:
        assert [v for v, m in table.items() if m is member] == [value(member)]
        assert of(value(member)) is member
    for number in table:
        assert value(of(number)) == number
    assert of(unspecified) is default
    assert value(None) == unspecified
    with pytest.raises(InputError, match="unknown"):
        of(max(proto.values()) + 1)


def _choices(command: click.Command, name: str) -> list[str]:
    (param,) = [p for p in command.params if p.name == name]
    return list(param.type.choices)


@pytest.mark.parametrize(
    "command, name, kind",
    [
        (linkage_cli.match_command, "solver", Solver),
        (linkage_cli.match_command, "blocking", BlockingMethod),
        (linkage_cli.dedup_command, "blocking", BlockingMethod),
        (linkage_cli.groups_command, "blocking", BlockingMethod),
        (transport_cli.run_create, "solver", Solver),
        (transport_cli.run_create, "blocking", BlockingMethod),
    ],
)
def test_cli_choices_are_the_enum_values(command, name, kind):
    assert _choices(command, name) == [member.value for member in kind]
    (param,) = [p for p in command.params if p.name == name]
    for member in kind:  # the command receives the enum member
        assert param.type.convert(member.value, param, None) is member


def _spec(**changes) -> RunSpec:
    fields = {
        "run_id": "run-0123456789abcdef",
        "agreement_id": "AG-1",
        "dataset_a": "a",
        "dataset_b": "b",
        "threshold": 0.8,
        "blocking": "lsh",
        "solver": "greedy",
        "created_by": "MCA",
        "created_at": "2026-01-01T00:00:00+00:00",
    }
    return RunSpec.from_json(json.dumps({**fields, **changes}).encode())


def test_run_records_keep_the_enum_values_and_old_records_still_load():
    spec = _spec()
    assert (spec.blocking, spec.solver) == (BlockingMethod.LSH, Solver.GREEDY)
    stored = json.loads(spec.to_json())
    assert (stored["blocking"], stored["solver"]) == ("lsh", "greedy")
    assert RunSpec.from_json(spec.to_json()) == spec
    # written before blocking was an enum: "" was the matcher's default
    assert _spec(blocking="").blocking is DEFAULT_BLOCKING
    with pytest.raises(ValueError):
        _spec(solver="fastest")
