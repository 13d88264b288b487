"""Plaintext tables as the encoder sees them: the attacker's reference and the scorer's truth.

The attacker knows the schema and the public normalisation code (Kerckhoffs), so it normalises
its plaintext reference population exactly as a department would before encoding, and can cut
it into the same tokens. Nothing here touches a linkage secret.

`PlainTable` is built from an Arrow table whose columns are named like the schema fields. It
offers per-record attribute values as text (the scored attributes), the plaintext value of any
blocking key's parts (what a keyed blocking key hides), and the schema's tokens per record
(`TokenIndex`) with the number of filter positions each token sets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from bloom.distinct import distinct_index
from bloom.fields import NameField, Prepared, derive, prepare_field
from bloom.names import SEPARATOR
from bloom.schema import MAX_BITS_PER_TOKEN, BlockingSpec, FieldType, Schema, load_schema
from bloom.sex import prepare_sex

# The attributes the harness scores, in report order.
ATTRIBUTES = (
    "sex",
    "birth_year",
    "birth_date",
    "surname",
    "given_name",
    "full_name",
    "id_number",
)
SEX_LABELS = {1: "M", 2: "F"}


def read_plain(path: str | Path, columns: Mapping[str, str] | str | Path | None = None) -> pa.Table:
    """A CSV (all text) or Parquet file with its columns renamed to schema field names.

    `columns` maps field -> file column (a dict or a `<extract>.columns.json` path)."""
    import json

    p = str(path)
    if p.endswith((".parquet", ".pq")):
        table = pq.read_table(p)
    else:
        with open(p, encoding="utf-8") as handle:
            header = handle.readline().lstrip("\ufeff").rstrip("\r\n").split(",")
        table = pacsv.read_csv(
            p,
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(header, pa.string())),
        )
    if isinstance(columns, str | Path):
        columns = json.loads(Path(columns).read_text(encoding="utf-8"))
    if columns:
        rename = {src: field for field, src in columns.items()}
        table = table.rename_columns([rename.get(c, c) for c in table.column_names])
    return table


@dataclass(frozen=True)
class TokenIndex:
    """The schema's tokens per record in coordinate form (one entry per record and token).

    `token[e]` is a global token id, `row[e]` the record and `bits[e]` how many filter positions
    the token sets in that record (`bits_per_token`, or the feature's budget over the record's
    tokens). `feature_of[t]` names the (field, feature number) of token id t and `label(t)` its
    bytes. Tokens are not salted here: a salted schema defeats what is built on this index.
    """

    row: np.ndarray  # int64[e]
    token: np.ndarray  # int64[e]
    bits: np.ndarray  # int32[e]
    n_records: int
    n_tokens: int
    feature_of: list[tuple[str, int]]  # per token id
    _labels: list  # per feature: (offset, distinct keys, render)

    def label(self, token: int) -> bytes:
        for offset, distinct, render in reversed(self._labels):
            if token >= offset:
                return render(distinct[token - offset : token - offset + 1])[0]
        raise IndexError(token)

    def support(self) -> np.ndarray:
        """Number of records holding each token."""
        pairs = np.unique(self.row * self.n_tokens + self.token)
        return np.bincount(pairs % self.n_tokens, minlength=self.n_tokens)


class PlainTable:
    """A normalised plaintext table (reference population or a department's own truth)."""

    def __init__(self, table: pa.Table, schema: Schema | str | Path) -> None:
        self.schema = load_schema(schema)
        self.n = table.num_rows
        self.prepared: dict[str, Prepared] = {}
        self.raw: dict[str, np.ndarray] = {}  # the plaintext as given (for re-encoding)
        # A schema may leave sex out of the filters; it is still scored (from a `sex` column
        # where the table has one, else from the ID number's sex digit).
        self._sex_column = table.column("sex") if "sex" in table.column_names else None
        for spec in self.schema.fields:
            column = (
                table.column(spec.name)
                if spec.name in table.column_names
                else pa.nulls(self.n, pa.string())
            )
            if column.type != pa.string():
                column = column.cast(pa.string())
            self.prepared[spec.name] = prepare_field(spec, column)
            self.raw[spec.name] = np.array(column.to_pylist(), dtype=object)
        derive(self.prepared)

    def _field_of(self, kind: FieldType) -> Prepared | None:
        for spec in self.schema.fields:
            if spec.type is kind:
                return self.prepared[spec.name]
        return None

    @cached_property
    def attributes(self) -> dict[str, np.ndarray]:
        """Scored attribute -> object array of text values (None: unknown)."""
        n = self.n
        out = {a: np.full(n, None, dtype=object) for a in ATTRIBUTES}
        for code, label in SEX_LABELS.items():
            out["sex"][self._sex == code] = label
        date = self._field_of(FieldType.DATE)
        if date is not None:
            d = date.dates  # type: ignore[attr-defined]
            ok = d > 0
            text = np.array([f"{v:08d}" for v in d.tolist()], dtype=object)
            out["birth_date"][ok] = text[ok]
            out["birth_year"][ok] = np.array([t[:4] for t in text[ok]], dtype=object)
        name = self._field_of(FieldType.CHINESE_NAME)
        if isinstance(name, NameField):
            names = name.col.names
            full = np.array([v or None for v in names], dtype=object)
            surname = np.array([surname_of(v) for v in names], dtype=object)
            given = np.array([given_of(v) for v in names], dtype=object)
            idx = name.col.row_index
            out["full_name"], out["surname"], out["given_name"] = (
                full[idx],
                surname[idx],
                given[idx],
            )
        ident = self._field_of(FieldType.CN_ID)
        if ident is not None:
            chars = ident.col.chars  # type: ignore[attr-defined]
            ok = ident.present
            rows = chars[ok]
            out["id_number"][ok] = np.array([bytes(r).decode("ascii") for r in rows], dtype=object)
        return out

    @cached_property
    def _sex(self) -> np.ndarray:
        """int8[n] 1 male, 2 female, 0 unknown."""
        field_ = self._field_of(FieldType.SEX)
        if field_ is not None:
            return field_.sex  # type: ignore[attr-defined]
        sex = np.zeros(self.n, dtype=np.int8)
        if self._sex_column is not None:
            sex = prepare_sex(self._sex_column.cast(pa.string()))[0]
        ident = self._field_of(FieldType.CN_ID)
        if ident is not None:
            from_id = ident.col.sex  # type: ignore[attr-defined]
            sex = np.where(sex > 0, sex, from_id).astype(np.int8)
        return sex

    def part_labels(self, spec: BlockingSpec) -> np.ndarray:
        """The plaintext a blocking key hides, per record (bytes joined by 0x1f; None: no key)."""
        parts = [self.prepared[p.field].part(p.part) for p in spec.parts]
        valid = np.ones(self.n, dtype=bool)
        for part in parts:
            valid &= part.valid
        out = np.full(self.n, None, dtype=object)
        if not valid.any():
            return out
        rendered = []
        for part in parts:
            distinct, inverse = np.unique(part.keys[valid], return_inverse=True)
            labels = np.array(part.render(distinct), dtype=object)
            rendered.append(labels[inverse.ravel()])
        joined = rendered[0]
        for more in rendered[1:]:
            joined = np.array([a + b"\x1f" + b for a, b in zip(joined, more, strict=True)])
        out[valid] = joined
        return out

    @cached_property
    def tokens(self) -> TokenIndex:
        rows, toks, bits, feature_of, labels = [], [], [], [], []
        offset = 0
        identity = np.arange(self.n, dtype=np.int64)
        for spec in self.schema.fields:
            field_ = self.prepared[spec.name]
            for j, feature in enumerate(spec.features):
                stream = field_.stream(feature)
                distinct, index = distinct_index(stream.keys, stream.valid)
                if distinct.size == 0:
                    continue
                row_index = identity if stream.row_index is None else stream.row_index
                per_row = index[row_index]
                if feature.bits_per_token is not None:
                    k = np.full(self.n, feature.bits_per_token, dtype=np.int32)
                else:
                    count = np.maximum((per_row >= 0).sum(axis=1), 1)
                    k = -(-int(feature.bits_per_feature) // count)
                    k = np.clip(k, 1, MAX_BITS_PER_TOKEN).astype(np.int32)
                r, c = np.nonzero(per_row >= 0)
                t = per_row[r, c].astype(np.int64)
                # A token repeated in one record sets its positions once.
                key = np.unique(r.astype(np.int64) * (distinct.size + 1) + t)
                r, t = key // (distinct.size + 1), key % (distinct.size + 1)
                rows.append(r)
                toks.append(t + offset)
                bits.append(k[r])
                feature_of.extend([(spec.name, j)] * distinct.size)
                labels.append((offset, distinct, stream.render))
                offset += distinct.size
        cat = lambda xs, dt: np.concatenate(xs).astype(dt) if xs else np.zeros(0, dt)  # noqa: E731
        return TokenIndex(
            row=cat(rows, np.int64),
            token=cat(toks, np.int64),
            bits=cat(bits, np.int32),
            n_records=self.n,
            n_tokens=offset,
            feature_of=feature_of,
            _labels=labels,
        )


def surname_of(name: str | None) -> str | None:
    """The scored surname: the first character of the normalised name (as blocking's
    `surname` part); for `given·father` names that is the first character of the given name."""
    return name[0] if name else None


def given_of(name: str | None) -> str | None:
    if not name or len(name) < 2:
        return None
    return name[1:].replace(SEPARATOR, "") or None


@dataclass(frozen=True)
class Truth:
    """The department's own plaintext of each encoded record (scoring only, after an attack)."""

    attributes: dict[str, np.ndarray]
    blocking: dict[str, np.ndarray]  # blocking key name -> plaintext it hides, per record


def load_truth(
    extract: str | Path | pa.Table,
    map_path: str | Path,
    schema: Schema | str | Path,
    columns: Mapping[str, str] | str | Path | None = None,
    tokens: list[str] | None = None,
) -> Truth:
    """Truth for an encoded file from the department side: `X.map.parquet` gives each record
    token's source row of the extract, whose plaintext is normalised like the encoder does.
    `tokens` orders the result like the encoded file (default: the map's order)."""
    table = extract if isinstance(extract, pa.Table) else read_plain(extract, columns)
    mapping = pq.read_table(str(map_path))
    rows = np.asarray(mapping.column("source_row").to_numpy(), dtype=np.int64)
    if tokens is not None:
        where = {t: i for i, t in enumerate(mapping.column("record_token").to_pylist())}
        rows = rows[[where[t] for t in tokens]]
    plain = PlainTable(table.take(pa.array(rows)), schema)
    return Truth(
        attributes=plain.attributes,
        blocking={spec.name: plain.part_labels(spec) for spec in plain.schema.blocking},
    )
