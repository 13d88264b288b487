"""Reading a department's input in chunks: CSV (every column as text) or Parquet.

CSV columns are all read as text so that leading zeros (phones, codes) and the `X` of ID
numbers survive; Parquet columns of any type are cast to text by the normalisers. The file is
streamed, so a large extract is never held in memory whole. Every failure becomes one
`InputError` naming the file.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from pprl.errors import InputError


@dataclass
class InputFile:
    path: str
    columns: list[str]
    total_rows: int | None  # known up front for Parquet only
    chunks: Iterator[pa.Table]


def _reason(exc: BaseException, encoding: str) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "invalid UTF8" in text or "invalid utf8" in text.lower():
        return f"not {encoding} text (try --encoding gbk)"
    return f"unreadable input: {text}"


def open_input(path: str, encoding: str = "utf-8", chunk_rows: int = 200_000) -> InputFile:
    if not os.path.exists(path):
        raise InputError("no such file", path=path)
    try:
        if path.endswith((".parquet", ".pq")):
            parquet = pq.ParquetFile(path)
            batches = parquet.iter_batches(batch_size=chunk_rows)
            names = parquet.schema_arrow.names
            return InputFile(
                path,
                names,
                parquet.metadata.num_rows,
                _guarded(path, encoding, batches, chunk_rows),
            )
        with open(path, encoding=encoding, newline="") as handle:
            header = next(csv.reader(handle), None)
        if not header:
            raise InputError("empty file (no header row)", path=path)
        header = [h.lstrip("\ufeff") for h in header]
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(
                encoding=encoding, column_names=header, skip_rows=1, block_size=1 << 22
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={h: pa.string() for h in header},
                strings_can_be_null=False,
                null_values=[],
            ),
        )
        return InputFile(path, header, None, _guarded(path, encoding, reader, chunk_rows))
    except UnicodeDecodeError:
        raise InputError(f"not {encoding} text (try --encoding gbk)", path=path) from None
    except (pa.ArrowException, csv.Error, OSError) as exc:
        raise InputError(_reason(exc, encoding), path=path) from None


def _guarded(path: str, encoding: str, batches, chunk_rows: int) -> Iterator[pa.Table]:
    """Batches regrouped into tables of about `chunk_rows` rows; read errors made clear."""
    pending: list[pa.RecordBatch] = []
    rows = 0
    try:
        for batch in batches:
            pending.append(batch)
            rows += batch.num_rows
            while rows >= chunk_rows:
                table = pa.Table.from_batches(pending)
                yield table.slice(0, chunk_rows)
                rest = table.slice(chunk_rows)
                pending, rows = rest.to_batches(), rest.num_rows
    except UnicodeDecodeError:
        raise InputError(f"not {encoding} text (try --encoding gbk)", path=path) from None
    except (pa.ArrowException, OSError) as exc:
        raise InputError(_reason(exc, encoding), path=path) from None
    if pending:
        yield pa.Table.from_batches(pending)
