"""Linkage quality against ground truth, and blocking quality against exhaustive comparison.

Tokens in a pairs file are turned back into records through each department's local map
(`<X>.map.parquet`: record_token, source_row, record_id) and into people through the truth
files (`truth/<X>.csv`: record_id, person_id). Recall counts every true pair in the truth files,
including records the encoder rejected: a record that was never matched is a missed match.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from pprl.errors import InputError


@dataclass(frozen=True)
class Quality:
    pairs: int
    true_positives: int
    false_positives: int
    false_negatives: int
    true_pairs: int
    precision: float
    recall: float
    f1: float

    def to_dict(self) -> dict:
        return asdict(self)


def quality(found_person_a: np.ndarray, found_person_b: np.ndarray, true_pairs: int) -> Quality:
    """Precision, recall and F1 of pairs given as person ids on both sides."""
    tp = int(np.count_nonzero(np.asarray(found_person_a) == np.asarray(found_person_b)))
    n = len(found_person_a)
    precision = tp / n if n else 1.0
    recall = tp / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Quality(n, tp, n - tp, true_pairs - tp, true_pairs, precision, recall, f1)


def count_true_pairs(persons_a: np.ndarray, persons_b: np.ndarray) -> int:
    """Number of (a, b) record pairs that are the same person."""
    ua, ca = np.unique(persons_a, return_counts=True)
    ub, cb = np.unique(persons_b, return_counts=True)
    _, ia, ib = np.intersect1d(ua, ub, assume_unique=True, return_indices=True)
    return int((ca[ia].astype(np.int64) * cb[ib]).sum())


def _read_csv(path: str, columns: list[str]) -> pa.Table:
    try:
        table = pacsv.read_csv(
            path,
            convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in columns}),
        )
    except FileNotFoundError:
        raise InputError("no such file", path=path) from None
    except pa.ArrowException as exc:
        raise InputError(
            f"not a readable CSV file ({str(exc).splitlines()[0]})", path=path
        ) from None
    for column in columns:
        if column not in table.column_names:
            raise InputError("missing column", path=path, field=column)
    return table


def read_pairs(path: str) -> pa.Table:
    table = _read_csv(path, ["token_a", "token_b"])
    for column in ("token_a", "token_b"):
        _no_nulls(table, column, path)
    return table


def read_map(path: str) -> pa.Table:
    try:
        table = pq.read_table(path, columns=["record_token", "record_id"])
    except FileNotFoundError:
        raise InputError("no such file", path=path) from None
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"not a record map ({exc.__class__.__name__})", path=path) from None
    return table.set_column(1, "record_id", pc.cast(table.column("record_id"), pa.string()))


def read_truth(path: str) -> pa.Table:
    table = _read_csv(path, ["record_id", "person_id"])
    for column in ("record_id", "person_id"):
        _no_nulls(table, column, path)
    return table


def _no_nulls(table: pa.Table, column: str, path: str) -> None:
    nulls = table.column(column).is_null()
    if pc.any(nulls).as_py():
        row = int(np.flatnonzero(nulls.to_numpy(zero_copy_only=False))[0]) + 1
        raise InputError("empty value", path=path, row=row, field=column)


def _lookup(values: pa.Array, keys: pa.Array, targets: pa.Array, path: str, field: str):
    index = pc.index_in(values, value_set=keys)
    if index.null_count:
        row = int(np.flatnonzero(index.is_null().to_numpy(zero_copy_only=False))[0]) + 1
        raise InputError(f"{values[row - 1].as_py()!r} not found in {path}", row=row, field=field)
    return targets.take(index)


def evaluate_files(pairs_path: str, map_a: str, map_b: str, truth_a: str, truth_b: str) -> Quality:
    pairs = read_pairs(pairs_path)
    ta, tb = read_truth(truth_a), read_truth(truth_b)
    ma, mb = read_map(map_a), read_map(map_b)
    sides = []
    for token_col, mp, mpath, truth, tpath in (
        ("token_a", ma, map_a, ta, truth_a),
        ("token_b", mb, map_b, tb, truth_b),
    ):
        tokens = pairs.column(token_col).combine_chunks()
        try:
            records = _lookup(
                tokens, mp.column("record_token"), mp.column("record_id"), mpath, token_col
            )
        except InputError as exc:
            raise InputError(exc.reason, path=pairs_path, row=exc.row, field=token_col) from None
        try:
            persons = _lookup(
                records.combine_chunks() if hasattr(records, "combine_chunks") else records,
                truth.column("record_id"),
                truth.column("person_id"),
                tpath,
                "record_id",
            )
        except InputError as exc:
            raise InputError(exc.reason, path=pairs_path, row=exc.row, field=token_col) from None
        sides.append(np.asarray(persons.to_pylist(), dtype=object))
    true_pairs = count_true_pairs(
        np.asarray(ta.column("person_id").to_pylist(), dtype=object).astype(str),
        np.asarray(tb.column("person_id").to_pylist(), dtype=object).astype(str),
    )
    return quality(sides[0].astype(str), sides[1].astype(str), true_pairs)


def reduction_ratio_of_summary(path: str) -> float:
    """1 - comparisons / (records_a * records_b) from a `pprl match --summary` file."""
    import json

    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        raise InputError("no such file", path=path) from None
    except (OSError, ValueError) as exc:
        raise InputError(f"not a run summary ({exc.__class__.__name__})", path=path) from None
    for key in ("comparisons", "records_a", "records_b"):
        if not isinstance(data.get(key), int):
            raise InputError("missing or not an integer", path=path, field=key)
    total = data["records_a"] * data["records_b"]
    return 1.0 - data["comparisons"] / total if total else 0.0
