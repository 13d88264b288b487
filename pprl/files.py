"""Writing files so that a reader never sees half of one and a key is never left readable.

atomic_path(path)                     a temporary path beside `path` to write in any way; forced
                                      to disk and renamed over `path` when the block succeeds,
                                      else removed
write_atomic(path, data)              replace `path` with bytes in one rename (a crash leaves the
                                      old file or the new one, never a mix); forced to disk
                                      unless durable=False
write_json_atomic(path, obj)          an output JSON file (UTF-8, indent 2, a final newline)
write_csv_atomic(path, header, rows)  an output CSV file from Python rows (the csv module)
write_table_csv_atomic(path, table)   an output CSV file from an Arrow table
write_private(path, data)             create a new file readable by its owner only (0600); an
                                      existing file is never overwritten (a key is never replaced)

The three output writers report a failure to write as an InputError naming the file.
"""

from __future__ import annotations

import csv
import json
import os
import secrets
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pprl.errors import InputError

if TYPE_CHECKING:
    import pyarrow as pa


@contextmanager
def atomic_path(path: str | Path, *, durable: bool = True) -> Iterator[Path]:
    """A temporary path beside `path`; renamed over it when the block succeeds, else removed.

    `durable` forces what was written there to disk before the rename.
    """
    path = Path(path)
    # A unique hidden name: two writers of one path never share a temporary file.
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        yield tmp
        if durable:
            _sync(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _sync(path: Path) -> None:
    fd = os.open(str(path), os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes, *, mode: int = 0o644, durable: bool = True) -> None:
    """Replace `path` with `data` in one rename; `durable` also forces it to disk first."""
    with atomic_path(path, durable=False) as tmp:
        fd = os.open(str(tmp), os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())


@contextmanager
def _output(path: str | Path) -> Iterator[Path]:
    """`atomic_path` for a file the user asked for: a failure to write names the file."""
    try:
        with atomic_path(path) as tmp:
            yield tmp
    except OSError as exc:
        raise InputError(f"cannot write ({exc.strerror or exc})", path=str(path)) from None


def write_json_atomic(path: str | Path, obj: Any, *, indent: int | None = 2) -> None:
    """Replace `path` with `obj` as JSON (non-ASCII text as it is) and a final newline."""
    text = json.dumps(obj, indent=indent, ensure_ascii=False) + "\n"
    with _output(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_csv_atomic(path: str | Path, header: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Replace `path` with a UTF-8 CSV (the csv module's dialect: minimal quoting, CRLF)."""
    with _output(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def write_table_csv_atomic(path: str | Path, table: pa.Table) -> None:
    """Replace `path` with an Arrow table as CSV (quoted only where needed, header unquoted)."""
    import pyarrow.csv as pacsv

    options = pacsv.WriteOptions(quoting_style="needed", quoting_header="none")
    with _output(path) as tmp:
        pacsv.write_csv(table, str(tmp), options)


def write_private(path: Path, data: bytes) -> None:
    """Create `path` readable by its owner only; refuse (FileExistsError) if it exists."""
    fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(path).unlink(missing_ok=True)
        raise
