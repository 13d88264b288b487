"""Encoding a department's file: CSV or Parquet in, encoded Parquet + local map + rejects out.

    encode_file("records.csv", "records.parquet", "cn-identity", secret,
                columns="records.columns.json", department="MZ")

writes
    records.parquet          the encoded dataset (pprl.encoded format, manifest with counts)
    records.map.parquet      record_token, source_row (0-based data row), record_id — kept
                             locally, it is what turns a matched token back into a record
    records.rejects.csv      row, field, reason — every row not encoded and every value left out
Department column names are mapped to schema fields by a `<extract>.columns.json` file
({"record_id": "<col>", "name": "<col>", …}) and/or `field=column` pairs.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from bloom.encoder import Reject, encode
from bloom.exposure import exposures
from bloom.schema import Schema, load_schema
from bloom.secret import LinkageSecret
from pprl.encoded import Manifest, content_hash, write_encoded
from pprl.errors import InputError
from pprl.files import atomic_path, write_csv_atomic
from pprl.tables import open_table

RECORD_ID = "record_id"
DEFAULT_CHUNK = 200_000


@dataclass(frozen=True)
class EncodeSummary:
    input_path: str
    out_path: str
    map_path: str
    rejects_path: str
    input_rows: int
    encoded: int
    rejected_rows: int
    field_problems: int
    counts: Mapping[str, int]
    key_id: str
    schema_fingerprint: str
    hardening: str = "none"
    exposures: tuple[str, ...] = ()  # bloom.exposure: what this schema lets the matcher learn

    def lines(self) -> list[str]:
        extra = ", ".join(
            f"{k}={v}"
            for k, v in sorted(self.counts.items())
            if v
            and k.startswith(("id_", "sex_derived", "birth_date_derived", "address_province"))
            and not k.endswith("_present")
        )
        return [
            f"encoded {self.encoded} of {self.input_rows} rows from {self.input_path}",
            f"rejected rows: {self.rejected_rows}; values left out: {self.field_problems}"
            + (f" (see {self.rejects_path})" if self.rejected_rows or self.field_problems else ""),
            *([f"notes: {extra}"] if extra else []),
            f"wrote {self.out_path} and local map {self.map_path}",
            f"schema {self.schema_fingerprint[:16]}, key id {self.key_id}, "
            f"hardening: {self.hardening}",
        ]


def output_paths(out: str | Path) -> tuple[Path, Path, Path]:
    out = Path(out)
    stem = out.with_suffix("") if out.suffix == ".parquet" else out
    return out, Path(f"{stem}.map.parquet"), Path(f"{stem}.rejects.csv")


def read_columns_file(path: str | Path) -> dict[str, str]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("no such columns file", path=str(path)) from None
    except (OSError, ValueError) as exc:
        raise InputError(
            f"unreadable columns file ({type(exc).__name__})", path=str(path)
        ) from None
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise InputError('must be a JSON object {"field": "column", ...}', path=str(path))
    return data


def resolve_columns(
    names: list[str], schema: Schema, mapping: Mapping[str, str], path: str
) -> dict[str, str]:
    """Schema field (and record_id) -> the file's column, checked once against the header."""
    fields = {f.name for f in schema.fields}
    for field in mapping:
        if field != RECORD_ID and field not in fields:
            raise InputError(
                f"column mapping names {field!r}, which is not a field of schema {schema.name!r}",
                path=path,
            )
    resolved = {}
    for name in [*sorted(fields), RECORD_ID]:
        source = mapping.get(name, name)
        if source in names:
            resolved[name] = source
        elif name in mapping:
            raise InputError(f"has no column {source!r} (mapped to field {name!r})", path=path)
    if not set(resolved) - {RECORD_ID}:
        raise InputError(
            f"has none of the schema's fields ({', '.join(sorted(fields))}); "
            "map columns with --columns or --map field=column",
            path=path,
        )
    return resolved


def select_fields(
    table: pa.Table, schema: Schema, resolved: Mapping[str, str]
) -> tuple[pa.Table, pa.Array | None]:
    """The schema's fields under their own names (absent ones null) and the record ids."""
    n = table.num_rows
    data = {
        f.name: table.column(resolved[f.name]) if f.name in resolved else pa.nulls(n, pa.string())
        for f in schema.fields
    }
    ids = table.column(resolved[RECORD_ID]).combine_chunks() if RECORD_ID in resolved else None
    return pa.table(data), ids


def _write_atomically(path: Path, write: Callable[[str], None]) -> None:
    with atomic_path(Path(path)) as tmp:
        write(str(tmp))


def encode_file(
    input: str | Path,
    out: str | Path,
    schema: Schema | str | Path,
    secret: LinkageSecret,
    columns: str | Path | Mapping[str, str] | None = None,
    department: str | None = None,
    *,
    mapping: Mapping[str, str] | None = None,
    encoding: str = "utf-8",
    chunk_size: int = DEFAULT_CHUNK,
    progress: Callable[[int, int | None], None] | None = None,
    now: dt.datetime | None = None,
) -> EncodeSummary:
    """Encode one CSV/Parquet file; see the module docstring for what is written."""
    schema = load_schema(schema)
    path = str(input)
    column_map: dict[str, str] = {}
    if isinstance(columns, str | Path):
        column_map.update(read_columns_file(columns))
    elif columns is not None:
        column_map.update(columns)
    column_map.update(mapping or {})
    source = open_table(path, encoding, chunk_size)
    resolved = resolve_columns(source.columns, schema, column_map, path)

    # Chunk by chunk: each becomes its Arrow table at once, so only one chunk's working
    # arrays and unpacked filters are held at a time.
    tables: list[pa.Table] = []
    tokens: list[str] = []
    source_parts: list[np.ndarray] = []
    id_parts: list[pa.Array] = []
    rejects: list[Reject] = []
    counts: dict[str, int] = {}
    n = 0
    for chunk in source.chunks:
        fields_table, ids = select_fields(chunk, schema, resolved)
        result = encode(fields_table, schema, secret, row_offset=n)
        tables.append(result.to_table())
        tokens.extend(result.record_tokens)
        source_parts.append(result.source_rows.astype(np.int64))
        if ids is not None:
            id_parts.append(ids.take(pa.array(result.source_rows - n)).cast(pa.string()))
        rejects.extend(result.rejects)
        for k, v in result.counts.items():
            counts[k] = counts.get(k, 0) + v
        n += chunk.num_rows
        del result
        if progress is not None:
            progress(chunk.num_rows, source.total_rows)
    if not tables:  # a file with a header and no rows
        empty = pa.table({c: pa.array([], pa.string()) for c in source.columns})
        result = encode(select_fields(empty, schema, resolved)[0], schema, secret)
        tables.append(result.to_table())
        source_parts.append(result.source_rows)
        counts.update(result.counts)
    counts["input_rows"] = n
    source_rows = np.concatenate(source_parts)
    encoded = pa.concat_tables(tables).combine_chunks()
    blocking = [b.name for b in schema.blocking]
    created = (now or dt.datetime.now(dt.timezone.utc)).replace(microsecond=0).isoformat()
    manifest = Manifest(
        schema_fingerprint=schema.fingerprint,
        key_id=secret.key_id,
        record_count=encoded.num_rows,
        content_hash=content_hash(encoded),
        blocking_keys=tuple(blocking),
        department=department,
        created_at=created,
        counts=counts,
        match_threshold=schema.match_threshold,
    )
    out_path, map_path, rejects_path = output_paths(out)
    if RECORD_ID in resolved:
        record_ids = pa.concat_arrays(id_parts) if id_parts else pa.array([], pa.string())
    else:
        record_ids = pa.array(source_rows, pa.int64()).cast(pa.string())
    map_table = pa.table(
        {
            "record_token": pa.array(tokens, pa.string()),
            "source_row": pa.array(source_rows, pa.int64()),
            "record_id": record_ids,
        }
    )
    try:
        _write_atomically(out_path, lambda p: write_encoded(p, encoded, manifest))
        _write_atomically(map_path, lambda p: pq.write_table(map_table, p))
    except OSError as exc:
        raise InputError(f"cannot write output ({exc.strerror})", path=str(out_path)) from None
    write_csv_atomic(
        rejects_path, ["row", "field", "reason"], ([r.row, r.field, r.reason] for r in rejects)
    )
    return EncodeSummary(
        input_path=path,
        out_path=str(out_path),
        map_path=str(map_path),
        rejects_path=str(rejects_path),
        input_rows=n,
        encoded=encoded.num_rows,
        rejected_rows=counts.get("rejected_rows", 0),
        field_problems=counts.get("field_problems", 0),
        counts=counts,
        key_id=secret.key_id,
        schema_fingerprint=schema.fingerprint,
        hardening=schema.hardening.describe(),
        exposures=tuple(exposures(schema)),
    )
