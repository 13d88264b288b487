"""Schema versions: older documents migrate step by step; versions with no path are refused."""

from __future__ import annotations

import copy
import json
from importlib import resources

import pytest

from bloom import schema_versions
from bloom.schema import SCHEMA_VERSION, load_schema, parse_schema
from bloom.schema_versions import migrate, readable_versions
from pprl.errors import SchemaError


def builtin() -> dict:
    return json.loads(resources.files("bloom").joinpath("schemas/cn-identity.json").read_text())


def _rename_blocks(document: dict) -> dict:
    """A stand-in for an older format: there, blocking keys were listed under `blocks`."""
    document["blocking"] = document.pop("blocks")
    return document


def test_the_builtin_schema_is_the_current_version_and_needs_no_migration():
    data = builtin()
    assert data["schema_version"] == SCHEMA_VERSION
    assert migrate(data) is data
    assert readable_versions() == (SCHEMA_VERSION,)


def test_steps_run_in_order_up_to_the_current_version():
    seen = []

    def step(name):
        def run(document):
            seen.append((name, document["schema_version"]))
            document["steps"] = [*document.get("steps", []), name]
            return document

        return run

    table = {1: step("1->2"), 2: step("2->3")}
    old = {"schema_version": 1, "name": "x"}
    new = migrate(old, migrations=table, current=3)
    assert seen == [("1->2", 1), ("2->3", 2)]
    assert new == {"schema_version": 3, "name": "x", "steps": ["1->2", "2->3"]}
    assert old == {"schema_version": 1, "name": "x"}  # the caller's document is not changed
    assert migrate({"schema_version": 2}, migrations=table, current=3)["steps"] == ["2->3"]
    assert readable_versions(table, 3) == (1, 2, 3)
    with pytest.raises(SchemaError, match=r"version 0 is not supported.*reads version 1 to 3"):
        migrate({"schema_version": 0}, migrations=table, current=3, source="old.json")


def test_an_older_schema_document_migrates_and_parses(monkeypatch, tmp_path):
    monkeypatch.setitem(schema_versions.MIGRATIONS, SCHEMA_VERSION - 1, _rename_blocks)
    current = builtin()
    older = copy.deepcopy(current)
    older["schema_version"] = SCHEMA_VERSION - 1
    older["blocks"] = older.pop("blocking")
    kept = copy.deepcopy(older)

    schema = parse_schema(older, source="older.json")
    assert schema.schema_version == SCHEMA_VERSION
    assert schema.fingerprint == load_schema("cn-identity").fingerprint  # it means the same
    assert older == kept
    path = tmp_path / "older.json"
    path.write_text(json.dumps(older), encoding="utf-8")
    assert load_schema(path).fingerprint == load_schema("cn-identity").fingerprint
    with pytest.raises(SchemaError) as info:
        parse_schema(current | {"schema_version": SCHEMA_VERSION - 2})
    assert info.value.problems[-1][0] == "$.schema_version"


@pytest.mark.parametrize(
    "version, message",
    [
        (SCHEMA_VERSION + 1, f"version {SCHEMA_VERSION + 1} is newer than this engine"),
        (SCHEMA_VERSION - 1, f"version {SCHEMA_VERSION - 1} is not supported"),
        (str(SCHEMA_VERSION), "must be an integer, found a str"),
        (True, "must be an integer, found a bool"),
        (None, "is required"),
    ],
)
def test_a_version_with_no_path_is_one_clear_problem(version, message):
    data = builtin()
    if version is None:
        del data["schema_version"]
    else:
        data["schema_version"] = version
    with pytest.raises(SchemaError) as info:
        parse_schema(data, source="mine.json")
    assert info.value.problems == [
        ("$.schema_version", f"{message}; this engine reads version {SCHEMA_VERSION}")
    ]
    assert str(info.value).startswith("mine.json: invalid schema (1 problem(s)): $.schema_version")
