"""A department's table: naming its columns.

parse_column_map(pairs, option)   `FIELD=COLUMN` option values (`pprl encode --map`,
                                  `pprl disclose --column`) as {field: column}
"""

from __future__ import annotations

from collections.abc import Iterable

from pprl.errors import InputError


def parse_column_map(pairs: Iterable[str], option: str = "--map") -> dict[str, str]:
    """`FIELD=COLUMN` values of a repeatable option as {field: column}.

    Spaces around either name are dropped; a column name may itself hold `=` (only the first
    one splits). A value without `=` or with an empty side, or a field mapped to two different
    columns, is refused with an InputError that names `option` and quotes the value.
    """
    mapping: dict[str, str] = {}
    for pair in pairs:
        field, sep, column = (part.strip() for part in pair.partition("="))
        if not sep or not field or not column:
            raise InputError(f"{option} expects field=column, got {pair!r}")
        if mapping.get(field, column) != column:
            raise InputError(
                f"{option} maps field {field!r} twice ({mapping[field]!r} and {column!r})"
            )
        mapping[field] = column
    return mapping
