"""Encoding a department's file: CSV or Parquet in, encoded Parquet + local map + rejects out.

    encode_file("records.csv", "records.parquet", "cn-identity", secret,
                columns="records.columns.json", department="MZ")

writes
    records.parquet          the encoded dataset (pprl.encoded format, manifest with counts)
    records.map.parquet      record_token, source_row (0-based data row), record_id — kept
                             locally, it is what turns a matched token back into a record
    records.rejects.csv      row, field, reason, line, record_id — every row not encoded and
                             every value left out; `line` is the row's line as a spreadsheet
                             counts it (header = line 1), `record_id` is filled for a row that
                             could not be parsed (short, long, an unbalanced quote), when known
Department column names are mapped to schema fields by a `<extract>.columns.json` file
({"record_id": "<col>", "name": "<col>", …}) and/or `field=column` pairs. Without a mapping a
field finds its column by name: header names are compared stripped, case-folded and without NUL
characters, and the usual Chinese headers and their pinyin initials are known (`SYNONYMS`).
A schema field that finds no column is listed in `EncodeSummary.missing_fields` (an error with
`strict=True`).

Nothing is written unless everything can be: the three outputs are written to temporary files
and renamed together. An output that is the input or the secret is refused, and an existing
output is replaced only with `force=True`. A row with a field over `MAX_FIELD_BYTES` (a CSV
row over 4 MiB), with a value in a used column that is not text in the file's encoding, or
with a number an Excel cell cannot hold exactly is rejected with its reason, not the file
(unless no row is text in the encoding: then the file is in another one, and is refused).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bloom.encoder import Reject, encode, record_tokens
from bloom.exposure import exposures
from bloom.file_plan import plan_encoding
from bloom.parallel import ChunkEncoder
from bloom.schema import Schema, load_schema
from bloom.secret import LinkageSecret
from pprl.encoded import Manifest, build_table, content_hash, write_encoded
from pprl.errors import InputError
from pprl.tables import InvalidLine, open_table

RECORD_ID = "record_id"
MAX_FIELD_BYTES = 4 << 20
REJECTS_HEADER = ["row", "field", "reason", "line", "record_id"]

# The one synonym table: other header names a field is found under (compared normalised, see
# `header_key`). Chinese headers of civil-affairs and public-security extracts, and their pinyin
# initials (XM 姓名, GMSFHM 公民身份号码, SFZH 身份证号, XB 性别, CSRQ 出生日期, ZZ 住址,
# LXDH 联系电话).
SYNONYMS: Mapping[str, tuple[str, ...]] = {
    "name": ("姓名", "xm"),
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "gmsfhm", "sfzh"),
    "sex": ("性别", "xb"),
    "birth_date": ("出生日期", "csrq"),
    "address": ("住址", "家庭住址", "zz"),
    "phone": ("联系电话", "电话", "lxdh"),
    "record_id": ("编号", "id"),
}


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
    missing_fields: tuple[str, ...] = ()  # schema fields no column was found for
    # Mapped identity fields the schema leaves out on purpose (cn-identity: sex), read past.
    not_encoded: tuple[str, ...] = ()

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
            *(
                [f"not encoded by this schema: {', '.join(self.not_encoded)}"]
                if self.not_encoded
                else []
            ),
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


def header_key(name: str) -> str:
    """A header name as it is compared: NUL characters dropped, stripped, case-folded."""
    return name.replace("\0", "").strip().casefold()


def resolve_columns(
    names: list[str], schema: Schema, mapping: Mapping[str, str], path: str
) -> dict[str, str]:
    """Schema field (and record_id) -> the file's column, checked once against the header."""
    fields = {f.name for f in schema.fields}
    for field in mapping:
        if field != RECORD_ID and field not in fields and field not in SYNONYMS:
            raise InputError(
                f"column mapping names {field!r}, which is not a field of schema {schema.name!r}",
                path=path,
            )
    by_key: dict[str, str] = {}
    for column in names:
        by_key.setdefault(header_key(column), column)
    resolved = {}
    for name in [*sorted(fields), RECORD_ID]:
        if name in mapping:
            source = mapping[name]
            found = source if source in names else by_key.get(header_key(source))
            if found is None:
                raise InputError(f"has no column {source!r} (mapped to field {name!r})", path=path)
            resolved[name] = found
            continue
        for candidate in (name, *SYNONYMS.get(name, ())):
            found = by_key.get(header_key(candidate))
            if found is not None and found not in resolved.values():
                resolved[name] = found
                break
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
    for column in resolved.values():
        kind = table.schema.field(column).type
        if pa.types.is_nested(kind):
            raise InputError(
                f"a {kind} column cannot be encoded (text, numbers or dates are needed)",
                field=column,
            )
    data = {
        f.name: table.column(resolved[f.name]) if f.name in resolved else pa.nulls(n, pa.string())
        for f in schema.fields
    }
    ids = table.column(resolved[RECORD_ID]).combine_chunks() if RECORD_ID in resolved else None
    return pa.table(data), ids


def _same_file(a: str | Path, b: str | Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def check_outputs(out: str | Path, inputs: Mapping[str, str | Path], *, force: bool) -> None:
    """Refuse outputs that would overwrite an input (`inputs`: what -> path) or, without
    `force`, any existing file; the message names the output and what it would replace."""
    paths = output_paths(out)
    for kind, path in zip(("output", "map", "rejects file"), paths, strict=True):
        for what, source in inputs.items():
            if source is not None and _same_file(path, source):
                raise InputError(f"the {kind} would overwrite the {what}", path=str(path))
        if path.is_dir():
            raise InputError(f"the {kind} path is a directory", path=str(path))
        if path.exists() and not force:
            raise InputError(f"the {kind} exists; not replaced without --force", path=str(path))
    if len({os.path.realpath(p) for p in paths}) != len(paths):
        raise InputError("output, map and rejects file would be the same file", path=str(out))


def _write_all(writes: list[tuple[Path, Callable[[str], None]]]) -> None:
    """Write every file to a temporary path, then rename them all; on any failure nothing new
    is left behind and the InputError names the path that failed."""
    done: list[tuple[Path, Path]] = []
    renamed: list[Path] = []
    current = writes[0][0]
    try:
        for path, write in writes:
            current = path
            tmp = path.with_name(f".{path.name}.{os.urandom(4).hex()}.tmp")
            done.append((path, tmp))
            write(str(tmp))
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        for path, tmp in done:
            current = path
            os.replace(tmp, path)
            renamed.append(path)
    except BaseException as exc:
        for _, tmp in done:
            tmp.unlink(missing_ok=True)
        for path in renamed:
            path.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            reason = exc.strerror or str(exc)
            raise InputError(f"cannot write ({reason})", path=str(current)) from None
        raise


def _oversized(table: pa.Table, columns: Mapping[str, str]) -> np.ndarray:
    """Per row, whether one of the used text columns holds more than MAX_FIELD_BYTES."""
    over = np.zeros(table.num_rows, dtype=bool)
    for column in set(columns.values()):
        values = table.column(column)
        if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
            lengths = pc.fill_null(pc.binary_length(values), 0)
            over |= (pc.greater(lengths, MAX_FIELD_BYTES)).to_numpy(zero_copy_only=False)
    return over


def _file_rows(parsed: np.ndarray, skipped: np.ndarray) -> np.ndarray:
    """Rows numbered among the parsed rows, numbered among the file's data rows instead
    (`skipped`: sorted data rows the reader left out)."""
    if not len(skipped):
        return parsed
    at = skipped - np.arange(len(skipped))  # the parsed row each skip comes before
    return parsed + np.searchsorted(at, parsed, side="right")


def _invalid_id(line: InvalidLine, columns: list[str], resolved: Mapping[str, str]) -> str:
    if RECORD_ID not in resolved or line.actual < 1:
        return ""
    index = columns.index(resolved[RECORD_ID])
    return line.cells[index].strip() if index < len(line.cells) else ""


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
    chunk_size: int | None = None,
    workers: int | None = None,
    progress: Callable[[int, int | None], None] | None = None,
    now: dt.datetime | None = None,
    strict: bool = False,
    force: bool = False,
    protect: Mapping[str, str | Path] | None = None,
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
    inputs: dict[str, str | Path] = {"input": path, **(protect or {})}
    if isinstance(columns, str | Path):
        inputs["columns file"] = columns
    check_outputs(out, inputs, force=force)
    plan = plan_encoding(path, workers)
    task_rows = chunk_size or plan.chunk_rows
    # Read in tasks' sizes, so the first task goes to a worker while the next is read.
    with open_table(path, encoding, task_rows) as source:
        resolved = resolve_columns(source.columns, schema, column_map, path)
        missing = tuple(f.name for f in schema.fields if f.name not in resolved)
        if missing and strict:
            raise InputError(
                f"no column found for schema field(s) {', '.join(missing)} (--strict); "
                "map them with --columns or --map field=column",
                path=path,
            )

        # Chunk by chunk, in order: each becomes its Arrow table at once, so only the chunks
        # in flight keep their working arrays and unpacked filters.
        tables: list[pa.Table] = []
        source_parts: list[np.ndarray] = []
        id_parts: list[pa.Array] = []
        rejects: list[Reject] = []
        counts: dict[str, int] = {}
        n = 0
        early: list[Reject] = []  # rows refused before encoding, with their reasons
        undecodable: list[int] = []  # rows among them that are not text in `encoding`
        field_of = {column: field for field, column in resolved.items()}
        Task = tuple[tuple[int, int, np.ndarray | None, pa.Array | None], pa.Table]

        def task(chunk: pa.Table, start: int) -> Task:
            try:
                fields_table, ids = select_fields(chunk, schema, resolved)
            except InputError as exc:
                raise InputError(exc.reason, path=path, field=exc.field) from None
            over = _oversized(chunk, resolved)
            for row in np.flatnonzero(over).tolist():
                early.append(Reject(row + start, "*", f"field over {MAX_FIELD_BYTES >> 20} MiB"))
            # What the reader could not read as text (or as an exact ID): only the columns used
            for problem in source.problems_in(start, start + chunk.num_rows):
                if problem.column == "*" or problem.column in field_of:
                    if not over[problem.row - start]:
                        field = field_of.get(problem.column, "*")
                        early.append(Reject(problem.row, field, problem.reason))
                        if problem.undecodable:
                            undecodable.append(problem.row)
                    over[problem.row - start] = True
            keep = None
            if over.any():  # left out before encoding: rejected as rows of their own
                keep = np.flatnonzero(~over)
                fields_table = fields_table.take(pa.array(keep))
                ids = None if ids is None else ids.take(pa.array(keep))
            return (start, chunk.num_rows, keep, ids), fields_table

        def tasks() -> Iterator[Task]:
            start = 0
            for read in source.chunks:  # cut into tasks of `task_rows` (zero-copy slices)
                for at in range(0, read.num_rows, task_rows):
                    piece = read.slice(at, task_rows)
                    yield task(piece, start)
                    start += piece.num_rows

        with ChunkEncoder(schema, secret, plan.workers) as encoder:
            for (start, rows, keep, ids), result in encoder.map(tasks()):
                local = result.source_rows.astype(np.int64)
                tables.append(build_table(record_tokens(len(local)), result.clks, result.blocking))
                as_chunk = local if keep is None else keep[local]
                source_parts.append(as_chunk + start)
                if ids is not None:
                    id_parts.append(ids.take(pa.array(local)).cast(pa.string()))
                for r in result.rejects:
                    row = r.row if keep is None else int(keep[r.row])
                    rejects.append(Reject(row + start, r.field, r.reason))
                for k, v in result.counts.items():
                    counts[k] = counts.get(k, 0) + v
                n = start + rows
                del result
                if progress is not None:
                    progress(rows, source.total_rows or plan.rows)
        if not tables:  # a file with a header and no rows
            empty = pa.table({c: pa.array([], pa.string()) for c in source.columns})
            result = encode(select_fields(empty, schema, resolved)[0], schema, secret)
            tables.append(result.to_table())
            source_parts.append(result.source_rows)
            counts.update(result.counts)
    counts["input_rows"] = n
    if n and len(undecodable) == n:  # every row: the file is in another encoding
        line = f"line {undecodable[0] + 2} is " if not source.invalid else ""
        hint = (
            " (try --encoding gbk)"
            if encoding.lower().replace("_", "-") in ("utf-8", "utf8")
            else ""
        )
        raise InputError(f"{line}not {encoding} text{hint}", path=path)
    if early:
        rejects.extend(early)
        counts["rejected_rows"] = counts.get("rejected_rows", 0) + len(early)
    # Rows the CSV reader could not parse: rejected, and the other rows numbered as in the file.
    invalid = sorted(source.invalid, key=lambda i: i.line or 0)
    if invalid:
        skipped = np.array([(i.line or 2) - 2 for i in invalid], dtype=np.int64)
        counts["input_rows"] = n = n + len(invalid)
        counts["rejected_rows"] = counts.get("rejected_rows", 0) + len(invalid)
        counts["unparsable_rows"] = len(invalid)
        source_parts = [_file_rows(part, skipped) for part in source_parts]
        moved = _file_rows(np.array([r.row for r in rejects], dtype=np.int64), skipped)
        rejects = [Reject(int(m), r.field, r.reason) for m, r in zip(moved, rejects, strict=True)]
    reject_rows = [[r.row, r.field, r.reason, r.row + 2, ""] for r in rejects]
    for i in invalid:
        reason = f"cannot be parsed: {i.actual} field(s), the header has {i.expected}"
        row = "" if i.line is None else i.line - 2
        reject_rows.append(
            [row, "*", reason, i.line or "", _invalid_id(i, source.columns, resolved)]
        )
    reject_rows.sort(key=lambda r: r[0] if r[0] != "" else -1)
    source_rows = np.concatenate(source_parts)
    encoded = pa.concat_tables(tables).combine_chunks()
    tables.clear()  # the chunks' copies go now, not after writing
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
            "record_token": encoded.column("record_token"),  # the map shares the column
            "source_row": pa.array(source_rows, pa.int64()),
            "record_id": record_ids,
        }
    )

    def write_rejects(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(REJECTS_HEADER)
            writer.writerows(reject_rows)

    _write_all(
        [
            (out_path, lambda p: write_encoded(p, encoded, manifest)),
            (map_path, lambda p: pq.write_table(map_table, p)),
            (rejects_path, write_rejects),
        ]
    )
    # Mapped identity fields this schema leaves out on purpose (cn-identity: sex).
    schema_fields = {f.name for f in schema.fields}
    not_encoded = sorted(column_map.keys() & SYNONYMS.keys() - {RECORD_ID, *schema_fields})
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
        missing_fields=missing,
        not_encoded=tuple(not_encoded),
    )
