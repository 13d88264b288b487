"""The README's schema guide, made from the schema's own tables so the two cannot disagree.

    python -m bloom.schema_guide    # prints the tables that README.md holds between its markers

Which token kinds and parts each field type offers comes from `bloom.schema`
(`TOKENS_FOR_TYPE`, `PARTS_FOR_TYPE`, `DERIVABLE`); this module adds one sentence for each
type, token kind and part. A test checks that README.md holds exactly this text.
"""

from __future__ import annotations

from bloom.latin_names import PHONETIC
from bloom.schema import DERIVABLE, PARTS_FOR_TYPE, TOKENS_FOR_TYPE, FieldType, TokenKind

BEGIN = "<!-- schema-guide: made by python -m bloom.schema_guide -->"
END = "<!-- /schema-guide -->"

FIELD_TYPE_USE: dict[FieldType, str] = {
    FieldType.CHINESE_NAME: "a name in Chinese characters (or pinyin); traditional, separators "
    "and polyphonic surnames normalised",
    FieldType.LATIN_NAME: "a given name or surname in Latin letters; accents, case, "
    "apostrophes and separators folded",
    FieldType.CN_ID: "an 18-digit resident ID number (15-digit upgraded, check digit checked)",
    FieldType.DATE: "a date (1985-03-02, 19850302, 1985/3/2, 1985年3月2日); one that is not "
    "a real date keeps its year and month",
    FieldType.SEX: "男/女, M/F, 1/2",
    FieldType.PHONE: "a Chinese phone number (+86 and separators removed)",
    FieldType.ADDRESS: "a Chinese address (province and city recognised)",
    FieldType.TEXT: "anything else: street, suburb, postcode, state, other ID numbers "
    "(NFKC, lower case, spaces collapsed)",
}

TOKEN_USE: dict[TokenKind, str] = {
    TokenKind.CHAR_QGRAMS: "character q-grams (`q`: 1-3, default 2); within name parts",
    TokenKind.PINYIN_SYLLABLES: "one token per syllable; a surname in all its readings",
    TokenKind.POSITIONAL_CHARS: "(position, character): for fixed-layout codes",
    TokenKind.DATE_PARTS: "year, month and day as three tokens",
    TokenKind.PROVINCE: "the GB/T 2260 province code",
    TokenKind.CITY: "the city or prefecture",
    TokenKind.SOUNDEX: "Soundex code of each name part (keeps the first letter)",
    TokenKind.METAPHONE: "Metaphone code of each name part (Catherine, Kathryn: K0RN)",
    TokenKind.NYSIIS: "NYSIIS code of each name part",
    TokenKind.VALUE: "the whole normalised value as one token",
}

PART_USE: dict[str, str] = {
    "value": "the whole normalised value",
    "reading": "the whole name as its usual pinyin (homophones share it)",
    "surname": "the first character",
    "surname_pinyin": "the surname character's common reading",
    "surname_reading": "the surname character's reading as a surname (单: shàn)",
    "initial": "the first letter",
    **{name: f"the {name} code of the whole name, parts written together" for name in PHONETIC},
    "region": "the 6-digit region code",
    "province": "the 2-digit province code (of the number, or the address's)",
    "city": "the city or prefecture of the address",
    "birth_year": "the year of birth in the number",
    "year": "the year (also of a value that is not a real date)",
    "month": "the month (likewise)",
    "prefix3": "the first three digits",
}


def _codes(values) -> str:
    return ", ".join(f"`{v}`" for v in values)


def field_type_table() -> str:
    rows = [
        "| field type | for | token kinds | blocking / salt parts | `derive_from` |",
        "| --- | --- | --- | --- | --- |",
    ]
    for ftype in FieldType:
        tokens = [k.value for k in TokenKind if k in TOKENS_FOR_TYPE[ftype]]
        parts = sorted(PARTS_FOR_TYPE[ftype], key=lambda p: (p != "value", p))
        derive = f"a `{DERIVABLE[ftype].value}` field" if ftype in DERIVABLE else "-"
        rows.append(
            f"| `{ftype.value}` | {FIELD_TYPE_USE[ftype]} | {_codes(tokens)} | "
            f"{_codes(parts)} | {derive} |"
        )
    return "\n".join(rows)


def token_table() -> str:
    rows = ["| token kind | what it adds |", "| --- | --- |"]
    rows += [f"| `{k.value}` | {TOKEN_USE[k]} |" for k in TokenKind]
    return "\n".join(rows)


def part_table() -> str:
    rows = ["| part | is |", "| --- | --- |"]
    used = {p for parts in PARTS_FOR_TYPE.values() for p in parts}
    rows += [f"| `{p}` | {PART_USE[p]} |" for p in PART_USE if p in used]
    return "\n".join(rows)


def guide() -> str:
    """The generated block, markers included."""
    return "\n\n".join([BEGIN, field_type_table(), token_table(), part_table(), END])


if __name__ == "__main__":
    print(guide())
