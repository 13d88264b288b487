"""The encoded-dataset format: the contract between department encoders and the matcher.

An encoded dataset is an Arrow table (Parquet on disk, Arrow IPC on the wire) with columns

    record_token  string                 32 hex chars, random per encoding run (never a source id)
    clk           fixed_size_binary(128) the 1024-bit Bloom filter; bit i is byte i // 8,
                                         mask 0x80 >> (i % 8) (big-endian, as clkhash/bitarray)
    popcount      uint16                 number of set bits in `clk`
    bk_<name>     uint64, nullable       one column per keyed blocking key (null: not derivable)

and a manifest stored in the Parquet key-value metadata under `pprl.manifest` (canonical JSON).
The manifest carries the schema fingerprint and key id (never the key), counts and a content
hash over the columns, so a reader can tell a damaged or swapped file from a good one.
Its `format_version` is checked on read: a file of a version this engine does not know (a
newer one, say) is refused with the version found and the versions it reads.

A reader trusts nothing the file says about itself that it can check: every manifest field
must have its type, record tokens must be unique, and the popcounts are recomputed from the
filters (a stored count that disagrees is refused, naming the file and the first row; the
kernels' length filter and Dice scores would otherwise be silently wrong).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from pprl.errors import EncodedFormatError, IncompatibleEncodingsError

FORMAT_VERSION = 1
SUPPORTED_FORMAT_VERSIONS = (FORMAT_VERSION,)
FILTER_BITS = 1024
FILTER_BYTES = FILTER_BITS // 8
FILTER_WORDS = FILTER_BITS // 64
MANIFEST_KEY = b"pprl.manifest"
BLOCK_PREFIX = "bk_"
TOKEN_PATTERN = "^[0-9a-f]{32}$"


@dataclass(frozen=True)
class Manifest:
    """What a reader needs to trust and compare an encoded dataset. Never holds key material."""

    schema_fingerprint: str
    key_id: str
    record_count: int
    content_hash: str
    blocking_keys: tuple[str, ...]
    filter_bits: int = FILTER_BITS
    format_version: int = FORMAT_VERSION
    department: str | None = None
    created_at: str | None = None
    counts: Mapping[str, int] = field(default_factory=dict)
    signature: str | None = None
    # The Dice threshold the schema states for its encoding (None: the matcher's default).
    match_threshold: float | None = None

    def to_json(self, *, include_signature: bool = True) -> str:
        data = dataclasses.asdict(self)
        data["blocking_keys"] = list(self.blocking_keys)
        data["counts"] = dict(self.counts)
        if self.match_threshold is None:
            # Absent rather than null, so manifests signed before the field existed still verify.
            data.pop("match_threshold")
        if not include_signature:
            data.pop("signature")
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def signing_bytes(self) -> bytes:
        """The canonical bytes a department signs (everything except the signature itself)."""
        return self.to_json(include_signature=False).encode("utf-8")

    @classmethod
    def from_json(cls, text: str | bytes, *, path: str | None = None) -> Manifest:
        """Parse a manifest, refusing a format version this engine does not read."""
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise EncodedFormatError(
                f"unreadable manifest ({type(exc).__name__})", path=path
            ) from None
        if not isinstance(data, dict):
            raise EncodedFormatError("unreadable manifest (not a JSON object)", path=path)
        check_format_version(data.get("format_version", FORMAT_VERSION), path)
        known = {f.name for f in dataclasses.fields(cls)}
        missing = [name for name in _REQUIRED_FIELDS if name not in data]
        if missing:
            raise EncodedFormatError(
                "unreadable manifest (field missing)", path=path, field=f"manifest.{missing[0]}"
            )
        for name, (check, kind) in _FIELD_TYPES.items():
            if name in data and not check(data[name]):
                # The value is not echoed: a damaged file may hold anything.
                raise EncodedFormatError(
                    f"unreadable manifest (expected {kind})", path=path, field=f"manifest.{name}"
                )
        data["blocking_keys"] = tuple(data["blocking_keys"])
        return cls(**{k: v for k, v in data.items() if k in known})

    def check_compatible(self, other: Manifest) -> None:
        """Refuse to compare encodings made under different schemas or secrets, or under a
        schema retired because the matcher could learn too much from it."""
        for manifest in (self, other):
            check_not_retired(manifest.schema_fingerprint)
        if self.schema_fingerprint != other.schema_fingerprint:
            raise IncompatibleEncodingsError(
                "encodings use different schemas (fingerprints "
                f"{self.schema_fingerprint[:12]} vs {other.schema_fingerprint[:12]}); "
                "re-encode both with the same schema"
            )
        if self.key_id != other.key_id:
            raise IncompatibleEncodingsError(
                f"encodings use different linkage secrets (key ids {self.key_id} vs "
                f"{other.key_id}); re-encode both with the same secret"
            )
        if self.filter_bits != other.filter_bits:
            raise IncompatibleEncodingsError("encodings use different filter lengths")


# Schemas whose encodings the engine no longer compares or accepts: fingerprint -> why.
RETIRED_SCHEMAS: Mapping[str, str] = MappingProxyType(
    {
        "3be7fc6fe03a5814d079537e27625d27e55e9f708cbd7316db8a076f1855f966": (
            "the cn-identity schema before hardening (its blocking keys and filters let the "
            "matcher recover surnames, birth years and sex)"
        ),
        "19d359216ce84382d7b1e55c42a51699cbd21194f2860fe605a614bce1cfe393": (
            "the first hardened cn-identity schema (its light sex token survived diffusion: "
            "a spectral attack split the records by sex)"
        ),
    }
)


def check_not_retired(fingerprint: str) -> None:
    """IncompatibleEncodingsError for an encoding made under a retired schema."""
    why = RETIRED_SCHEMAS.get(fingerprint)
    if why is not None:
        raise IncompatibleEncodingsError(
            f"encoded with {why}; re-encode with the current schema (fingerprint "
            f"{fingerprint[:12]} is retired)"
        )


def _is_int(value: object) -> bool:
    return type(value) is int and value >= 0


def _is_text(value: object) -> bool:
    return isinstance(value, str)


def _is_optional_text(value: object) -> bool:
    return value is None or isinstance(value, str)


_REQUIRED_FIELDS = ("schema_fingerprint", "key_id", "record_count", "content_hash", "blocking_keys")
# Each manifest field's type, checked before the dataclass is built (it checks nothing itself).
_FIELD_TYPES = {
    "schema_fingerprint": (_is_text, "text"),
    "key_id": (_is_text, "text"),
    "record_count": (_is_int, "a count"),
    "content_hash": (_is_text, "text"),
    "blocking_keys": (
        lambda v: isinstance(v, list) and all(isinstance(k, str) and k for k in v),
        "a list of names",
    ),
    "filter_bits": (_is_int, "a count"),
    "department": (_is_optional_text, "text or null"),
    "created_at": (_is_optional_text, "text or null"),
    "counts": (
        lambda v: isinstance(v, dict) and all(_is_int(n) for n in v.values()),
        "an object of counts",
    ),
    "signature": (_is_optional_text, "text or null"),
    "match_threshold": (
        lambda v: v is None or (type(v) in (int, float) and 0 < v <= 1),
        "a number in (0, 1] or null",
    ),
}


def check_format_version(found: object, path: str | None = None) -> None:
    """Refuse an encoded format version other than those in SUPPORTED_FORMAT_VERSIONS."""
    if type(found) is int and found in SUPPORTED_FORMAT_VERSIONS:
        return
    reads = f"this engine reads version {', '.join(str(v) for v in SUPPORTED_FORMAT_VERSIONS)}"
    if type(found) is not int:
        message = f"encoded format version is not a number ({type(found).__name__}), {reads}"
    else:
        message = f"encoded format version {found} found, {reads}"
        if found > max(SUPPORTED_FORMAT_VERSIONS):
            message += "; a newer engine wrote this file"
    raise EncodedFormatError(message, path=path)


def arrow_schema(blocking_keys: tuple[str, ...] | list[str]) -> pa.Schema:
    fields = [
        pa.field("record_token", pa.string(), nullable=False),
        pa.field("clk", pa.binary(FILTER_BYTES), nullable=False),
        pa.field("popcount", pa.uint16(), nullable=False),
    ]
    fields += [pa.field(BLOCK_PREFIX + name, pa.uint64(), nullable=True) for name in blocking_keys]
    return pa.schema(fields)


def check_tokens(table: pa.Table, path: str = "<table>") -> None:
    """Refuse record tokens that are not 32 lowercase hex characters.

    Tokens are opaque random values; anything else (an ID number, a name) would carry
    plaintext to the matcher, so it is refused before it is hashed, stored or compared.
    """
    column = table.column("record_token")
    ok = pc.fill_null(pc.match_substring_regex(column, TOKEN_PATTERN), False)
    if not pc.all(ok).as_py() and len(column):
        row = int(pc.index(ok, False).as_py())
        raise EncodedFormatError(
            "record token is not 32 lowercase hex characters",
            path=path,
            row=row,
            field="record_token",
        )


def check_unique_tokens(table: pa.Table, path: str = "<table>") -> None:
    """Refuse a record token that appears twice (results and disclosure join on tokens).

    Needs `check_tokens` first: tokens are then 32 characters each, never null.
    """
    column = table.column("record_token")
    if pc.count_distinct(column).as_py() == len(column):
        return
    tokens = np.frombuffer(_token_bytes(column), dtype="S32")
    order = np.argsort(tokens, kind="stable")
    repeats = order[1:][tokens[order[1:]] == tokens[order[:-1]]]
    row = int(repeats.min())
    first = int(np.flatnonzero(tokens == tokens[row])[0])
    raise EncodedFormatError(
        f"record token repeats row {first}", path=path, row=row, field="record_token"
    )


def check_popcounts(table: pa.Table, clks: np.ndarray, path: str = "<table>") -> np.ndarray:
    """The popcounts recomputed from the filters; refuse a stored column that disagrees."""
    actual = _popcounts(clks)
    stored = table.column("popcount").to_numpy(zero_copy_only=False)
    wrong = np.flatnonzero(stored != actual)
    if len(wrong):
        raise EncodedFormatError(
            f"popcount disagrees with the filter's set bits ({len(wrong)} row(s))",
            path=path,
            row=int(wrong[0]),
            field="popcount",
        )
    return actual


def _token_bytes(column: pa.ChunkedArray) -> bytes:
    """The tokens back to back: unambiguous because `check_tokens` fixed their length."""
    tokens = column.combine_chunks()
    if len(tokens) == 0:
        return b""
    offsets = np.frombuffer(tokens.buffers()[1], dtype=np.int32)
    start, stop = offsets[tokens.offset], offsets[tokens.offset + len(tokens)]
    return tokens.buffers()[2].to_pybytes()[start:stop]


def content_hash(table: pa.Table) -> str:
    """SHA-256 over the data columns in order, independent of Parquet layout."""
    check_tokens(table)
    h = hashlib.sha256()
    h.update(b"pprl-encoded-v1\0")
    for name in table.column_names:
        h.update(name.encode() + b"\0")
        column = table.column(name)
        if name == "record_token":
            h.update(_token_bytes(column))
        elif name == "clk":
            h.update(clk_matrix(table).tobytes())
        else:
            values = column.to_numpy(zero_copy_only=False)
            if column.null_count:
                mask = column.is_null().to_numpy(zero_copy_only=False)
                h.update(np.packbits(mask).tobytes())
                values = np.where(mask, 0, values)
            h.update(np.ascontiguousarray(values).astype("<u8").tobytes())
    return h.hexdigest()


def clk_matrix(table: pa.Table) -> np.ndarray:
    """The filters as a contiguous `uint8[n, 128]` array (zero-copy for a single-chunk column)."""
    column = table.column("clk")
    chunks = column.chunks
    if not chunks:
        return np.zeros((0, FILTER_BYTES), dtype=np.uint8)
    parts = []
    for chunk in chunks:
        if chunk.null_count:
            raise EncodedFormatError("column 'clk' contains nulls")
        buf = chunk.buffers()[1]
        start = chunk.offset * FILTER_BYTES
        arr = np.frombuffer(buf, dtype=np.uint8, count=len(chunk) * FILTER_BYTES, offset=start)
        parts.append(arr.reshape(len(chunk), FILTER_BYTES))
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _popcounts(clks: np.ndarray) -> np.ndarray:
    if hasattr(np, "bitwise_count"):  # NumPy >= 2: no bit-unpacked temporary
        return np.bitwise_count(clks).sum(axis=1, dtype=np.uint16)
    return np.unpackbits(clks, axis=1).sum(axis=1).astype(np.uint16)


def build_table(
    tokens: list[str],
    clks: np.ndarray,
    blocking: Mapping[str, tuple[np.ndarray, np.ndarray]],
) -> pa.Table:
    """Assemble an encoded table. `blocking[name] = (uint64 values, bool valid mask)`."""
    clks = np.ascontiguousarray(clks, dtype=np.uint8)
    if clks.ndim != 2 or clks.shape[1] != FILTER_BYTES or clks.shape[0] != len(tokens):
        raise ValueError(f"clks must be uint8[{len(tokens)}, {FILTER_BYTES}]")
    popcounts = _popcounts(clks)
    names = list(blocking)
    arrays = [
        pa.array(tokens, type=pa.string()),
        pa.FixedSizeBinaryArray.from_buffers(
            pa.binary(FILTER_BYTES), len(tokens), [None, pa.py_buffer(clks.tobytes())]
        ),
        pa.array(popcounts, type=pa.uint16()),
    ]
    for name in names:
        values, valid = blocking[name]
        arrays.append(pa.array(values.astype(np.uint64), type=pa.uint64(), mask=~valid))
    return pa.Table.from_arrays(arrays, schema=arrow_schema(names))


def with_manifest(table: pa.Table, manifest: Manifest) -> pa.Table:
    meta = dict(table.schema.metadata or {})
    meta[MANIFEST_KEY] = manifest.to_json().encode("utf-8")
    return table.replace_schema_metadata(meta)


def write_encoded(path: str | Path, table: pa.Table, manifest: Manifest) -> None:
    pq.write_table(with_manifest(table, manifest), str(path), compression="zstd")


@dataclass(frozen=True)
class EncodedDataset:
    """An encoded dataset in memory: filters as packed words plus its manifest."""

    path: str
    manifest: Manifest
    tokens: pa.Array
    filters: np.ndarray  # uint64[n, FILTER_WORDS], C-contiguous
    popcounts: np.ndarray  # uint16[n]
    blocking: Mapping[str, tuple[np.ndarray, np.ndarray]]  # name -> (uint64 values, valid mask)

    def __len__(self) -> int:
        return int(self.filters.shape[0])


def manifest_of(table: pa.Table, path: str = "<table>") -> Manifest:
    meta = table.schema.metadata or {}
    if MANIFEST_KEY not in meta:
        raise EncodedFormatError(f"{path}: not an encoded dataset (no pprl manifest)")
    return Manifest.from_json(meta[MANIFEST_KEY], path=path)


def dataset_from_table(
    table: pa.Table, path: str = "<table>", *, verify: bool = True
) -> EncodedDataset:
    manifest = manifest_of(table, path)
    expected = arrow_schema(manifest.blocking_keys)
    if not table.schema.remove_metadata().equals(expected):
        raise EncodedFormatError(f"{path}: columns do not match the encoded-dataset format")
    check_tokens(table, path)
    check_unique_tokens(table, path)
    if table.num_rows != manifest.record_count:
        raise EncodedFormatError(
            f"{path}: manifest says {manifest.record_count} records, file has {table.num_rows}"
        )
    if verify and content_hash(table) != manifest.content_hash:
        raise EncodedFormatError(f"{path}: content hash does not match the manifest")
    table = table.combine_chunks()
    clks = clk_matrix(table)
    filters = np.ascontiguousarray(clks).view(np.uint64).reshape(len(clks), FILTER_WORDS)
    blocking = {}
    for name in manifest.blocking_keys:
        col = table.column(BLOCK_PREFIX + name)
        valid = ~col.is_null().to_numpy(zero_copy_only=False)
        values = col.fill_null(0).to_numpy(zero_copy_only=False).astype(np.uint64)
        blocking[name] = (values, valid)
    return EncodedDataset(
        path=path,
        manifest=manifest,
        tokens=table.column("record_token").combine_chunks(),
        filters=filters,
        popcounts=check_popcounts(table, clks, path),
        blocking=blocking,
    )


ARROW_SUFFIXES = (".arrow", ".feather", ".ipc")


def read_encoded(path: str | Path, *, verify: bool = True) -> EncodedDataset:
    """Read and check an encoded file: Parquet, or an Arrow IPC file by its suffix (both
    memory-mapped)."""
    p = str(path)
    is_arrow = p.endswith(ARROW_SUFFIXES)
    try:
        if is_arrow:
            table = ipc.open_file(pa.memory_map(p, "r")).read_all()
        else:
            table = pq.read_table(p, memory_map=True)
    except FileNotFoundError:
        raise EncodedFormatError(f"{p}: no such file") from None
    except (pa.ArrowException, OSError) as exc:
        kind = "Arrow IPC" if is_arrow else "Parquet"
        raise EncodedFormatError(
            f"{p}: not a readable {kind} file ({exc.__class__.__name__})"
        ) from None
    return dataset_from_table(table, p, verify=verify)
