"""The linkage schema: a versioned, declarative JSON file naming what is encoded and how.

    {
      "schema_version": 1,
      "name": "cn-identity",
      "filter_bits": 1024,
      "fields": [
        {"name": "name", "type": "chinese_name", "missing": "skip",
         "features": [{"tokens": "char_qgrams", "q": 1, "bits_per_token": 12}, ...]},
        {"name": "birth_date", "type": "date", "derive_from": "id_number", ...}
      ],
      "require_any": ["name", "id_number"],
      "hardening": {"salt": {"field": "birth_date", "part": "year"}, "balance": false,
                    "xor_fold": false, "blip": {"epsilon": 6.0}},
      "blocking": [{"name": "yob_sex", "parts": [{"field": "birth_date", "part": "year"},
                                                  {"field": "sex", "part": "value"}]}]
    }

`load_schema` checks everything and raises one `SchemaError` listing every problem with its
JSON path. Each feature's weight is either `bits_per_token` (k positions per token) or
`bits_per_feature` (a budget spread over the record's tokens of that feature). The canonical
`fingerprint` hashes the schema with every default filled in, so two files that mean the same
thing share a fingerprint and any change of meaning changes it.
"""

from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import asdict, dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from pprl.encoded import FILTER_BITS
from pprl.errors import SchemaError

SCHEMA_VERSION = 1
MAX_BITS_PER_TOKEN = 64
BUILTIN_SCHEMAS = ("cn-identity",)


class FieldType(enum.Enum):
    CHINESE_NAME = "chinese_name"
    LATIN_NAME = "latin_name"  # a given name or surname in Latin letters
    CN_ID = "cn_id"
    DATE = "date"
    SEX = "sex"
    PHONE = "phone"
    ADDRESS = "address"
    TEXT = "text"


class TokenKind(enum.Enum):
    CHAR_QGRAMS = "char_qgrams"  # q-grams of characters (within name parts for names)
    PINYIN_SYLLABLES = "pinyin_syllables"  # one token per syllable; surnames all readings
    POSITIONAL_CHARS = "positional_chars"  # (position, character)
    DATE_PARTS = "date_parts"  # year, month, day as separate tokens
    PROVINCE = "province"  # GB/T 2260 province code
    CITY = "city"  # city / prefecture name
    SOUNDEX = "soundex"  # phonetic code of each name part (bloom.latin_names.PHONETIC)
    METAPHONE = "metaphone"
    NYSIIS = "nysiis"
    VALUE = "value"  # the whole normalised value as one token


class Missing(enum.Enum):
    SKIP = "skip"  # a missing or unusable value adds no bits
    REJECT_ROW = "reject_row"  # the row is not encoded without this field


# Which token kinds and which blocking/salt parts each field type offers.
TOKENS_FOR_TYPE: dict[FieldType, frozenset[TokenKind]] = {
    FieldType.CHINESE_NAME: frozenset(
        {TokenKind.CHAR_QGRAMS, TokenKind.PINYIN_SYLLABLES, TokenKind.VALUE}
    ),
    FieldType.LATIN_NAME: frozenset(
        {
            TokenKind.CHAR_QGRAMS,
            TokenKind.SOUNDEX,
            TokenKind.METAPHONE,
            TokenKind.NYSIIS,
            TokenKind.VALUE,
        }
    ),
    FieldType.CN_ID: frozenset(
        {TokenKind.CHAR_QGRAMS, TokenKind.POSITIONAL_CHARS, TokenKind.VALUE}
    ),
    FieldType.DATE: frozenset({TokenKind.DATE_PARTS, TokenKind.VALUE}),
    FieldType.SEX: frozenset({TokenKind.VALUE}),
    FieldType.PHONE: frozenset(
        {TokenKind.CHAR_QGRAMS, TokenKind.POSITIONAL_CHARS, TokenKind.VALUE}
    ),
    FieldType.ADDRESS: frozenset(
        {TokenKind.PROVINCE, TokenKind.CITY, TokenKind.CHAR_QGRAMS, TokenKind.VALUE}
    ),
    FieldType.TEXT: frozenset({TokenKind.CHAR_QGRAMS, TokenKind.POSITIONAL_CHARS, TokenKind.VALUE}),
}
PARTS_FOR_TYPE: dict[FieldType, frozenset[str]] = {
    FieldType.CHINESE_NAME: frozenset(
        {"value", "reading", "surname", "surname_pinyin", "surname_reading"}
    ),
    FieldType.LATIN_NAME: frozenset({"value", "initial", "soundex", "metaphone", "nysiis"}),
    FieldType.CN_ID: frozenset({"value", "region", "province", "birth_year"}),
    FieldType.DATE: frozenset({"value", "year", "month"}),
    FieldType.SEX: frozenset({"value"}),
    FieldType.PHONE: frozenset({"value", "prefix3"}),
    FieldType.ADDRESS: frozenset({"value", "province", "city"}),
    FieldType.TEXT: frozenset({"value"}),
}
# A field may take its value from another field's derived facts when its own is missing.
DERIVABLE: dict[FieldType, FieldType] = {
    FieldType.DATE: FieldType.CN_ID,
    FieldType.SEX: FieldType.CN_ID,
    FieldType.ADDRESS: FieldType.CN_ID,
}


@dataclass(frozen=True)
class Feature:
    tokens: TokenKind
    q: int = 2
    bits_per_token: int | None = None
    bits_per_feature: int | None = None


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: FieldType
    features: tuple[Feature, ...]
    missing: Missing = Missing.SKIP
    derive_from: str | None = None


@dataclass(frozen=True)
class PartRef:
    field: str
    part: str


@dataclass(frozen=True)
class BlockingSpec:
    name: str
    parts: tuple[PartRef, ...]


@dataclass(frozen=True)
class Blip:
    """Bit-flipping randomised response: each bit flips with probability 1 / (1 + e^epsilon)."""

    epsilon: float

    @property
    def flip_probability(self) -> float:
        import math

        return 1.0 / (1.0 + math.exp(self.epsilon))


@dataclass(frozen=True)
class Diffusion:
    """Each stored bit is the XOR of `taps` keyed filter positions (`bloom.diffusion`)."""

    taps: int


@dataclass(frozen=True)
class Hardening:
    salt: PartRef | None = None
    balance: bool = False
    xor_fold: bool = False
    blip: Blip | None = None
    diffusion: Diffusion | None = None

    def describe(self) -> str:
        """One line for summaries, with BLIP's epsilon and flip probability stated."""
        parts = []
        if self.salt is not None:
            parts.append(f"salted with {self.salt.field}.{self.salt.part}")
        if self.xor_fold:
            parts.append("XOR-folded")
        if self.balance:
            parts.append("balanced")
        if self.blip is not None:
            parts.append(
                f"BLIP epsilon={self.blip.epsilon:g} per bit "
                f"(flip probability {self.blip.flip_probability:.4f})"
            )
        if self.diffusion is not None:
            parts.append(f"diffused (each bit the XOR of {self.diffusion.taps} keyed positions)")
        return ", ".join(parts) or "none"

    @property
    def base_bits_factor(self) -> float:
        """Bits set before hardening relative to the stored filter length."""
        factor = 1.0
        if self.balance:
            factor /= 2
        if self.xor_fold:
            factor *= 2
        return factor


@dataclass(frozen=True)
class Schema:
    name: str
    fields: tuple[FieldSpec, ...]
    blocking: tuple[BlockingSpec, ...] = ()
    require_any: tuple[str, ...] = ()
    hardening: Hardening = Hardening()
    filter_bits: int = FILTER_BITS
    schema_version: int = SCHEMA_VERSION
    description: str = ""
    # The Dice threshold that suits this encoding, used when a run names none; part of the
    # fingerprint, so both sides of a run agree on it.
    match_threshold: float | None = None

    def field(self, name: str) -> FieldSpec:
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(name)

    @property
    def base_bits(self) -> int:
        return int(self.filter_bits * self.hardening.base_bits_factor)

    def canonical(self) -> dict[str, Any]:
        """Everything that changes the encoding, defaults filled in, enums as their values."""

        def plain(value: Any) -> Any:
            if isinstance(value, enum.Enum):
                return value.value
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, list | tuple):
                return [plain(v) for v in value]
            return value

        data = plain(asdict(self))
        data.pop("description")
        # Options added after the first schemas leave the canonical form (and so the
        # fingerprint of every schema that does not use them) as it was.
        if data["hardening"]["diffusion"] is None:
            data["hardening"].pop("diffusion")
        if data["match_threshold"] is None:
            data.pop("match_threshold")
        return data

    @cached_property
    def fingerprint(self) -> str:
        text = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(b"pprl-schema\0" + text.encode("utf-8")).hexdigest()


def parse_schema(data: Any, *, source: str | None = None) -> Schema:
    """Build a Schema from parsed JSON, reporting every problem at once (`bloom.schema_parse`)."""
    from bloom.schema_parse import parse_schema as parse

    return parse(data, source=source)


def load_schema(spec: str | Path | Schema) -> Schema:
    """A Schema from a built-in name (`cn-identity`), a JSON file path, or a Schema."""
    if isinstance(spec, Schema):
        return spec
    text_spec = str(spec)
    if text_spec in BUILTIN_SCHEMAS:
        raw = resources.files("bloom").joinpath(f"schemas/{text_spec}.json").read_text("utf-8")
        return parse_schema(json.loads(raw), source=text_spec)
    path = Path(text_spec)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SchemaError(
            [("$", f"no such schema file (built-in schemas: {', '.join(BUILTIN_SCHEMAS)})")],
            path=text_spec,
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaError([("$", f"cannot read ({type(exc).__name__})")], path=text_spec) from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise SchemaError(
            [("$", f"not valid JSON (line {exc.lineno}, column {exc.colno})")], path=text_spec
        ) from None
    return parse_schema(data, source=text_spec)
