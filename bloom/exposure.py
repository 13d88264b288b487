"""What a schema lets the matcher see: the warnings `pprl encode` prints for weak settings.

Two things leak to a curious matcher holding a public reference population
(`bloom.attacks` measures both):
- a blocking key's equality classes and their sizes. A key with far fewer values than there
  are people puts many records in each class, and the class sizes follow the frequencies of
  the values (birth years, surnames), which frequency alignment reads back. A key is treated
  as safe when its parts together carry about 20 bits or more (about a million values: nearly
  one person per value at a city's or province's scale);
- a filter's bit patterns: without diffusion every token sets the same positions in every
  record, so frequent tokens are found by pattern mining; with it, a binary attribute encoded
  as its own token (a sex field) still shows as a block of correlated stored bits, which the
  spectral attack splits by sex (`bloom/attacks/spectral.py`).

The bit figures are Shannon entropies of each part in a Chinese population, rounded down
(surnames: 6.5 bits, from the census shares in `datasets/synthetic/data/surnames.csv`; a date
of birth: about 14.5 bits over the age pyramid); one table, so a reviewer can see and challenge
them. The 20-bit rule fits datasets up to about a million records; larger populations need
more, and `pprl privacy` measures what a given encoding actually leaks.
"""

from __future__ import annotations

from bloom.schema import FieldType, Schema

SAFE_KEY_BITS = 20.0

# (field type, part) -> effective bits. Parts not listed count DEFAULT_PART_BITS.
PART_BITS: dict[tuple[FieldType, str], float] = {
    (FieldType.SEX, "value"): 1.0,
    (FieldType.DATE, "month"): 3.5,
    (FieldType.DATE, "year"): 6.0,
    (FieldType.DATE, "value"): 14.5,
    (FieldType.CN_ID, "province"): 4.5,
    (FieldType.CN_ID, "birth_year"): 6.0,
    (FieldType.CN_ID, "region"): 10.5,
    (FieldType.CN_ID, "value"): 30.0,
    (FieldType.ADDRESS, "province"): 4.5,
    (FieldType.ADDRESS, "city"): 8.0,
    (FieldType.CHINESE_NAME, "surname"): 6.5,
    (FieldType.CHINESE_NAME, "surname_pinyin"): 6.5,
    (FieldType.CHINESE_NAME, "surname_reading"): 6.5,
    (FieldType.CHINESE_NAME, "reading"): 14.0,
    (FieldType.LATIN_NAME, "initial"): 4.0,  # English-speaking populations, about 20 letters
    (FieldType.PHONE, "prefix3"): 5.0,
    (FieldType.PHONE, "value"): 30.0,
}
DEFAULT_PART_BITS = 8.0


def key_bits(schema: Schema, key_name: str) -> float:
    """The effective bits of one blocking key's combined parts."""
    spec = next(b for b in schema.blocking if b.name == key_name)
    return sum(
        PART_BITS.get((schema.field(p.field).type, p.part), DEFAULT_PART_BITS) for p in spec.parts
    )


def exposures(schema: Schema) -> list[str]:
    """One line per setting that lets the matcher learn attributes; empty when none."""
    found = []
    if schema.hardening.diffusion is None:
        found.append(
            "filters are not diffused (hardening.diffusion): frequent tokens show as bit "
            "patterns that pattern mining aligns with public frequencies"
        )
    for field in schema.fields:
        if field.type is FieldType.SEX and field.features:
            found.append(
                f"field {field.name!r} puts sex in the filters: its token shows as a block of "
                "correlated bits, diffused or not, that the spectral attack splits by sex"
            )
    for spec in schema.blocking:
        bits = key_bits(schema, spec.name)
        if bits < SAFE_KEY_BITS:
            found.append(
                f"blocking key {spec.name!r} has about {bits:g} bits of values (< "
                f"{SAFE_KEY_BITS:g}): its class sizes reveal value frequencies"
            )
    return found
