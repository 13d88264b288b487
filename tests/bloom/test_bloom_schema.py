"""Schema files: the built-in schema, validation that lists every problem, fingerprints."""

from __future__ import annotations

import copy
import json
from importlib import resources

import pytest

from bloom.schema import FieldType, Missing, TokenKind, load_schema, parse_schema
from pprl.errors import SchemaError


def builtin() -> dict:
    return json.loads(resources.files("bloom").joinpath("schemas/cn-identity.json").read_text())


def test_builtin_schema_loads_with_the_identity_fields():
    schema = load_schema("cn-identity")
    assert [f.name for f in schema.fields] == [
        "name",
        "id_number",
        "birth_date",
        "address",
        "phone",
    ]
    assert schema.field("name").type is FieldType.CHINESE_NAME
    assert schema.field("birth_date").derive_from == "id_number"
    assert {b.name for b in schema.blocking} == {
        "id_number",
        "phone",
        "surname_birth_date",
        "region_birth_date",
        "name_birth_year",
        "name_city",
    }
    assert schema.hardening.diffusion.taps == 3 and schema.match_threshold == 0.6
    assert all(f.missing is Missing.SKIP for f in schema.fields)
    assert len(schema.fingerprint) == 64


def test_fingerprint_ignores_layout_and_description_but_not_meaning(tmp_path):
    data = builtin()
    reordered = json.loads(json.dumps(data, sort_keys=True))
    reordered["description"] = "another description"
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(reordered, indent=4))
    assert load_schema(path).fingerprint == load_schema("cn-identity").fingerprint

    heavier = copy.deepcopy(data)
    heavier["fields"][0]["features"][0]["bits_per_feature"] += 1
    assert parse_schema(heavier).fingerprint != load_schema("cn-identity").fingerprint
    salted = copy.deepcopy(data)
    salted["hardening"]["salt"] = {"field": "birth_date", "part": "year"}
    assert parse_schema(salted).fingerprint != load_schema("cn-identity").fingerprint


def test_validation_reports_every_problem_with_its_path():
    data = builtin()
    data["schema_version"] = 9
    data["fields"][0]["type"] = "chinese_nam"
    data["fields"][1]["features"][0] = {"tokens": "pinyin_syllables", "bits_per_token": 4}
    data["fields"][2]["features"][0]["bits_per_token"] = 0
    data["fields"][3]["derive_from"] = "phone"
    data["fields"][4]["colour"] = "blue"
    data["blocking"][2]["parts"][1] = {"field": "phone", "part": "year"}
    data["blocking"][3]["parts"][0] = {"field": "nowhere"}
    data["hardening"]["blip"] = {"epsilon": -1}
    with pytest.raises(SchemaError) as info:
        parse_schema(data, source="mine.json")
    paths = [p for p, _ in info.value.problems]
    assert paths == [
        "$.blocking[2].parts[1].part",
        "$.blocking[3].parts[0].field",
        "$.fields[0].type",
        "$.fields[1].features[0].tokens",
        "$.fields[2].features[0].bits_per_token",
        "$.fields[3].derive_from",
        "$.fields[4].colour",
        "$.hardening.blip.epsilon",
        "$.schema_version",
    ]
    message = str(info.value)
    assert message.startswith("mine.json: invalid schema (9 problem(s))")
    assert "'chinese_nam' is not one of" in message


def test_a_user_schema_for_other_columns():
    schema = parse_schema(
        {
            "schema_version": 1,
            "name": "students",
            "fields": [
                {
                    "name": "full_name",
                    "type": "text",
                    "features": [{"tokens": "char_qgrams", "q": 2, "bits_per_feature": 300}],
                },
                {
                    "name": "dob",
                    "type": "date",
                    "features": [{"tokens": "date_parts", "bits_per_token": 20}],
                },
            ],
            "blocking": [{"name": "year", "parts": [{"field": "dob", "part": "year"}]}],
        }
    )
    assert schema.field("full_name").features[0].tokens is TokenKind.CHAR_QGRAMS
    assert schema.field("full_name").features[0].bits_per_feature == 300


@pytest.mark.parametrize(
    "content, expected",
    [
        (None, "no such schema file"),
        ("{not json", "not valid JSON (line 1, column 2)"),
        ("[]", "a schema must be a JSON object"),
    ],
)
def test_unreadable_schema_files_are_one_clear_error(tmp_path, content, expected):
    path = tmp_path / "schema.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(SchemaError) as info:
        load_schema(path)
    assert expected in str(info.value)
    assert str(path) in str(info.value)
