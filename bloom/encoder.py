"""The encoder: records in, keyed 1024-bit Bloom filters (CLKs) and blocking keys out.

    encode(records, schema, secret) -> EncodeResult  # .to_dataset() for linkage.match

Steps, all on whole columns:
1. normalise every schema field (`bloom.fields`) and derive missing facts from the ID number;
2. decide which rows can be encoded (`require_any`, `missing: reject_row`);
3. per feature: find the distinct tokens of this call, hash each once with the feature's
   HKDF key (`bloom.positions`), and scatter the positions into the filters (`bloom.scatter`);
4. harden (XOR-fold, diffusion, balance, BLIP) and derive the keyed blocking keys.
Every key and position table lives only inside the call. Record tokens are fresh random
32-hex strings: they say nothing about the source record and differ on every run.
"""

from __future__ import annotations

import os
import secrets as _secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from bloom.blocking import blocking_values
from bloom.diffusion import diffuse, diffusion_taps
from bloom.distinct import distinct_index
from bloom.fields import Prepared, derive, prepare_field
from bloom.hardening import balance, balance_permutation, blip, xor_fold
from bloom.positions import token_positions
from bloom.scatter import scatter_bits
from bloom.schema import (
    MAX_BITS_PER_TOKEN,
    Feature,
    FieldSpec,
    FieldType,
    Missing,
    Schema,
    load_schema,
)
from bloom.secret import LinkageSecret
from bloom.tokens import Part, TokenStream
from pprl.encoded import (
    FILTER_BYTES,
    EncodedDataset,
    Manifest,
    build_table,
    content_hash,
    dataset_from_table,
    with_manifest,
)
from pprl.errors import InputError


@dataclass(frozen=True)
class Reject:
    row: int  # 0-based data row of the input
    field: str  # schema field, or "*" for the row as a whole
    reason: str


@dataclass(frozen=True)
class EncodeResult:
    record_tokens: list[str]
    clks: np.ndarray  # uint8[n, 128]
    blocking: dict[str, tuple[np.ndarray, np.ndarray]]
    source_rows: np.ndarray  # int64[n]: input row of each encoded record
    rejects: list[Reject]
    counts: dict[str, int]
    schema_fingerprint: str
    key_id: str
    input_rows: int = 0
    match_threshold: float | None = None

    def __len__(self) -> int:
        return len(self.record_tokens)

    def to_table(self) -> pa.Table:
        return build_table(self.record_tokens, self.clks, self.blocking)

    def manifest(
        self, table: pa.Table | None = None, *, department: str | None = None, created_at=None
    ) -> Manifest:
        table = self.to_table() if table is None else table
        return Manifest(
            schema_fingerprint=self.schema_fingerprint,
            key_id=self.key_id,
            record_count=table.num_rows,
            content_hash=content_hash(table),
            blocking_keys=tuple(self.blocking),
            department=department,
            created_at=created_at,
            counts=dict(self.counts),
            match_threshold=self.match_threshold,
        )

    def to_dataset(self, *, department: str | None = None, created_at=None) -> EncodedDataset:
        """The encoded dataset in memory, with its manifest, as `linkage.match` takes it."""
        table = self.to_table()
        manifest = self.manifest(table, department=department, created_at=created_at)
        return dataset_from_table(with_manifest(table, manifest), verify=False)


def _as_table(records: list[dict] | pa.Table, schema: Schema) -> pa.Table:
    if isinstance(records, pa.Table):
        return records
    names = [f.name for f in schema.fields]
    columns = {
        name: pa.array(
            [None if r.get(name) is None else str(r[name]) for r in records], pa.string()
        )
        for name in names
    }
    return pa.table(columns) if names else pa.table({})


def _column(table: pa.Table, name: str) -> pa.Array:
    if name in table.column_names:
        return table.column(name)
    return pa.nulls(table.num_rows, pa.string())


def record_tokens(n: int) -> list[str]:
    """`n` fresh random 128-bit tokens as 32 hex characters."""
    blob = os.urandom(16 * n).hex()
    return [blob[i : i + 32] for i in range(0, 32 * n, 32)]


def _salted(stream: TokenStream, salt: Part) -> TokenStream:
    """The stream with each token prefixed by the record's salt value (none where missing)."""
    keys, valid = stream.per_row()
    salts, salt_index = distinct_index(salt.keys.reshape(-1, 1), salt.valid.reshape(-1, 1))
    sid = (salt_index[:, 0] + 1).astype(np.uint64)  # 0: no salt
    width = np.uint64(salts.size + 1)
    if keys.size and int(keys.max()) * int(width) >= 2**63:
        raise InputError("too many distinct tokens to salt in one call; encode in smaller chunks")
    combined = keys.astype(np.int64) * np.int64(width) + sid[:, None].astype(np.int64)
    salt_bytes = [b""] + [s + b"\x1e" for s in salt.render(salts)]
    w = int(width)

    def render(distinct: np.ndarray) -> list[bytes]:
        base, which = np.divmod(distinct.astype(np.int64), np.int64(w))
        tokens = stream.render(base)
        return [salt_bytes[int(s)] + t for s, t in zip(which.tolist(), tokens, strict=True)]

    return TokenStream(combined, valid, render)


def _krow(feature: Feature, counts: np.ndarray) -> np.ndarray:
    """Positions per token for a `bits_per_feature` weight: the budget over the row's tokens."""
    per = -(-int(feature.bits_per_feature) // np.maximum(counts, 1))
    return np.clip(per, 1, MAX_BITS_PER_TOKEN).astype(np.int32)


def _info(schema: Schema, *parts: str) -> bytes:
    return "/".join(("pprl/bloom/v1", schema.fingerprint, *parts)).encode("utf-8")


def _encode_filters(
    schema: Schema,
    prepared: dict[str, Prepared],
    secret: LinkageSecret,
    n: int,
    fields: list[FieldSpec],
    salt: Part | None,
) -> np.ndarray:
    """The filter bits set by `fields` (the caller ORs the groups of fields together)."""
    nbits = schema.base_bits
    bits = np.zeros((n, nbits // 8), dtype=np.uint8)
    identity = np.arange(n, dtype=np.int64)
    for spec in fields:
        field_ = prepared[spec.name]
        for j, feature in enumerate(spec.features):
            stream = field_.stream(feature)
            if salt is not None:
                stream = _salted(stream, salt)
            distinct, index = distinct_index(stream.keys, stream.valid)
            if distinct.size == 0:
                continue
            row_index = identity if stream.row_index is None else stream.row_index
            if feature.bits_per_token is not None:
                krow = np.full(n, feature.bits_per_token, dtype=np.int32)
            else:
                krow = _krow(feature, (index >= 0).sum(axis=1)[row_index])
            kmax = int(krow.max()) if krow.size else 1
            label = f"{j}:{feature.tokens.value}:{feature.q}"
            key = secret.derive(_info(schema, "field", spec.name, "feature", label))
            positions = token_positions(key, stream.render(distinct), kmax, nbits)
            scatter_bits(bits, index, row_index, krow, positions)
    return bits


def _harden(
    schema: Schema, bits: np.ndarray, secret: LinkageSecret, rng: np.random.Generator | None
) -> np.ndarray:
    h = schema.hardening
    if h.xor_fold:
        bits = xor_fold(bits)
    if h.diffusion is not None:
        # Before balancing, which then still sets exactly half the stored bits; before BLIP,
        # whose flips must land on the stored bits for its guarantee to hold.
        taps = diffusion_taps(
            secret, _info(schema, "diffusion"), bits.shape[1] * 8, h.diffusion.taps
        )
        bits = diffuse(bits, taps)
    if h.balance:
        perm = balance_permutation(secret, _info(schema, "balance"), bits.shape[1] * 16)
        bits = balance(bits, perm)
    if h.blip is not None:
        rng = rng or np.random.default_rng(_secrets.randbits(128))
        bits = blip(bits, h.blip.epsilon, rng)
    assert bits.shape[1] == FILTER_BYTES
    return np.ascontiguousarray(bits)


def _select_rows(
    schema: Schema, prepared: dict[str, Prepared], n: int
) -> tuple[np.ndarray, list[Reject]]:
    keep = np.ones(n, dtype=bool)
    reasons: dict[int, list[tuple[str, str, bool]]] = {}  # bool: value partly encoded
    if schema.require_any:
        has_any = np.zeros(n, dtype=bool)
        for name in schema.require_any:
            has_any |= prepared[name].present
        for row in np.flatnonzero(~has_any).tolist():
            need = ", ".join(schema.require_any)
            reasons.setdefault(row, []).append(("*", f"no usable value in any of: {need}", False))
        keep &= has_any
    any_field = np.zeros(n, dtype=bool)
    for spec in schema.fields:
        field_ = prepared[spec.name]
        any_field |= field_.present
        if spec.missing is Missing.REJECT_ROW:
            for row in np.flatnonzero(~field_.present).tolist():
                reasons.setdefault(row, []).append((spec.name, "required value missing", False))
            keep &= field_.present
    for row in np.flatnonzero(~any_field & keep).tolist():
        reasons.setdefault(row, []).append(("*", "no usable identity field", False))
    keep &= any_field
    rejects = []
    for spec in schema.fields:
        field_ = prepared[spec.name]
        for partly, found in ((False, field_.problems), (True, field_.partly)):
            for mask, reason in found:
                for row in np.flatnonzero(mask).tolist():
                    reasons.setdefault(row, []).append((spec.name, reason, partly))
    for row in sorted(reasons):
        for f, r, partly in reasons[row]:
            if keep[row] and partly:  # the reason says what was left out
                rejects.append(Reject(row, f, r))
            else:
                outcome = "field left out" if keep[row] else "row not encoded"
                rejects.append(Reject(row, f, f"{r}; {outcome}"))
    return keep, rejects


# Slowest normalisation first, so the two worker threads finish together.
_PREPARE_ORDER = (
    FieldType.ADDRESS,
    FieldType.CHINESE_NAME,
    FieldType.LATIN_NAME,
    FieldType.TEXT,
    FieldType.CN_ID,
    FieldType.DATE,
    FieldType.PHONE,
    FieldType.SEX,
)


def _blocking(
    schema: Schema, prepared: dict[str, Prepared], secret: LinkageSecret
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    blocking = {}
    for spec in schema.blocking:
        parts = [prepared[p.field].part(p.part) for p in spec.parts]
        key = secret.derive(_info(schema, "blocking", spec.name))
        blocking[spec.name] = blocking_values(key, parts)
    return blocking


@dataclass(frozen=True)
class Partial:
    """Rows encoded before hardening and record tokens (holds no key material)."""

    bits: np.ndarray  # uint8[n, base_bits / 8], every row
    blocking: dict[str, tuple[np.ndarray, np.ndarray]]  # every row
    keep: np.ndarray  # bool[n]
    rejects: list[Reject]  # rows relative to the range
    counts: dict[str, int]


class _Done:
    def __init__(self, value: object) -> None:
        self.value = value

    def result(self) -> object:
        return self.value


class _Inline:
    """`submit` runs the call at once: a thread pool's interface without threads."""

    def submit(self, fn, *args) -> _Done:
        return _Done(fn(*args))

    def __enter__(self) -> _Inline:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def encode_rows(table: pa.Table, schema: Schema, secret: LinkageSecret, threads: int) -> Partial:
    """Normalise, select, build filter bits and blocking keys for the rows of `table`."""
    n = table.num_rows
    # Arrow, NumPy and the Numba kernels release the GIL for much of the work: with two
    # threads the slowest fields start first and the blocking keys are derived while the
    # filters are built.
    specs = sorted(schema.fields, key=lambda f: _PREPARE_ORDER.index(f.type))
    # One thread runs everything in order here (small inputs, worker processes): no pool.
    with ThreadPoolExecutor(max_workers=threads) if threads > 1 else _Inline() as pool:
        futures = {
            spec.name: pool.submit(prepare_field, spec, _column(table, spec.name)) for spec in specs
        }
        prepared = {spec.name: futures[spec.name].result() for spec in schema.fields}
        derive(prepared)
        keep, rejects = _select_rows(schema, prepared, n)
        salt = None
        if schema.hardening.salt is not None:
            salt = prepared[schema.hardening.salt.field].part(schema.hardening.salt.part)
        # Groups of fields build their bits side by side; OR is order-free.
        groups = [specs[i::threads] for i in range(threads)]
        parts = [pool.submit(_encode_filters, schema, prepared, secret, n, g, salt) for g in groups]
        blocking = _blocking(schema, prepared, secret)
        bits = parts[0].result()
        for part in parts[1:]:
            bits |= part.result()
    counts = {"input_rows": n, "encoded": int(keep.sum()), "rejected_rows": int(n - keep.sum())}
    for field_ in prepared.values():
        counts[f"{field_.spec.name}_present"] = int(field_.present[keep].sum())
        counts.update(field_.counts)
    # Values left out, wholly ("...; field left out") or in part ("..., the day left out").
    counts["field_problems"] = sum(1 for r in rejects if r.reason.endswith("left out"))
    return Partial(bits, blocking, keep, rejects, counts)


def encode(
    records: list[dict] | pa.Table,
    schema: Schema | str | Path,
    secret: LinkageSecret,
    *,
    rng: np.random.Generator | None = None,
    row_offset: int = 0,
    threads: int = 2,
) -> EncodeResult:
    """Encode records (dicts or an Arrow table whose columns are named like the schema fields).

    `rng` drives only BLIP noise (fresh randomness when None); `row_offset` numbers rows when
    a file is encoded in chunks; `threads` (1 or more) changes the speed, never the output.
    """
    schema = load_schema(schema)
    table = _as_table(records, schema)
    n = table.num_rows
    part = encode_rows(table, schema, secret, threads=max(int(threads), 1))
    keep = part.keep
    bits = _harden(schema, part.bits[keep], secret, rng)
    blocking = {
        name: (values[keep], valid[keep]) for name, (values, valid) in part.blocking.items()
    }
    rejects = [Reject(r.row + row_offset, r.field, r.reason) for r in part.rejects]
    kept_rows = np.flatnonzero(keep)
    return EncodeResult(
        record_tokens=record_tokens(len(kept_rows)),
        clks=np.ascontiguousarray(bits),
        blocking=blocking,
        source_rows=kept_rows + row_offset,
        rejects=rejects,
        counts=part.counts,
        schema_fingerprint=schema.fingerprint,
        key_id=secret.key_id,
        input_rows=n,
        match_threshold=schema.match_threshold,
    )
