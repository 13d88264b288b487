"""A department's table: reading it (CSV or Parquet) and naming its columns.

open_table(path, encoding, chunk_rows)  the table in chunks of about `chunk_rows` rows, read
                                        as they are consumed (an extract is never held whole);
                                        a context manager that closes the reader
read_table(path, encoding, columns)     the whole table, or only `columns` of it
parse_column_map(pairs, option)         `FIELD=COLUMN` option values (`pprl encode --map`,
                                        `pprl disclose --column`) as {field: column}

A file is Parquet by its suffix (.parquet, .pq), else CSV (an Excel workbook, .xlsx/.xls, is
refused with "save it as CSV"). CSV columns are all read as text, so
that leading zeros (phones, codes) and the `X` of ID numbers survive and an empty field stays an
empty string; `encoding` is the CSV's text encoding (`gb18030` for a GBK export). Parquet
columns keep their types. Every failure to read becomes one InputError naming the file; a
header that names one column twice is refused (naming the column).

`open_table` of a CSV does not fail on a row with too few or too many fields (or an unbalanced
quote that runs on): the row is left out and kept in `TableChunks.invalid` as an InvalidLine
(its line as a spreadsheet counts it, the header being line 1, and its fields as the csv module
splits them). The row's text is never put in a message.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from pprl.errors import InputError

PARQUET_SUFFIXES = (".parquet", ".pq")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
_ROW_QUOTED = re.compile(r"^(CSV parse error: .*Expected \d+ columns, got \d+): .*$")
DEFAULT_CHUNK_ROWS = 200_000


@dataclass(frozen=True)
class InvalidLine:
    line: int | None  # 1-based, the header being line 1 (None if the reader did not know it)
    expected: int  # fields the header has
    actual: int  # fields the row has
    cells: list[str]  # the row's fields as the csv module splits them: never put in a message


@dataclass
class TableChunks:
    path: str
    columns: list[str]
    total_rows: int | None  # known up front for Parquet only
    chunks: Iterator[pa.Table]
    invalid: list[InvalidLine] = field(default_factory=list)  # CSV rows left out, as read
    reader: pa.RecordBatchReader | None = None

    def close(self) -> None:
        """Stop reading (a CSV reader reads ahead on a thread of its own: close it before
        giving up on the table, or the process may abort when it exits)."""
        if self.reader is not None:
            self.reader.close()

    def __enter__(self) -> TableChunks:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


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
            _unique(parquet.schema_arrow.names, path)
            batches = parquet.iter_batches(batch_size=chunk_rows)
            return TableChunks(
                path,
                parquet.schema_arrow.names,
                parquet.metadata.num_rows,
                _regrouped(path, encoding, batches, chunk_rows),
            )
        header = _csv_header(path, encoding)
        invalid: list[InvalidLine] = []

        def left_out(row) -> str:
            cells = next(csv.reader(io.StringIO(row.text)), [])
            invalid.append(InvalidLine(row.number, row.expected_columns, row.actual_columns, cells))
            return "skip"

        reader = pacsv.open_csv(
            path,
            # one thread: the reader then knows each invalid row's line number
            read_options=_csv_read_options(header, encoding, block_size=1 << 22, use_threads=False),
            parse_options=pacsv.ParseOptions(invalid_row_handler=left_out),
            convert_options=_as_text(header),
        )
        chunks = _regrouped(path, encoding, reader, chunk_rows)
        return TableChunks(path, header, None, chunks, invalid, reader)


def read_table(
    path: str | Path, *, encoding: str = "utf-8", columns: Sequence[str] | None = None
) -> pa.Table:
    """The whole table, or only `columns` (each must be there: else InputError naming it)."""
    path = _existing(path)
    with _read_errors(path, encoding):
        if is_parquet(path):
            _unique(pq.read_schema(path).names, path)
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
    if os.path.isdir(path):
        raise InputError("is a directory, not a table", path=path)
    if path.lower().endswith(EXCEL_SUFFIXES):
        raise InputError("an Excel workbook: save it as CSV (UTF-8) and encode that", path=path)
    return path


def _unique(names: Sequence[str], path: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InputError("the header names this column twice", path=path, field=name)
        seen.add(name)


def _csv_header(path: str, encoding: str) -> list[str]:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise InputError(f"unknown text encoding {encoding!r} (--encoding)", path=path) from None
    with open(path, "rb") as raw:
        if raw.read(4) == b"PK\x03\x04":
            raise InputError("a ZIP file (an Excel workbook?): save it as CSV (UTF-8)", path=path)
    with open(path, encoding=encoding, newline="") as handle:
        header = next(csv.reader(handle), None)
    if not header:
        raise InputError("empty file (no header row)", path=path)
    header = [h.lstrip("\ufeff") for h in header]
    _unique(header, path)
    return header


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


def _undecodable_line(path: str, encoding: str) -> int | None:
    """The first line (1-based) of `path` that is not `encoding` text, if one is found."""
    try:
        decoder = codecs.getincrementaldecoder(encoding)()
        with open(path, "rb") as handle:
            for number, line in enumerate(handle, 1):
                try:
                    decoder.decode(line)
                except UnicodeDecodeError:
                    return number
    except (LookupError, OSError):
        return None
    return None


def _not_text(path: str, encoding: str) -> InputError:
    line = _undecodable_line(path, encoding)
    where = f"line {line} is " if line is not None else ""
    return InputError(f"{where}not {encoding} text (try --encoding gbk)", path=path)


@contextmanager
def _read_errors(path: str, encoding: str) -> Iterator[None]:
    """A decoding, parsing or I/O failure while reading `path` as one InputError."""
    try:
        yield
    except UnicodeDecodeError:
        raise _not_text(path, encoding) from None
    except (pa.ArrowException, csv.Error, OSError) as exc:
        if not is_parquet(path) and _reason(exc, encoding).startswith("not "):
            raise _not_text(path, encoding) from None
        raise InputError(_reason(exc, encoding), path=path) from None


def _regrouped(path: str, encoding: str, batches, chunk_rows: int) -> Iterator[pa.Table]:
    """Batches regrouped into tables of about `chunk_rows` rows; read errors made clear.

    The reader is closed when the chunks end, fail or are dropped unread."""
    pending: list[pa.RecordBatch] = []
    rows = 0
    try:
        with _read_errors(path, encoding):
            for batch in batches:
                pending.append(batch)
                rows += batch.num_rows
                while rows >= chunk_rows:
                    table = pa.Table.from_batches(pending)
                    yield table.slice(0, chunk_rows)
                    rest = table.slice(chunk_rows)
                    pending, rows = rest.to_batches(), rest.num_rows
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()
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
