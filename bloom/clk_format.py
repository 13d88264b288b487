"""Interchange with clkhash/anonlink: their JSON `{"clks": ["<base64 of the filter>", ...]}`.

Both sides use the same bit order (bit i is byte i // 8, mask 0x80 >> (i % 8)), so a filter
exported here and read by anonlink scores the same, and back. Imported filters carry no schema
or key of ours: the caller states labels for them, and only encodings with equal labels are
ever compared.
"""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from bloom.encoder import record_tokens
from pprl.encoded import FILTER_BYTES, Manifest, build_table, content_hash, read_encoded
from pprl.encoded import write_encoded as _write_encoded
from pprl.errors import InputError
from pprl.files import write_json_atomic


def export_clks(encoded_path: str | Path, out: str | Path) -> int:
    """Write the filters of an encoded dataset as clkhash JSON; returns how many."""
    dataset = read_encoded(encoded_path)
    clks = dataset.filters.view(np.uint8).reshape(len(dataset), FILTER_BYTES)
    payload = {"clks": [base64.b64encode(row.tobytes()).decode("ascii") for row in clks]}
    write_json_atomic(out, payload, indent=None)
    return len(dataset)


def read_clks(path: str | Path) -> np.ndarray:
    """`uint8[n, 128]` from a clkhash JSON file; a bad entry is named by its index."""
    p = str(path)
    try:
        data = json.loads(Path(p).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("no such file", path=p) from None
    except (OSError, ValueError) as exc:
        raise InputError(f"not a clkhash JSON file ({type(exc).__name__})", path=p) from None
    if not isinstance(data, dict) or not isinstance(data.get("clks"), list):
        raise InputError('expected a JSON object {"clks": [...]}', path=p)
    out = np.zeros((len(data["clks"]), FILTER_BYTES), dtype=np.uint8)
    for i, item in enumerate(data["clks"]):
        try:
            raw = base64.b64decode(item, validate=True)
        except (binascii.Error, TypeError, ValueError):
            raise InputError("not base64", path=p, row=i, field="clks") from None
        if len(raw) != FILTER_BYTES:
            raise InputError(
                f"filter has {len(raw) * 8} bits, expected {FILTER_BYTES * 8}",
                path=p,
                row=i,
                field="clks",
            )
        out[i] = np.frombuffer(raw, dtype=np.uint8)
    return out


def import_clks(
    path: str | Path, out: str | Path, *, schema_label: str, key_label: str
) -> tuple[int, Path]:
    """Write clkhash filters as an encoded dataset (+ map of token → index in the JSON)."""
    clks = read_clks(path)
    tokens = record_tokens(len(clks))
    table = build_table(tokens, clks, {})
    manifest = Manifest(
        schema_fingerprint=schema_label,
        key_id=key_label,
        record_count=len(tokens),
        content_hash=content_hash(table),
        blocking_keys=(),
        counts={"imported": len(tokens)},
    )
    _write_encoded(out, table, manifest)
    out = Path(out)
    stem = out.with_suffix("") if out.suffix == ".parquet" else out
    map_path = Path(f"{stem}.map.parquet")
    pq.write_table(
        pa.table(
            {
                "record_token": pa.array(tokens, pa.string()),
                "source_row": pa.array(np.arange(len(tokens)), pa.int64()),
                "record_id": pa.array([str(i) for i in range(len(tokens))], pa.string()),
            }
        ),
        str(map_path),
    )
    return len(tokens), map_path
