"""A department's table: reading it (CSV or Parquet) and naming its columns.

open_table(path, encoding, chunk_rows)  the table in chunks of about `chunk_rows` rows, read
                                        as they are consumed (an extract is never held whole)
read_table(path, encoding, columns)     the whole table, or only `columns` of it
parse_column_map(pairs, option)         `FIELD=COLUMN` option values (`pprl encode --map`,
                                        `pprl disclose --column`) as {field: column}

A file is Parquet by its suffix (.parquet, .pq), else CSV. CSV columns are all read as text, so
that leading zeros (phones, codes) and the `X` of ID numbers survive and an empty field stays an
empty string; `encoding` is the CSV's text encoding (`gb18030` for a GBK export). Parquet
columns keep their types. Every failure to read becomes one InputError naming the file.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from pprl.errors import InputError

PARQUET_SUFFIXES = (".parquet", ".pq")
_ROW_QUOTED = re.compile(r"^(CSV parse error: .*Expected \d+ columns, got \d+): .*$")
DEFAULT_CHUNK_ROWS = 200_000


@dataclass
class TableChunks:
    path: str
    columns: list[str]
    total_rows: int | None  # known up front for Parquet only
    chunks: Iterator[pa.Table]


def is_parquet(path: str | Path) -> bool:
    return str(path).endswith(PARQUET_SUFFIXES)


def open_table(
    path: str | Path, encoding: str = "utf-8", chunk_rows: int = DEFAULT_CHUNK_ROWS
) -> TableChunks:
    """The table's header now and its rows in chunks as they are read (see module docstring)."""
    path = _existing(path)
    with _read_errors(path, encoding):
        if is_parquet(path):
            parquet = pq.ParquetFile(path)
            batches = parquet.iter_batches(batch_size=chunk_rows)
            return TableChunks(
                path,
                parquet.schema_arrow.names,
                parquet.metadata.num_rows,
                _regrouped(path, encoding, batches, chunk_rows),
            )
        header = _csv_header(path, encoding)
        reader = pacsv.open_csv(
            path,
            read_options=_csv_read_options(header, encoding, block_size=1 << 22),
            convert_options=_as_text(header),
        )
        return TableChunks(path, header, None, _regrouped(path, encoding, reader, chunk_rows))


def read_table(
    path: str | Path, *, encoding: str = "utf-8", columns: Sequence[str] | None = None
) -> pa.Table:
    """The whole table, or only `columns` (each must be there: else InputError naming it)."""
    path = _existing(path)
    with _read_errors(path, encoding):
        if is_parquet(path):
            _require(pq.read_schema(path).names, columns, path)
            return pq.read_table(path, columns=None if columns is None else list(columns))
        header = _csv_header(path, encoding)
        _require(header, columns, path)
        return pacsv.read_csv(
            path,
            read_options=_csv_read_options(header, encoding),
            convert_options=_as_text(header, columns),
        )


def _existing(path: str | Path) -> str:
    path = str(path)
    if not os.path.exists(path):
        raise InputError("no such file", path=path)
    return path


def _csv_header(path: str, encoding: str) -> list[str]:
    with open(path, encoding=encoding, newline="") as handle:
        header = next(csv.reader(handle), None)
    if not header:
        raise InputError("empty file (no header row)", path=path)
    return [h.lstrip("\ufeff") for h in header]


def _csv_read_options(header: list[str], encoding: str, **options) -> pacsv.ReadOptions:
    return pacsv.ReadOptions(encoding=encoding, column_names=header, skip_rows=1, **options)


def _as_text(header: list[str], columns: Sequence[str] | None = None) -> pacsv.ConvertOptions:
    return pacsv.ConvertOptions(
        column_types={h: pa.string() for h in header},
        strings_can_be_null=False,
        null_values=[],
        include_columns=None if columns is None else list(columns),
    )


def _require(names: list[str], columns: Sequence[str] | None, path: str) -> None:
    for column in columns or ():
        if column not in names:
            raise InputError("missing column", path=path, field=column)


def _reason(exc: BaseException, encoding: str) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "invalid UTF8" in text or "invalid utf8" in text.lower():
        return f"not {encoding} text (try --encoding gbk)"
    # Arrow quotes the offending row after the column counts: a row of someone's record.
    return "unreadable input: " + _ROW_QUOTED.sub(r"\1", text)


@contextmanager
def _read_errors(path: str, encoding: str) -> Iterator[None]:
    """A decoding, parsing or I/O failure while reading `path` as one InputError."""
    try:
        yield
    except UnicodeDecodeError:
        raise InputError(f"not {encoding} text (try --encoding gbk)", path=path) from None
    except (pa.ArrowException, csv.Error, OSError) as exc:
        raise InputError(_reason(exc, encoding), path=path) from None


def _regrouped(path: str, encoding: str, batches, chunk_rows: int) -> Iterator[pa.Table]:
    """Batches regrouped into tables of about `chunk_rows` rows; read errors made clear."""
    pending: list[pa.RecordBatch] = []
    rows = 0
    with _read_errors(path, encoding):
        for batch in batches:
            pending.append(batch)
            rows += batch.num_rows
            while rows >= chunk_rows:
                table = pa.Table.from_batches(pending)
                yield table.slice(0, chunk_rows)
                rest = table.slice(chunk_rows)
                pending, rows = rest.to_batches(), rest.num_rows
    if pending:
        yield pa.Table.from_batches(pending)


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
