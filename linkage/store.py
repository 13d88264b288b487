"""Loading encoded datasets for matching, and refusing pairs that must never be compared.

Parquet files are decoded once into a contiguous `uint64[n, 16]` filter matrix (Parquet pages
are compressed, so they cannot be mapped as they are). Arrow IPC files written by
`save_arrow` are memory-mapped: the filter matrix is then a zero-copy view of the file, which
is what a long-lived matcher holding many large datasets wants.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc

from linkage.kernel import PackedRows
from pprl.encoded import (
    FILTER_WORDS,
    EncodedDataset,
    dataset_from_table,
    read_encoded,
    with_manifest,
)
from pprl.errors import EncodedFormatError, IncompatibleEncodingsError

ARROW_SUFFIXES = (".arrow", ".feather", ".ipc")


def load(path: str | Path, *, verify: bool = True) -> EncodedDataset:
    """Open an encoded dataset (Parquet, or Arrow IPC memory-mapped) and check its layout."""
    p = str(path)
    if p.endswith(ARROW_SUFFIXES):
        try:
            table = ipc.open_file(pa.memory_map(p, "r")).read_all()
        except FileNotFoundError:
            raise EncodedFormatError(f"{p}: no such file") from None
        except (pa.ArrowException, OSError) as exc:
            raise EncodedFormatError(
                f"{p}: not a readable Arrow IPC file ({exc.__class__.__name__})"
            ) from None
        dataset = dataset_from_table(table, p, verify=verify)
    else:
        dataset = read_encoded(p, verify=verify)
    filters = dataset.filters
    if filters.dtype != np.uint64 or filters.shape[1:] != (FILTER_WORDS,):
        raise EncodedFormatError(f"{p}: filters are not 1024-bit")
    return dataset


def save_arrow(dataset: EncodedDataset, path: str | Path) -> None:
    """Write a dataset as an uncompressed Arrow IPC file that `load` memory-maps."""
    from pprl.encoded import build_table

    table = build_table(
        dataset.tokens.to_pylist(), dataset.filters.view(np.uint8), dict(dataset.blocking)
    )
    table = with_manifest(table, dataset.manifest)
    with pa.OSFile(str(path), "wb") as sink, ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)


def check_compatible(a: EncodedDataset, b: EncodedDataset) -> None:
    """Refuse to compare datasets encoded under different schemas, secrets or lengths."""
    try:
        a.manifest.check_compatible(b.manifest)
    except IncompatibleEncodingsError as exc:
        raise IncompatibleEncodingsError(f"{a.path} vs {b.path}: {exc}") from None


def packed_rows(dataset: EncodedDataset) -> PackedRows:
    """The kernel's view of a dataset: rows keep their dataset row numbers as ids."""
    return PackedRows.of(np.ascontiguousarray(dataset.filters), dataset.popcounts)
