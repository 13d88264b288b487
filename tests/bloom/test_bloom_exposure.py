"""Weak schema settings are named; the built-in schema has none."""

from __future__ import annotations

import json
from importlib import resources

from bloom.exposure import exposures, key_bits
from bloom.schema import load_schema, parse_schema


def _builtin() -> dict:
    return json.loads(resources.files("bloom").joinpath("schemas/cn-identity.json").read_text())


def test_the_builtin_schema_exposes_nothing():
    assert exposures(load_schema("cn-identity")) == []


def test_low_entropy_keys_and_undiffused_filters_are_named():
    data = _builtin()
    data["hardening"]["diffusion"] = None
    data["fields"].append(
        {"name": "sex", "type": "sex", "features": [{"tokens": "value", "bits_per_token": 2}]}
    )
    data["blocking"].append(
        {
            "name": "yob_sex",
            "parts": [{"field": "birth_date", "part": "year"}, {"field": "sex", "part": "value"}],
        }
    )
    schema = parse_schema(data)
    found = exposures(schema)
    assert len(found) == 3
    assert "not diffused" in found[0]
    assert "'sex' puts sex in the filters" in found[1]
    assert "'yob_sex'" in found[2] and "7 bits" in found[2]
    assert key_bits(schema, "surname_birth_date") >= 20 > key_bits(schema, "yob_sex")
