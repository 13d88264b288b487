"""Latin-letter names (`latin_name`): normalisation, phonetic tokens and parts, encoding; and
dates that are not real dates keeping their year and month."""

from __future__ import annotations

import copy

import jellyfish
import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bloom import encode
from bloom.dates import parse_date, parse_date_parts, prepare_date_parts
from bloom.fields import DateField, LatinNameField
from bloom.latin_names import PART_SLOTS, PHONETIC, normalise_latin_name
from bloom.schema import (
    PARTS_FOR_TYPE,
    TOKENS_FOR_TYPE,
    Feature,
    FieldSpec,
    FieldType,
    TokenKind,
    parse_schema,
)
from bloom.secret import LinkageSecret
from pprl.errors import SchemaError

SECRET = LinkageSecret.from_bytes(bytes(range(32)))
settings.register_profile("latin", max_examples=100, deadline=None)


def spec(kind: TokenKind, ftype: FieldType = FieldType.LATIN_NAME) -> FieldSpec:
    return FieldSpec("f", ftype, (Feature(kind, bits_per_token=4),))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Zoë  ", "zoe"),
        ("O'Brien", "obrien"),
        ("Smith-Jones", "smith jones"),
        ("MARY   ann", "mary ann"),
        ("Straße", "strasse"),
        ("J. R. R.", "j r r"),
        ("rené2", "rene"),
        ("", ""),
    ],
)
def test_latin_names_normalise(raw, expected):
    assert normalise_latin_name(raw) == expected


@settings(settings.get_profile("latin"))
@given(st.lists(st.one_of(st.none(), st.text("abcdeéKLMN-' .2", max_size=14)), max_size=10))
def test_phonetic_tokens_are_each_parts_code(values):
    for algorithm, encode_part in PHONETIC.items():
        stream = LatinNameField(spec(TokenKind(algorithm)), pa.array(values, pa.string())).stream(
            Feature(TokenKind(algorithm), bits_per_token=4)
        )
        keys, valid = stream.per_row()
        for i, raw in enumerate(values):
            parts = normalise_latin_name(raw or "").split(" ")[:PART_SLOTS]
            expected = [encode_part(p) for p in parts if p]
            got = stream.render(keys[i][valid[i]]) if valid[i].any() else []
            assert [g.decode() for g in got] == [c for c in expected if c]


def test_name_parts_for_blocking():
    column = pa.array(["Catherine", "Kathryn", "mary ann", None], pa.string())
    field = LatinNameField(spec(TokenKind.VALUE), column)
    metaphone = field.part("metaphone")
    assert metaphone.valid.tolist() == [True, True, True, False]
    assert metaphone.keys[0] == metaphone.keys[1]  # K0RN: different letters, same sound
    soundex = field.part("soundex")
    assert soundex.keys[0] != soundex.keys[1]  # C365 / K365: Soundex keeps the first letter
    assert soundex.render(soundex.keys[2:3]) == [jellyfish.soundex("maryann").encode()]
    initial = field.part("initial")
    assert initial.render(initial.keys[:3]) == [b"c", b"k", b"m"]


SCHEMA = {
    "schema_version": 1,
    "name": "latin-people",
    "fields": [
        {"name": "given_name", "type": "latin_name", "features": [
            {"tokens": "char_qgrams", "q": 2, "bits_per_feature": 60},
            {"tokens": "metaphone", "bits_per_token": 20}]},
        {"name": "surname", "type": "latin_name", "features": [
            {"tokens": "char_qgrams", "q": 2, "bits_per_feature": 60},
            {"tokens": "soundex", "bits_per_token": 20}]},
        {"name": "date_of_birth", "type": "date", "features": [
            {"tokens": "date_parts", "bits_per_token": 10}]},
    ],
    "blocking": [{"name": "surname_year", "parts": [
        {"field": "surname", "part": "soundex"}, {"field": "date_of_birth", "part": "year"}]}],
}  # fmt: skip


def dice(a: np.ndarray, b: np.ndarray) -> float:
    x, y = np.unpackbits(a), np.unpackbits(b)
    return 2 * int((x & y).sum()) / int(x.sum() + y.sum())


def test_sound_alike_spellings_score_higher_with_phonetic_tokens():
    people = [
        {"given_name": "Catherine", "surname": "Smyth", "date_of_birth": "19800102"},
        {"given_name": "Kathryn", "surname": "Smith", "date_of_birth": "19800102"},
    ]
    with_codes = encode(people, parse_schema(SCHEMA), SECRET)
    plain = copy.deepcopy(SCHEMA)
    for field in plain["fields"][:2]:
        field["features"] = field["features"][:1]
    without = encode(people, parse_schema(plain), SECRET)
    assert dice(*with_codes.clks) > dice(*without.clks) + 0.05
    values, valid = with_codes.to_dataset().blocking["surname_year"]
    assert valid.all() and values[0] == values[1]  # S530 and the year


def test_phonetic_kinds_apply_to_latin_names_only():
    assert TokenKind.SOUNDEX in TOKENS_FOR_TYPE[FieldType.LATIN_NAME]
    assert "metaphone" in PARTS_FOR_TYPE[FieldType.LATIN_NAME]
    bad = copy.deepcopy(SCHEMA)
    bad["fields"].append(
        {"name": "suburb", "type": "text", "features": [{"tokens": "soundex", "bits_per_token": 4}]}
    )
    with pytest.raises(SchemaError, match="'soundex' does not apply to text"):
        parse_schema(bad)


@pytest.mark.parametrize(
    ("raw", "parts"),
    [
        ("19371233", 19371200),  # day 33: year and month kept
        ("1985-02-30", 19850200),
        ("19729518", 19720000),  # month 95: the year only
        ("18000101", 0),  # no year in range either
        ("19850302", 0),  # a real date has no partial parts
        ("not a date", 0),
    ],
)
def test_dates_that_are_not_real_keep_their_year_and_month(raw, parts):
    assert parse_date_parts(raw) == parts
    _, partial, bad = prepare_date_parts(pa.array([raw], pa.string()))
    assert int(partial[0]) == parts
    assert bool(bad[0]) == (parse_date(raw) is None)


@settings(settings.get_profile("latin"))
@given(st.lists(st.text("0123456789-/.年月日", min_size=0, max_size=11), max_size=12))
def test_partial_date_column_agrees_with_reference(values):
    dates, partial, _ = prepare_date_parts(pa.array(values, pa.string()))
    assert [int(p) for p in partial] == [parse_date_parts(v) for v in values]
    assert [int(d) or None for d in dates] == [parse_date(v) for v in values]


def test_a_mistyped_day_shares_the_year_and_month_tokens():
    field = DateField(
        FieldSpec("d", FieldType.DATE, (Feature(TokenKind.DATE_PARTS, bits_per_token=4),)),
        pa.array(["19371203", "19371233", "19379933"], pa.string()),
    )
    stream = field.stream(Feature(TokenKind.DATE_PARTS, bits_per_token=4))
    tokens = [set(stream.render(k[v])) for k, v in zip(stream.keys, stream.valid, strict=True)]
    assert tokens == [{b"y1937", b"m12", b"d03"}, {b"y1937", b"m12"}, {b"y1937"}]
    assert field.present.tolist() == [True, True, True]
    assert field.part("value").valid.tolist() == [True, False, False]
    assert field.part("month").valid.tolist() == [True, True, False]
    reasons = [r for mask, r in field.problems for hit in mask.tolist() if hit]
    partly = [r for mask, r in field.partly for hit in mask.tolist() if hit]
    assert reasons == [] and partly == [
        "not a date: its year and month are encoded, the day left out",
        "not a date: its year is encoded, month and day left out",
    ]
    people = [{"given_name": "Ann", "date_of_birth": d} for d in ("19371233", "x")]
    rejects = {r.row: r.reason for r in encode(people, parse_schema(SCHEMA), SECRET).rejects}
    assert rejects == {0: partly[0], 1: "not a date; field left out"}
