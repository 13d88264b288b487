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
from pprl.encoded import EncodedDataset, build_table, read_encoded, with_manifest
from pprl.errors import IncompatibleEncodingsError


def load(path: str | Path, *, verify: bool = True) -> EncodedDataset:
    """Open an encoded dataset (Parquet, or Arrow IPC memory-mapped) and check its layout."""
    # The format check in read_encoded fixes the filters to uint64[n, 16].
    return read_encoded(path, verify=verify)


def save_arrow(dataset: EncodedDataset, path: str | Path) -> None:
    """Write a dataset as an uncompressed Arrow IPC file that `load` memory-maps."""
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
