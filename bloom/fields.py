"""Prepared fields: one normalised column per schema field, offering token streams and parts.

`prepare_field` normalises a column by the field's type; `derive` fills date of birth, sex
and province from the ID number where the record lacks them. Each prepared field reports the
rows whose value was present but unusable (`problems`) so none is lost silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bloom import tokens as tk
from bloom.addresses import prepare_addresses
from bloom.cn_id import IdStatus, prepare_cn_ids
from bloom.columns import as_string_array, code_matrix, distinct
from bloom.dates import prepare_date_parts
from bloom.latin_names import PHONETIC, prepare_latin_names
from bloom.names import SEPARATOR, NameColumn, prepare_names
from bloom.phones import prepare_phones
from bloom.schema import Feature, FieldSpec, FieldType, TokenKind
from bloom.sex import prepare_sex

_SEX_LABELS = ["M", "F"]
MAX_TEXT_CHARS = 128  # longer text values are cut, so one odd value cannot inflate memory


@dataclass
class Prepared:
    """A normalised field. `present[n]`: the record has a usable value (own or derived)."""

    spec: FieldSpec
    present: np.ndarray
    problems: list[tuple[np.ndarray, str]] = field(default_factory=list)  # value left out
    partly: list[tuple[np.ndarray, str]] = field(default_factory=list)  # some of it encoded
    counts: dict[str, int] = field(default_factory=dict)

    def stream(self, feature: Feature) -> tk.TokenStream:
        raise NotImplementedError

    def part(self, name: str) -> tk.Part:
        raise NotImplementedError


class NameField(Prepared):
    def __init__(self, spec: FieldSpec, column: pa.Array) -> None:
        self.col = prepare_names(column)
        super().__init__(spec, self.col.present)

    @cached_property
    def symbols(self) -> tk.Symbols:
        return tk.Symbols.of(self.col.codes)

    def stream(self, feature: Feature) -> tk.TokenStream:
        c = self.col
        if feature.tokens is TokenKind.CHAR_QGRAMS:
            return tk.qgram_stream(
                self.symbols, feature.q, separator=ord(SEPARATOR), row_index=c.row_index
            )
        if feature.tokens is TokenKind.PINYIN_SYLLABLES:
            keys = np.concatenate([c.char_syllable, c.surname_syllables, c.romanised], axis=1)
            return tk.TokenStream(keys, keys > 0, tk.lookup_render(c.syllables), c.row_index)
        return tk.value_stream(c.codes, row_index=c.row_index)

    def part(self, name: str) -> tk.Part:
        c = self.col
        if name in ("surname_pinyin", "surname_reading"):
            # surname_pinyin: the character's common reading, shared with misreadings
            # (单 -> 丹 dān); surname_reading: its reading as a surname (单 shàn, like 善).
            source = c.surname_syllables[:, 0] if name == "surname_pinyin" else c.surname_key
            keys = source[c.row_index].astype(np.uint64)
            return tk.Part(keys, keys > 0, tk.lookup_render(c.syllables))
        if name == "reading":
            return reading_part(c)
        if name == "surname":
            first = c.codes[:, 0].astype(np.uint64)[c.row_index]
            return tk.Part(first, first > 0, lambda d: [chr(int(k)).encode() for k in d.tolist()])
        return tk.value_part(c.codes, c.row_index)


def reading_part(c: NameColumn) -> tk.Part:
    """The whole name as its characters' usual readings, separators left out.

    Homophones (张伟, 章伟) and a polyphonic surname written in its common reading share the
    value; a name with a character that has no reading (Latin letters, rare characters) has none.
    """
    spoken = (c.codes != 0) & (c.codes != ord(SEPARATOR))
    valid = spoken.any(axis=1) & (~spoken | (c.char_syllable > 0)).all(axis=1)
    ids = np.where(spoken, c.char_syllable, 0)
    # Readings moved to the front, so a dropped or extra separator changes nothing.
    ids = np.take_along_axis(ids, np.argsort(ids == 0, axis=1, kind="stable"), axis=1)
    distinct, inverse = np.unique(ids, axis=0, return_inverse=True)

    def render(keys: np.ndarray) -> list[bytes]:
        rows = distinct[keys.astype(np.int64)]
        return [" ".join(c.syllables[k - 1] for k in r if k).encode() for r in rows.tolist()]

    keys = inverse.reshape(-1).astype(np.uint64)
    return tk.Part(keys[c.row_index], valid[c.row_index], render)


class LatinNameField(Prepared):
    def __init__(self, spec: FieldSpec, column: pa.Array) -> None:
        self.col = prepare_latin_names(as_string_array(column))
        super().__init__(spec, self.col.present)

    @cached_property
    def symbols(self) -> tk.Symbols:
        return tk.Symbols.of(self.col.codes)

    def stream(self, feature: Feature) -> tk.TokenStream:
        c = self.col
        if feature.tokens is TokenKind.CHAR_QGRAMS:  # within parts: none spans the space
            return tk.qgram_stream(self.symbols, feature.q, separator=32, row_index=c.row_index)
        if feature.tokens.value in PHONETIC:
            keys, vocabulary = c.phonetic(feature.tokens.value)
            return tk.TokenStream(keys, keys > 0, tk.lookup_render(vocabulary), c.row_index)
        return tk.value_stream(c.codes, row_index=c.row_index)

    def part(self, name: str) -> tk.Part:
        c = self.col
        if name in PHONETIC:  # the code of the whole name, its parts written together
            keys, vocabulary = c.phonetic(name, whole=True)
            first = keys[:, 0].astype(np.uint64)[c.row_index]
            return tk.Part(first, first > 0, tk.lookup_render(vocabulary))
        if name == "initial":
            first = c.codes[:, 0].astype(np.uint64)[c.row_index]
            return tk.Part(first, first > 0, lambda d: [chr(int(k)).encode() for k in d.tolist()])
        return tk.value_part(c.codes, c.row_index)


class IdField(Prepared):
    def __init__(self, spec: FieldSpec, column: pa.Array) -> None:
        self.col = prepare_cn_ids(column)
        status = self.col.status
        super().__init__(spec, self.col.present)
        self.problems.append((status == IdStatus.INVALID, "not an ID number (length/characters)"))
        self.counts["id_check_digit_wrong"] = int((status == IdStatus.CHECK_DIGIT_WRONG).sum())
        self.counts["id_upgraded_15"] = int((status == IdStatus.UPGRADED_15).sum())
        self.counts["id_invalid"] = int((status == IdStatus.INVALID).sum())

    @cached_property
    def symbols(self) -> tk.Symbols:
        return tk.Symbols.of(self.col.chars)

    def stream(self, feature: Feature) -> tk.TokenStream:
        return _char_stream(self.col.chars, feature, symbols=self.symbols)

    def part(self, name: str) -> tk.Part:
        c = self.col
        if name == "region":
            return tk.Part(c.region.astype(np.uint64), c.region > 0, tk.format_render("{:06d}"))
        if name == "province":
            return tk.Part(c.province.astype(np.uint64), c.region > 0, tk.format_render("{:02d}"))
        if name == "birth_year":
            year = (c.birth // 10000).astype(np.uint64)
            return tk.Part(year, year > 0, tk.format_render("{:04d}"))
        return tk.value_part(c.chars)


def _char_stream(
    chars: np.ndarray, feature: Feature, row_index=None, symbols: tk.Symbols | None = None
) -> tk.TokenStream:
    if feature.tokens is TokenKind.CHAR_QGRAMS:
        return tk.qgram_stream(symbols or chars, feature.q, row_index=row_index)
    if feature.tokens is TokenKind.POSITIONAL_CHARS:
        return tk.positional_stream(symbols or chars, row_index=row_index)
    return tk.value_stream(chars, row_index=row_index)


class DateField(Prepared):
    """Dates as yyyymmdd; a value that is not a real date keeps its year and month (`partial`,
    yyyymm00), which its date-part tokens and the year and month parts still use."""

    def __init__(self, spec: FieldSpec, column: pa.Array) -> None:
        self.dates, self.partial, self.bad = prepare_date_parts(column)
        super().__init__(spec, (self.dates > 0) | (self.partial > 0))
        self._report()

    def _report(self) -> None:
        kept_month = self.partial % 10000 > 0
        self.problems = [(self.bad & (self.partial == 0), "not a date")]
        self.partly = [
            (self.bad & (self.partial > 0) & kept_month, _KEPT_YEAR_MONTH),
            (self.bad & (self.partial > 0) & ~kept_month, _KEPT_YEAR),
        ]

    def fill(self, dates: np.ndarray) -> None:
        use = (self.dates == 0) & (dates > 0)
        self.dates = np.where(use, dates, self.dates).astype(np.int32)
        self.partial = np.where(use, 0, self.partial).astype(np.int32)
        self.present = (self.dates > 0) | (self.partial > 0)
        self.counts[f"{self.spec.name}_derived"] = int(use.sum())
        self._report()  # a derived date replaces the parts kept

    def _year_month(self) -> tuple[np.ndarray, np.ndarray]:
        """Year and month of every row (0: unknown), from the real date or the parts kept."""
        known = np.where(self.dates > 0, self.dates, self.partial).astype(np.uint64)
        return known // 10000, known // 100 % 100

    def stream(self, feature: Feature) -> tk.TokenStream:
        d = self.dates.astype(np.uint64)
        ok = self.dates > 0
        if feature.tokens is TokenKind.DATE_PARTS:
            year, month = self._year_month()
            keys = np.stack([year, 100000 + month, 200000 + d % 100], axis=1)
            valid = np.stack([year > 0, month > 0, ok], axis=1)
            return tk.TokenStream(keys, valid, _date_part_render)
        return tk.column_stream(d, ok, tk.format_render("{:08d}"))

    def part(self, name: str) -> tk.Part:
        year, month = self._year_month()
        if name == "year":
            return tk.Part(year, year > 0, tk.format_render("{:04d}"))
        if name == "month":
            return tk.Part(month, month > 0, tk.format_render("{:02d}"))
        d = self.dates.astype(np.uint64)
        return tk.Part(d, self.dates > 0, tk.format_render("{:08d}"))


_KEPT_YEAR_MONTH = "not a date: its year and month are encoded, the day left out"
_KEPT_YEAR = "not a date: its year is encoded, month and day left out"


def _date_part_render(distinct_keys: np.ndarray) -> list[bytes]:
    out = []
    for k in distinct_keys.tolist():
        kind, value = divmod(k, 100000)
        out.append((("y{:04d}", "m{:02d}", "d{:02d}")[kind].format(value)).encode())
    return out


class SexField(Prepared):
    def __init__(self, spec: FieldSpec, column: pa.Array) -> None:
        self.sex, bad = prepare_sex(column)
        super().__init__(spec, self.sex > 0)
        self.problems.append((bad, "not a sex (男/女, M/F, 1/2)"))

    def fill(self, sex: np.ndarray) -> None:
        use = (self.sex == 0) & (sex > 0)
        self.sex = np.where(use, sex, self.sex).astype(np.int8)
        self.present = self.sex > 0
        self.counts[f"{self.spec.name}_derived"] = int(use.sum())

    def stream(self, feature: Feature) -> tk.TokenStream:
        p = self.part("value")
        return tk.column_stream(p.keys, p.valid, p.render)

    def part(self, name: str) -> tk.Part:
        return tk.Part(self.sex.astype(np.uint64), self.sex > 0, tk.lookup_render(_SEX_LABELS))


class PhoneField(Prepared):
    def __init__(self, spec: FieldSpec, column: pa.Array) -> None:
        self.chars, present, bad = prepare_phones(column)
        super().__init__(spec, present)
        self.problems.append((bad, "not a phone number"))

    @cached_property
    def symbols(self) -> tk.Symbols:
        return tk.Symbols.of(self.chars)

    def stream(self, feature: Feature) -> tk.TokenStream:
        return _char_stream(self.chars, feature, symbols=self.symbols)

    def part(self, name: str) -> tk.Part:
        if name == "prefix3":
            return tk.value_part(np.where(self.present[:, None], self.chars[:, :3], 0))
        return tk.value_part(self.chars)


class AddressField(Prepared):
    def __init__(self, spec: FieldSpec, column: pa.Array) -> None:
        self.col = prepare_addresses(column)
        self.province = self.col.province
        super().__init__(spec, self.col.present)

    def fill(self, province: np.ndarray) -> None:
        use = (self.province == 0) & (province > 0)
        self.province = np.where(use, province, self.province).astype(np.int32)
        self.present = self.present | use
        self.counts[f"{self.spec.name}_province_derived"] = int(use.sum())

    def stream(self, feature: Feature) -> tk.TokenStream:
        c = self.col
        if feature.tokens is TokenKind.PROVINCE:
            p = self.part("province")
            return tk.column_stream(p.keys, p.valid, p.render)
        if feature.tokens is TokenKind.CITY:
            p = self.part("city")
            return tk.column_stream(p.keys, p.valid, p.render)
        if feature.tokens is TokenKind.CHAR_QGRAMS:
            return tk.qgram_stream(c.rest_codes, feature.q, row_index=c.row_index)
        return tk.value_stream(c.rest_codes, row_index=c.row_index)

    def part(self, name: str) -> tk.Part:
        if name == "province":
            return tk.Part(
                self.province.astype(np.uint64), self.province > 0, tk.format_render("{:02d}")
            )
        if name == "city":
            city = self.col.city.astype(np.uint64)
            return tk.Part(city, city > 0, tk.lookup_render(self.col.cities))
        return tk.value_part(self.col.rest_codes, self.col.row_index)


class TextField(Prepared):
    def __init__(self, spec: FieldSpec, column: pa.Array) -> None:
        text = pc.utf8_lower(pc.utf8_normalize(as_string_array(column), "NFKC"))
        text = pc.utf8_trim_whitespace(pc.replace_substring_regex(text, r"\s+", " "))
        values, self.row_index = distinct(pc.utf8_slice_codeunits(text, 0, MAX_TEXT_CHARS))
        self.codes = code_matrix([v or "" for v in values])
        super().__init__(spec, self.codes.any(axis=1)[self.row_index])

    def stream(self, feature: Feature) -> tk.TokenStream:
        return _char_stream(self.codes, feature, self.row_index)

    def part(self, name: str) -> tk.Part:
        return tk.value_part(self.codes, self.row_index)


_BY_TYPE: dict[FieldType, type[Prepared]] = {
    FieldType.CHINESE_NAME: NameField,
    FieldType.LATIN_NAME: LatinNameField,
    FieldType.CN_ID: IdField,
    FieldType.DATE: DateField,
    FieldType.SEX: SexField,
    FieldType.PHONE: PhoneField,
    FieldType.ADDRESS: AddressField,
    FieldType.TEXT: TextField,
}


def prepare_field(spec: FieldSpec, column: pa.Array) -> Prepared:
    return _BY_TYPE[spec.type](spec, column)


def derive(prepared: dict[str, Prepared]) -> None:
    """Fill fields that name `derive_from` with facts taken from the ID number."""
    for target in prepared.values():
        source = prepared.get(target.spec.derive_from or "")
        if not isinstance(source, IdField):
            continue
        if isinstance(target, DateField):
            target.fill(source.col.birth)
        elif isinstance(target, SexField):
            target.fill(source.col.sex)
        elif isinstance(target, AddressField):
            target.fill(source.col.province)
