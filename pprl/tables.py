"""A department's table: reading it (CSV or Parquet) and naming its columns.

open_table(path, encoding, chunk_rows)  the table in chunks of about `chunk_rows` rows, read
                                        as they are consumed (an extract is never held whole);
                                        a context manager that closes the reader
read_table(path, encoding, columns)     the whole table, or only `columns` of it
parse_column_map(pairs, option)         `FIELD=COLUMN` option values (`pprl encode --map`,
                                        `pprl disclose --column`) as {field: column}

A file is Parquet by its suffix (.parquet, .pq), an Excel workbook by .xlsx/.xlsm (its first
worksheet, read by `pprl.excel`; an old .xls is refused with "save it as .xlsx or CSV"), else
CSV. CSV columns are all read as text, so
that leading zeros (phones, codes) and the `X` of ID numbers survive and an empty field stays an
empty string; `encoding` is the CSV's text encoding (`gb18030` for a GBK export). Parquet
columns keep their types. Every failure to read becomes one InputError naming the file; a
header that names one column twice is refused (naming the column).

`open_table` of a CSV does not fail on a row with too few or too many fields (or an unbalanced
quote that runs on): the row is left out and kept in `TableChunks.invalid` as an InvalidLine
(its line as a spreadsheet counts it, the header being line 1, and its fields as the csv module
splits them). The row's text is never put in a message. Nor does it fail on a row over
`MAX_ROW_BYTES` (Arrow reads in blocks a row must fit in) or a value that is not text in the
file's encoding: the row is kept, the value (a long row's values) nulled, and
`TableChunks.problems` names it (`CellProblem`: row among the rows read, column or "*", reason).
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

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from pprl.errors import InputError

PARQUET_SUFFIXES = (".parquet", ".pq")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
_ROW_QUOTED = re.compile(r"^(CSV parse error: .*Expected \d+ columns, got \d+): .*$")
DEFAULT_CHUNK_ROWS = 200_000
MAX_ROW_BYTES = 4 << 20  # also Arrow's block: a longer row could not be parsed at all
BLOCK_BYTES = 8 << 20
# What replaces a row over MAX_ROW_BYTES before Arrow parses it: never valid UTF-8, so never a
# value of a file read as UTF-8 or transcoded to it.
_LONG_ROW = b"\xfe\xfe"


@dataclass(frozen=True)
class InvalidLine:
    line: int | None  # 1-based, the header being line 1 (None if the reader did not know it)
    expected: int  # fields the header has
    actual: int  # fields the row has
    cells: list[str]  # the row's fields as the csv module splits them: never put in a message


@dataclass(frozen=True)
class CellProblem:
    row: int  # 0-based among the rows the chunks yield
    column: str  # the column, or "*" for the row as a whole
    reason: str  # never the value
    undecodable: bool = False  # not text in the file's encoding


@dataclass
class TableChunks:
    path: str
    columns: list[str]
    total_rows: int | None  # known up front for Parquet only
    chunks: Iterator[pa.Table]
    invalid: list[InvalidLine] = field(default_factory=list)  # CSV rows left out, as read
    reader: pa.RecordBatchReader | None = None
    problems: list[CellProblem] = field(default_factory=list)  # rows kept, values nulled
    source: io.RawIOBase | None = None  # what the reader reads from, closed with it

    def problems_in(self, start: int, stop: int) -> list[CellProblem]:
        """The problems of rows start:stop (rows as the chunks yield them)."""
        return [p for p in self.problems if start <= p.row < stop]

    def close(self) -> None:
        """Stop reading (a CSV reader reads ahead on a thread of its own: close it before
        giving up on the table, or the process may abort when it exits)."""
        if self.reader is not None:
            self.reader.close()
        if self.source is not None:
            self.source.close()

    def __enter__(self) -> TableChunks:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def is_parquet(path: str | Path) -> bool:
    return str(path).endswith(PARQUET_SUFFIXES)


def is_excel(path: str | Path) -> bool:
    return str(path).lower().endswith(EXCEL_SUFFIXES)


def open_table(
    path: str | Path, encoding: str = "utf-8", chunk_rows: int = DEFAULT_CHUNK_ROWS
) -> TableChunks:
    """The table's header now and its rows in chunks as they are read (see module docstring)."""
    path = _existing(path)
    with _read_errors(path, encoding):
        if is_parquet(path):
            parquet = pq.ParquetFile(path)
            unique_header(parquet.schema_arrow.names, path)
            batches = parquet.iter_batches(batch_size=chunk_rows)
            return TableChunks(
                path,
                parquet.schema_arrow.names,
                parquet.metadata.num_rows,
                _regrouped(path, encoding, batches, chunk_rows),
            )
        if is_excel(path):
            from pprl.excel import open_workbook

            return open_workbook(path, chunk_rows)
        header = _csv_header(path, encoding)
        invalid: list[InvalidLine] = []
        problems: list[CellProblem] = []

        def left_out(row) -> str:
            cells = next(csv.reader(io.StringIO(row.text)), [])
            invalid.append(InvalidLine(row.number, row.expected_columns, row.actual_columns, cells))
            return "skip"

        stream = _RowStream(path, encoding, len(header))
        reader = pacsv.open_csv(
            stream,
            # one thread: the reader then knows each invalid row's line number
            read_options=pacsv.ReadOptions(
                column_names=header, skip_rows=1, block_size=BLOCK_BYTES, use_threads=False
            ),
            parse_options=pacsv.ParseOptions(invalid_row_handler=left_out),
            # bytes first: a value that is not text nulls its row's values, not the file
            convert_options=_as_text(header, kind=pa.binary()),
        )
        decode = _Decoded(problems, encoding)
        chunks = map(decode, _regrouped(path, encoding, reader, chunk_rows))
        return TableChunks(path, header, None, chunks, invalid, reader, problems, stream)


def read_table(
    path: str | Path, *, encoding: str = "utf-8", columns: Sequence[str] | None = None
) -> pa.Table:
    """The whole table, or only `columns` (each must be there: else InputError naming it)."""
    path = _existing(path)
    with _read_errors(path, encoding):
        if is_parquet(path):
            unique_header(pq.read_schema(path).names, path)
            _require(pq.read_schema(path).names, columns, path)
            return pq.read_table(path, columns=None if columns is None else list(columns))
        if is_excel(path):
            return _whole_workbook(path, columns)
        header = _csv_header(path, encoding)
        _require(header, columns, path)
        return pacsv.read_csv(
            path,
            read_options=_csv_read_options(header, encoding),
            convert_options=_as_text(header, columns),
        )


def _whole_workbook(path: str, columns: Sequence[str] | None) -> pa.Table:
    """A workbook read whole: a row it cannot read exactly is an error naming it here."""
    with open_table(path) as source:
        _require(source.columns, columns, path)
        tables = list(source.chunks)
        if source.invalid or source.problems:
            row = source.problems[0].row + 2 if source.problems else source.invalid[0].line
            reason = source.problems[0].reason if source.problems else "more cells than the header"
            raise InputError(reason, path=path, row=row)
    names = list(columns) if columns is not None else source.columns
    if not tables:
        return pa.table({name: pa.array([], pa.string()) for name in names})
    return pa.concat_tables(tables).select(names)


def _existing(path: str | Path) -> str:
    path = str(path)
    if not os.path.exists(path):
        raise InputError("no such file", path=path)
    if os.path.isdir(path):
        raise InputError("is a directory, not a table", path=path)
    if path.lower().endswith(".xls"):
        raise InputError(
            "an Excel 97-2003 workbook (.xls): save it as .xlsx or CSV (UTF-8)", path=path
        )
    return path


def unique_header(names: Sequence[str], path: str) -> None:
    """A header naming one column twice is refused, naming the column."""
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
    # Undecodable bytes past the header are the rows' problem (_RowStream), not the file's.
    with open(path, encoding=encoding, errors="surrogateescape", newline="") as handle:
        header = next(csv.reader(handle), None)
    if not header:
        raise InputError("empty file (no header row)", path=path)
    try:
        "".join(header).encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(f"line 1 is {_not_text_reason(encoding)}", path=path) from None
    header = [h.lstrip("\ufeff") for h in header]
    unique_header(header, path)
    return header


def _csv_read_options(header: list[str], encoding: str, **options) -> pacsv.ReadOptions:
    return pacsv.ReadOptions(encoding=encoding, column_names=header, skip_rows=1, **options)


def _as_text(
    header: list[str], columns: Sequence[str] | None = None, *, kind: pa.DataType | None = None
) -> pacsv.ConvertOptions:
    return pacsv.ConvertOptions(
        column_types={h: kind or pa.string() for h in header},
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


class _RowStream(io.RawIOBase):
    """The CSV's bytes as UTF-8 for Arrow, one line per line of the file: a line over
    MAX_ROW_BYTES becomes `_LONG_ROW` and empty fields (Arrow would refuse the whole file),
    and bytes that are not `encoding` text become bytes that are not UTF-8 either (lone
    surrogates), so that only their own row is refused (`_decoded`)."""

    def __init__(self, path: str, encoding: str, columns: int) -> None:
        self._raw = open(path, "rb")  # noqa: SIM115  (closed by close(), with the reader)
        self._utf8 = codecs.lookup(encoding).name == "utf-8"
        self._decoder = codecs.getincrementaldecoder(encoding)(errors="surrogateescape")
        self._long = _LONG_ROW + b"," * (columns - 1) + b"\n"
        self._pending = b""  # a line not yet ended
        self._skipping = False  # inside a line over the limit
        self._out = b""
        self._done = False

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._raw.close()
        super().close()

    def _convert(self, raw: bytes, final: bool) -> bytes:
        if self._utf8:
            return raw
        text = self._decoder.decode(raw, final)
        return text.encode("utf-8", errors="surrogatepass")

    def _fill(self) -> None:
        raw = self._raw.read(BLOCK_BYTES // 2)
        final = not raw
        data = self._pending + self._convert(raw, final)
        lines = data.split(b"\n")
        self._pending = lines.pop()  # what follows the last newline: the next line's start
        if final and self._pending:
            lines.append(self._pending)  # a last line without a newline
            self._pending = b""
        out = []
        for line in lines:
            if self._skipping:
                self._skipping = False  # the end of a long line: already replaced
                continue
            out.append(self._long if len(line) > MAX_ROW_BYTES else line + b"\n")
        if len(self._pending) > MAX_ROW_BYTES and not self._skipping:
            out.append(self._long)  # stands for the line; the rest of it is dropped as read
            self._skipping = True
        if self._skipping:
            self._pending = b""
        self._done = final
        self._out += b"".join(out)

    def readinto(self, buffer) -> int:
        while not self._out and not self._done:
            self._fill()
        n = min(len(buffer), len(self._out))
        buffer[:n] = self._out[:n]
        self._out = self._out[n:]
        return n


def _not_text_reason(encoding: str) -> str:
    hint = " (try --encoding gbk)" if codecs.lookup(encoding).name == "utf-8" else ""
    return f"not {encoding} text{hint}"


def _not_utf8_rows(values: pa.Array) -> list[int]:
    bad = []
    for i, value in enumerate(values.to_pylist()):
        if value is not None:
            try:
                value.decode("utf-8")
            except UnicodeDecodeError:
                bad.append(i)
    return bad


class _Decoded:
    """Chunks of bytes (as read) as text. A row `_RowStream` replaced (all its values) and a
    value that is not text (that value) are nulled and recorded in `problems`."""

    def __init__(self, problems: list[CellProblem], encoding: str) -> None:
        self.problems = problems
        self.encoding = encoding
        self.rows = 0  # rows decoded so far

    def __call__(self, table: pa.Table) -> pa.Table:
        found: list[CellProblem] = []
        first = table.column(0).combine_chunks()
        long_rows = pc.fill_null(pc.equal(first, _LONG_ROW), False).to_numpy(zero_copy_only=False)
        reason = f"row over {MAX_ROW_BYTES >> 20} MiB"
        long_at = np.flatnonzero(long_rows).tolist()
        found += [CellProblem(self.rows + i, "*", reason) for i in long_at]
        columns = {}
        for name in table.column_names:
            values = table.column(name).combine_chunks()
            keep = ~long_rows
            try:
                text = values.cast(pa.string())
            except pa.ArrowInvalid:  # rare: find the values, keep the others
                bad = [i for i in _not_utf8_rows(values) if not long_rows[i]]
                reason = _not_text_reason(self.encoding)
                found += [CellProblem(self.rows + i, name, reason, True) for i in bad]
                keep = keep.copy()
                keep[bad] = False
                text = None
            if text is None or long_rows.any():  # null what could not be read (only that)
                empty = pa.scalar(None, values.type)
                text = pc.if_else(pa.array(keep), values, empty).cast(pa.string())
            columns[name] = text
        self.problems.extend(sorted(found, key=lambda p: p.row))
        self.rows += table.num_rows
        return pa.table(columns)


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
