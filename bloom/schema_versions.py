"""Schema file versions: an older document is migrated, a version at a time, to the current one.

`MIGRATIONS[v]` turns a version-v schema document (parsed JSON) into a version v + 1 document;
`migrate` applies the steps in order up to `SCHEMA_VERSION` and `parse_schema` then checks the
result, as clkhash does with its schema versions. A version with no path to the current one
(older without a step, newer than this engine, not an integer) is one clear problem at
`$.schema_version`.

Version 1 is the first version and still the current one, so the table is empty. When the file
format changes, bump `SCHEMA_VERSION` in `bloom.schema`, add the step from the old version
here and keep a test that a file of the old version still loads. `schema_version` is part of
the canonical form the fingerprint hashes: a bump changes every fingerprint, so encodings made
before and after it are never compared.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from bloom.schema import SCHEMA_VERSION
from pprl.errors import SchemaError

Migration = Callable[[dict[str, Any]], dict[str, Any]]

MIGRATIONS: dict[int, Migration] = {}


def readable_versions(
    migrations: Mapping[int, Migration] | None = None, current: int = SCHEMA_VERSION
) -> tuple[int, ...]:
    """The versions that reach `current` through `migrations`, oldest first."""
    steps = MIGRATIONS if migrations is None else migrations
    oldest = current
    while oldest - 1 in steps:
        oldest -= 1
    return tuple(range(oldest, current + 1))


def version_problem(
    version: Any, migrations: Mapping[int, Migration] | None = None, current: int = SCHEMA_VERSION
) -> str | None:
    """Why a document of this `schema_version` cannot be read, or None if it can."""
    known = readable_versions(migrations, current)
    reads = "this engine reads version " + (
        str(current) if len(known) == 1 else f"{known[0]} to {current}"
    )
    if version is None:
        return f"is required; {reads}"
    if type(version) is not int:
        return f"must be an integer, found a {type(version).__name__}; {reads}"
    if version in known:
        return None
    if version > current:
        return f"version {version} is newer than this engine; {reads}"
    return f"version {version} is not supported; {reads}"


def migrate(
    document: dict[str, Any],
    *,
    source: str | None = None,
    migrations: Mapping[int, Migration] | None = None,
    current: int = SCHEMA_VERSION,
) -> dict[str, Any]:
    """`document` as a current-version document (a copy if any step ran; the input is kept)."""
    version = document.get("schema_version")
    problem = version_problem(version, migrations, current)
    if problem is not None:
        raise SchemaError([("$.schema_version", problem)], path=source)
    steps = MIGRATIONS if migrations is None else migrations
    if version < current:
        document = copy.deepcopy(document)
    for step in range(version, current):
        document = steps[step](document)
        document["schema_version"] = step + 1
    return document
