"""An Excel workbook (.xlsx, .xlsm) as a department's table: its first worksheet, streamed.

    open_workbook(path, chunk_rows) -> pprl.tables.TableChunks

openpyxl reads it in read-only mode, row by row. The first row is the header; every cell
becomes text as a CSV export would show it, so that the encoder sees what it sees in a CSV:
an empty cell is "", a date is its ISO date (`1980-01-02`; with a time of day,
`1980-01-02 08:30:00`), TRUE/FALSE stay words, and a number is written without a float's
exponent or `.0`. A number cannot always be an ID: Excel keeps 15 significant digits, so an
18-digit ID number typed into a number cell has lost its last digits (it is stored as
1.10105198001023E+17). A number stored so, with 16 or more digits, is not guessed at (whole
digits stored as such are exact and kept): the row is kept with that cell nulled and named
in `TableChunks.problems`, and the encoder rejects it (only if the column is one it uses).
Trailing empty rows are dropped; an empty row between others stays (and is rejected as having
no usable field), so row numbers are the sheet's.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterator

import pyarrow as pa

from pprl.errors import InputError
from pprl.tables import CellProblem, InvalidLine, TableChunks, unique_header

EXACT_DIGITS = 15  # what an Excel number cell holds exactly


class NotExact(ValueError):
    """A number cell whose digits cannot be trusted as an identifier."""


def cell_text(value: object) -> str:
    """One cell as text (see the module docstring); NotExact for a number that lost digits."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, int):  # whole digits in the file (written so by a program): exact
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise NotExact(value)
        if value.is_integer():
            if abs(value) >= 10**EXACT_DIGITS:
                raise NotExact(value)
            return str(int(value))
        return format(value, f".{EXACT_DIGITS}g")
    return str(value)


NOT_EXACT = (
    f"a number of over {EXACT_DIGITS} digits in an Excel cell has lost its last digits; "
    "format the column as text in Excel and enter the values again"
)


def open_workbook(path: str, chunk_rows: int) -> TableChunks:
    try:
        import openpyxl
    except ImportError:  # a core dependency: only a broken install gets here
        raise InputError("reading a workbook needs openpyxl (pip install openpyxl)") from None
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(
            f"not a readable Excel workbook ({type(exc).__name__})", path=path
        ) from None
    sheet = book.worksheets[0] if book.worksheets else None
    rows = sheet.iter_rows(values_only=True) if sheet is not None else iter(())
    first = next(rows, None)
    if not first or all(v is None for v in first):
        book.close()
        raise InputError("empty workbook (no header row in its first sheet)", path=path)
    header = [cell_text(v).strip() if v is not None else "" for v in first]
    while header and header[-1] == "":  # cells formatted past the last column
        header.pop()
    unique_header(header, path)
    invalid: list[InvalidLine] = []
    problems: list[CellProblem] = []
    chunks = _chunks(path, book, rows, header, chunk_rows, invalid, problems)
    return TableChunks(path, header, None, chunks, invalid, problems=problems)


def _chunks(path, book, rows, header, chunk_rows, invalid, problems) -> Iterator[pa.Table]:
    """Tables of `chunk_rows` rows; rows with more cells than the header are `invalid`."""
    width = len(header)
    columns: list[list[str | None]] = [[] for _ in header]
    held = 0  # rows in `columns`
    read = 0  # rows yielded before `columns`
    blank = 0  # empty rows not yet known to be inside the sheet
    try:
        for line, values in enumerate(rows, 2):
            values = list(values)
            if all(v is None or v == "" for v in values):
                blank += 1
                continue
            for _ in range(blank):  # an empty row between others: kept, so numbers hold
                for column in columns:
                    column.append("")
                held += 1
            blank = 0
            extra = [v for v in values[width:] if v is not None and v != ""]
            if extra:
                cells = [cell_text_or_blank(v) for v in values]
                invalid.append(InvalidLine(line, width, len(cells), cells))
                continue
            values = (values + [None] * width)[:width]
            texts: list[str | None] = []
            for name, value in zip(header, values, strict=True):
                try:
                    texts.append(cell_text(value))
                except NotExact:  # that cell nulled: the row is rejected if it is used
                    problems.append(CellProblem(read + held, name, NOT_EXACT))
                    texts.append(None)
            for column, text in zip(columns, texts, strict=True):
                column.append(text)
            held += 1
            if held >= chunk_rows:
                yield _table(header, columns)
                read += held
                columns, held = [[] for _ in header], 0
        if held:
            yield _table(header, columns)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, SyntaxError) as exc:
        # a damaged sheet part (ElementTree's ParseError is a SyntaxError)
        raise InputError(
            f"not a readable Excel workbook ({type(exc).__name__})", path=path
        ) from None
    finally:
        book.close()


def cell_text_or_blank(value: object) -> str:
    try:
        return cell_text(value)
    except NotExact:
        return ""


def _table(header: list[str], columns: list[list[str | None]]) -> pa.Table:
    pairs = zip(header, columns, strict=True)
    return pa.table({name: pa.array(column, pa.string()) for name, column in pairs})
