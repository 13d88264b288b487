"""The one error tree: every class drawn in the docstring, one gRPC status and one exit code."""

from __future__ import annotations

import importlib
import pkgutil
import re
import subprocess
import sys

import grpc
import pytest

import pprl.errors
from pprl.errors import ERROR_FOR_STATUS, MissingExtraError, PprlError, SchemaError, TransportError
from transport.statuses import error_for, status_for

PACKAGES = ("pprl", "bloom", "linkage", "governance", "transport", "pprl_synthetic")


def _import_everything() -> None:
    """Every module of every package, so that every subclass of PprlError is registered."""
    for top in PACKAGES:
        package = importlib.import_module(top)
        for module in pkgutil.walk_packages(package.__path__, f"{top}."):
            if not module.name.endswith(".__main__"):
                importlib.import_module(module.name)


def _subclasses(kind: type) -> list[type]:
    found = [kind]
    for sub in kind.__subclasses__():
        found += _subclasses(sub)
    return found


_import_everything()
CLASSES = _subclasses(PprlError)


def _instance(kind: type[PprlError]) -> PprlError:
    if issubclass(kind, SchemaError):
        return kind([("$.name", "must be a non-empty string")], path="mine.json")
    if issubclass(kind, MissingExtraError):
        return kind("the details", "plots")
    return kind("the details")


def _drawn_tree() -> dict[str, str | None]:
    """Each class named in the docstring's tree -> the class it is drawn under."""
    parents: dict[str, str | None] = {}
    stack: list[str] = []
    for line in pprl.errors.__doc__.splitlines():
        m = re.match(r"^    ((?:[│ ]   )*(?:[├└]── )?)([A-Z]\w*)\s", line)
        if not m:
            continue
        depth = len(m.group(1)) // 4
        del stack[depth:]
        parents[m.group(2)] = stack[-1] if stack else None
        stack.append(m.group(2))
    return parents


def test_the_docstring_draws_every_class_under_its_base():
    drawn = _drawn_tree()
    assert set(drawn) == {kind.__name__ for kind in CLASSES}
    for kind in CLASSES:
        base = None if kind is PprlError else kind.__bases__[0].__name__
        assert drawn[kind.__name__] == base, kind.__name__


@pytest.mark.parametrize("kind", CLASSES, ids=lambda k: k.__name__)
def test_each_class_has_one_grpc_status_and_one_exit_code(kind):
    error = _instance(kind)
    code = status_for(error)
    assert isinstance(code, grpc.StatusCode) and code is not grpc.StatusCode.OK
    assert code is grpc.StatusCode[kind.grpc_status]
    assert type(kind.exit_code) is int and 0 < kind.exit_code < 64


@pytest.mark.parametrize("kind", CLASSES, ids=lambda k: k.__name__)
def test_a_status_comes_back_as_the_same_family(kind):
    error = _instance(kind)
    code = status_for(error)
    back = error_for(code, str(error))
    family = ERROR_FOR_STATUS.get(code.name, PprlError)
    assert isinstance(error, family) and isinstance(back, family)
    if code.name not in ERROR_FOR_STATUS:  # shared by unrelated classes: the matcher refused
        assert type(back) is TransportError
    assert status_for(back) is code
    assert back.exit_code == error.exit_code
    assert str(error) in str(back)


def test_the_way_back_names_each_class_by_its_own_status():
    for name, kind in ERROR_FOR_STATUS.items():
        assert kind.grpc_status == name
        assert kind in CLASSES
        assert type(error_for(grpc.StatusCode[name], "")) is kind


def test_statuses_outside_the_tree_are_transport_errors():
    unavailable = error_for(grpc.StatusCode.UNAVAILABLE, "connection refused")
    assert type(unavailable) is TransportError and "unavailable" in str(unavailable)
    refused = error_for(grpc.StatusCode.UNAUTHENTICATED, "unauthenticated")
    assert type(refused) is TransportError and "matcher refused (unauthenticated)" in str(refused)


def test_the_contracts_layer_does_not_import_grpc():
    modules = [
        m.name
        for m in pkgutil.walk_packages(pprl.__path__, "pprl.")
        if m.name != "pprl.cli"  # the command-line root, which loads every area
    ]
    code = "import sys\n" + "".join(f"import {m}\n" for m in modules)
    code += "assert 'grpc' not in sys.modules, sorted(m for m in sys.modules if 'grpc' in m)\n"
    subprocess.run([sys.executable, "-c", code], check=True)
