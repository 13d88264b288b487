"""The public surface, pinned (as httpx's tests/test_exported_members.py does).

Adding a name to a package's `__all__` or dropping one is a decision about what users may
rely on, so it changes this file too. Every `__all__` is a literal list, so a reader (and a
tool) sees the surface without running the package.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

EXPECTED = {
    "linkage": [
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
    ],
    "bloom": [
        "EncodeResult",
        "EncodeSummary",
        "LinkageSecret",
        "Schema",
        "encode",
        "encode_file",
        "load_schema",
    ],
    "pprl.errors": [
        "ERROR_FOR_STATUS",
        "AuthorisationError",
        "EncodedFormatError",
        "GovernanceError",
        "IncompatibleEncodingsError",
        "InputError",
        "IntegrityError",
        "LimitExceeded",
        "MissingExtraError",
        "NotFound",
        "NotReady",
        "PprlError",
        "SchemaError",
        "SecretError",
        "TransportError",
    ],
    "pprl_synthetic": [
        "DEFAULT_SCENARIO",
        "SCENARIOS",
        "CorruptionRates",
        "PopulationConfig",
        "generate_scenario",
    ],
    "transport": ["MatcherClient", "serve"],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_exported_members(name):
    module = importlib.import_module(name)
    assert module.__all__ == EXPECTED[name]
    for member in module.__all__:
        assert getattr(module, member) is not None, member
    namespace: dict = {}
    exec(f"from {name} import *", namespace)
    assert set(module.__all__) <= set(namespace)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_all_is_a_literal_list(name):
    path = Path(importlib.import_module(name).__file__)
    assignments = [
        node
        for node in ast.parse(path.read_text(encoding="utf-8")).body
        if isinstance(node, ast.Assign)
        and any(getattr(t, "id", None) == "__all__" for t in node.targets)
    ]
    assert len(assignments) == 1, path
    value = assignments[0].value
    assert isinstance(value, ast.List), path
    assert all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in value.elts), path


def test_importing_transport_does_not_load_grpc():
    code = (
        "import sys, transport; print(sorted({'grpc', 'linkage', 'governance'} & set(sys.modules)))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"


def test_an_unknown_name_is_an_attribute_error():
    import linkage
    import transport

    for module in (linkage, transport):
        with pytest.raises(AttributeError, match="no attribute 'nope'"):
            module.nope  # noqa: B018
