"""Incremental writers for extracts: CSV (minimal quoting, UTF-8, `\\n`) or Parquet.

Chunks are appended as they are generated, so memory stays bounded whatever the size.
Missing values are written as empty CSV fields or Parquet nulls.
"""

from __future__ import annotations

import csv
import enum
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq


class OutputFormat(enum.Enum):
    CSV = "csv"
    PARQUET = "parquet"


class TableWriter:
    """Appends chunks of string columns to one file."""

    def __init__(self, path: Path, columns: list[str], fmt: OutputFormat) -> None:
        self.path = path
        self.columns = columns
        self.fmt = fmt
        self.rows = 0
        if fmt is OutputFormat.CSV:
            self._file = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115
            self._csv = csv.writer(self._file, lineterminator="\n")
            self._csv.writerow(columns)
        else:
            schema = pa.schema([(c, pa.string()) for c in columns])
            self._parquet = pq.ParquetWriter(path, schema, compression="zstd")
            self._schema = schema

    def write(self, data: dict[str, np.ndarray]) -> None:
        cols = [data[c] for c in self.columns]
        n = len(cols[0]) if cols else 0
        if n == 0:
            return
        if self.fmt is OutputFormat.CSV:
            self._csv.writerows(zip(*(c.tolist() for c in cols), strict=False))
        else:
            arrays = [pa.array(c, type=pa.string()) for c in cols]
            self._parquet.write_table(pa.Table.from_arrays(arrays, schema=self._schema))
        self.rows += n

    def close(self) -> None:
        if self.fmt is OutputFormat.CSV:
            self._file.close()
        else:
            self._parquet.close()
