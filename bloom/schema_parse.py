"""Checking a parsed schema document: every problem is collected with its JSON path.

`parse_schema(data)` builds a `bloom.schema.Schema` or raises one `SchemaError` listing all
problems in document order, so a user fixes a schema file in one pass. A document of an older
`schema_version` is first migrated to the current one (`bloom.schema_versions`).
"""

from __future__ import annotations

import enum
import re
from typing import Any

from bloom.schema import (
    DERIVABLE,
    MAX_BITS_PER_TOKEN,
    PARTS_FOR_TYPE,
    TOKENS_FOR_TYPE,
    Blip,
    BlockingSpec,
    Diffusion,
    Feature,
    FieldSpec,
    FieldType,
    Hardening,
    Missing,
    PartRef,
    Schema,
    TokenKind,
)
from bloom.schema_versions import migrate, version_problem
from pprl.encoded import FILTER_BITS
from pprl.errors import SchemaError


class _Problems:
    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []
        self.untyped: set[str] = set()  # fields whose type is invalid: not reported again

    def add(self, path: str, message: str) -> None:
        self.items.append((path, message))

    def in_document_order(self) -> list[tuple[str, str]]:
        def key(item: tuple[str, str]) -> list:
            return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", item[0])]

        return sorted(self.items, key=key)


def _enum(kind: type[enum.Enum], value: Any, path: str, problems: _Problems):
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        problems.add(path, f"{value!r} is not one of: {allowed}")
        return None


def _check_keys(obj: dict, allowed: set[str], path: str, problems: _Problems) -> None:
    for key in obj:
        if key not in allowed:
            problems.add(f"{path}.{key}", "unknown key")


def _int(obj: dict, key: str, path: str, problems: _Problems, lo: int, hi: int, default=None):
    if key not in obj:
        return default
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        problems.add(f"{path}.{key}", f"must be an integer from {lo} to {hi}")
        return default
    return value


def _feature(obj: Any, path: str, ftype: FieldType | None, problems: _Problems) -> Feature | None:
    if not isinstance(obj, dict):
        problems.add(path, "must be an object")
        return None
    _check_keys(obj, {"tokens", "q", "bits_per_token", "bits_per_feature"}, path, problems)
    kind = None
    if "tokens" not in obj:
        problems.add(f"{path}.tokens", "is required")
    else:
        kind = _enum(TokenKind, obj["tokens"], f"{path}.tokens", problems)
        if kind is not None and ftype is not None and kind not in TOKENS_FOR_TYPE[ftype]:
            allowed = ", ".join(sorted(k.value for k in TOKENS_FOR_TYPE[ftype]))
            problems.add(
                f"{path}.tokens",
                f"{kind.value!r} does not apply to {ftype.value}; use one of: {allowed}",
            )
    q = _int(obj, "q", path, problems, 1, 3, 2)
    per_token = _int(obj, "bits_per_token", path, problems, 1, MAX_BITS_PER_TOKEN)
    per_feature = _int(obj, "bits_per_feature", path, problems, 1, 4096)
    if (per_token is None) == (per_feature is None) and not any(
        p.startswith(f"{path}.bits_") for p, _ in problems.items
    ):
        problems.add(path, "give exactly one of bits_per_token or bits_per_feature")
    if kind is None:
        return None
    return Feature(tokens=kind, q=q, bits_per_token=per_token, bits_per_feature=per_feature)


def _part(obj: Any, path: str, types: dict[str, FieldType], problems: _Problems) -> PartRef | None:
    if not isinstance(obj, dict):
        problems.add(path, "must be an object with 'field' and 'part'")
        return None
    _check_keys(obj, {"field", "part"}, path, problems)
    field, part = obj.get("field"), obj.get("part", "value")
    if field in problems.untyped:
        return None  # its type is already reported as wrong
    if field not in types:
        problems.add(f"{path}.field", f"{field!r} is not a field of this schema")
        return None
    if part not in PARTS_FOR_TYPE[types[field]]:
        allowed = ", ".join(sorted(PARTS_FOR_TYPE[types[field]]))
        problems.add(
            f"{path}.part",
            f"{part!r} is not a part of a {types[field].value} field; use one of: {allowed}",
        )
        return None
    return PartRef(field=field, part=part)


def parse_schema(data: Any, *, source: str | None = None) -> Schema:
    """Build a Schema from parsed JSON, reporting every problem at once."""
    problems = _Problems()
    if not isinstance(data, dict):
        raise SchemaError([("$", "a schema must be a JSON object")], path=source)
    problem = version_problem(data.get("schema_version"))
    if problem is None:
        data = migrate(data, source=source)
    else:
        problems.add("$.schema_version", problem)  # the rest is checked as the current version
    _check_keys(
        data,
        {
            "schema_version",
            "name",
            "description",
            "filter_bits",
            "fields",
            "require_any",
            "hardening",
            "blocking",
            "match_threshold",
        },
        "$",
        problems,
    )
    name = data.get("name")
    if not isinstance(name, str) or not name:
        problems.add("$.name", "must be a non-empty string")
    if data.get("filter_bits", FILTER_BITS) != FILTER_BITS:
        problems.add("$.filter_bits", f"must be {FILTER_BITS} (the encoded-dataset format)")

    fields: list[FieldSpec] = []
    types: dict[str, FieldType] = {}
    raw_fields = data.get("fields")
    if not isinstance(raw_fields, list) or not raw_fields:
        problems.add("$.fields", "must be a non-empty list")
        raw_fields = []
    parsed = []
    for i, obj in enumerate(raw_fields):
        path = f"$.fields[{i}]"
        if not isinstance(obj, dict):
            problems.add(path, "must be an object")
            continue
        _check_keys(obj, {"name", "type", "features", "missing", "derive_from"}, path, problems)
        fname = obj.get("name")
        if not isinstance(fname, str) or not fname.isidentifier():
            problems.add(f"{path}.name", "must be an identifier (letters, digits, underscore)")
            fname = None
        elif fname in types:
            problems.add(f"{path}.name", f"duplicate field {fname!r}")
        ftype = _enum(FieldType, obj.get("type"), f"{path}.type", problems)
        if fname and ftype:
            types[fname] = ftype
        elif fname:
            problems.untyped.add(fname)
        parsed.append((i, obj, fname, ftype))
    for i, obj, fname, ftype in parsed:
        path = f"$.fields[{i}]"
        raw_features = obj.get("features")
        features = []
        if not isinstance(raw_features, list) or not raw_features:
            problems.add(f"{path}.features", "must be a non-empty list")
        else:
            for j, f in enumerate(raw_features):
                feature = _feature(f, f"{path}.features[{j}]", ftype, problems)
                if feature is not None:
                    features.append(feature)
        missing = _enum(Missing, obj.get("missing", "skip"), f"{path}.missing", problems)
        derive = obj.get("derive_from")
        if derive is not None:
            if ftype not in DERIVABLE:
                problems.add(
                    f"{path}.derive_from",
                    f"a {getattr(ftype, 'value', '?')} field cannot be derived",
                )
            elif derive not in problems.untyped and types.get(derive) is not DERIVABLE[ftype]:
                problems.add(f"{path}.derive_from", f"must name a {DERIVABLE[ftype].value} field")
        if fname and ftype and missing:
            fields.append(FieldSpec(fname, ftype, tuple(features), missing, derive))

    require_any = data.get("require_any", [])
    if not isinstance(require_any, list) or not all(isinstance(x, str) for x in require_any):
        problems.add("$.require_any", "must be a list of field names")
        require_any = []
    for k, fname in enumerate(require_any):
        if fname not in types and fname not in problems.untyped:
            problems.add(f"$.require_any[{k}]", f"{fname!r} is not a field of this schema")

    hardening = Hardening()
    raw_h = data.get("hardening", {})
    if not isinstance(raw_h, dict):
        problems.add("$.hardening", "must be an object")
    else:
        _check_keys(
            raw_h, {"salt", "balance", "xor_fold", "blip", "diffusion"}, "$.hardening", problems
        )
        salt = None
        if raw_h.get("salt") is not None:
            salt = _part(raw_h["salt"], "$.hardening.salt", types, problems)
        flags = {}
        for flag in ("balance", "xor_fold"):
            value = raw_h.get(flag, False)
            if not isinstance(value, bool):
                problems.add(f"$.hardening.{flag}", "must be true or false")
                value = False
            flags[flag] = value
        blip = None
        raw_blip = raw_h.get("blip")
        if raw_blip is not None:
            eps = raw_blip.get("epsilon") if isinstance(raw_blip, dict) else None
            if isinstance(eps, bool) or not isinstance(eps, int | float) or not 0 < eps <= 20:
                problems.add("$.hardening.blip.epsilon", "must be a number in (0, 20]")
            else:
                blip = Blip(float(eps))
        diffusion = None
        raw_diffusion = raw_h.get("diffusion")
        if raw_diffusion is not None:
            taps = raw_diffusion.get("taps") if isinstance(raw_diffusion, dict) else None
            if isinstance(taps, bool) or not isinstance(taps, int) or not 2 <= taps <= 16:
                problems.add("$.hardening.diffusion.taps", "must be an integer in [2, 16]")
            else:
                diffusion = Diffusion(taps)
        hardening = Hardening(salt=salt, blip=blip, diffusion=diffusion, **flags)

    blocking = []
    raw_b = data.get("blocking", [])
    if not isinstance(raw_b, list):
        problems.add("$.blocking", "must be a list")
        raw_b = []
    seen: set[str] = set()
    for i, obj in enumerate(raw_b):
        path = f"$.blocking[{i}]"
        if not isinstance(obj, dict):
            problems.add(path, "must be an object")
            continue
        _check_keys(obj, {"name", "parts"}, path, problems)
        bname = obj.get("name")
        if not isinstance(bname, str) or not bname.isidentifier():
            problems.add(f"{path}.name", "must be an identifier")
        elif bname in seen:
            problems.add(f"{path}.name", f"duplicate blocking key {bname!r}")
        else:
            seen.add(bname)
        raw_parts = obj.get("parts")
        if not isinstance(raw_parts, list) or not raw_parts:
            problems.add(f"{path}.parts", "must be a non-empty list")
            continue
        parts = [_part(p, f"{path}.parts[{j}]", types, problems) for j, p in enumerate(raw_parts)]
        if isinstance(bname, str) and all(parts):
            blocking.append(BlockingSpec(bname, tuple(parts)))

    if problems.items:
        raise SchemaError(problems.in_document_order(), path=source)
    match_threshold = data.get("match_threshold")
    if match_threshold is not None and (
        isinstance(match_threshold, bool)
        or not isinstance(match_threshold, int | float)
        or not 0 < match_threshold <= 1
    ):
        problems.add("$.match_threshold", "must be a number in (0, 1]")
        match_threshold = None
    return Schema(
        match_threshold=None if match_threshold is None else float(match_threshold),
        name=name,
        fields=tuple(fields),
        blocking=tuple(blocking),
        require_any=tuple(require_any),
        hardening=hardening,
        description=str(data.get("description", "")),
    )
