"""The README's schema guide is the one the code makes, and covers every choice."""

from __future__ import annotations

from pathlib import Path

from bloom.schema import PARTS_FOR_TYPE, FieldType, TokenKind, load_schema
from bloom.schema_guide import BEGIN, END, FIELD_TYPE_USE, PART_USE, TOKEN_USE, guide

ROOT = Path(__file__).resolve().parents[2]


def test_readme_holds_the_generated_guide():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start, end = readme.index(BEGIN), readme.index(END) + len(END)
    assert readme[start:end] == guide(), "run python -m bloom.schema_guide and paste its output"


def test_every_type_kind_and_part_is_described():
    assert set(FIELD_TYPE_USE) == set(FieldType)
    assert set(TOKEN_USE) == set(TokenKind)
    assert {p for parts in PARTS_FOR_TYPE.values() for p in parts} <= set(PART_USE)


def test_the_example_schema_for_latin_records_loads():
    schema = load_schema(ROOT / "bench" / "schemas" / "febrl.json")
    assert schema.field("surname").type is FieldType.LATIN_NAME
