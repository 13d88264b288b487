"""Linkage quality against ground truth, and blocking quality against exhaustive comparison.

Tokens in a pairs file are turned back into records through each department's local map
(`<X>.map.parquet`: record_token, source_row, record_id) and into people through the truth
files (`truth/<X>.csv`: record_id, person_id). Recall counts every true pair in the truth files,
including records the encoder rejected: a record that was never matched is a missed match.
`evaluate` works on tables in memory; `read_pairs`, `read_map` and `read_truth` read the files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pprl.errors import InputError
from pprl.tables import read_table


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


def reduction_ratio(comparisons: int, n_left: int, n_right: int) -> float:
    """1 - comparisons / (n_left * n_right): the share of the exhaustive work avoided."""
    total = n_left * n_right
    return 1.0 - comparisons / total if total else 0.0


def pairs_completeness(found_left, found_right, all_left, all_right) -> float:
    """Share of the reference pairs (e.g. exhaustive matches) that the blocked run also found."""
    reference = np.unique(np.stack([all_left, all_right], axis=1), axis=0)
    if len(reference) == 0:
        return 1.0
    found = np.unique(np.stack([found_left, found_right], axis=1), axis=0)
    both = np.concatenate([reference, found])
    _, counts = np.unique(both, axis=0, return_counts=True)
    return float((counts > 1).sum() / len(reference))


def read_pairs(path: str) -> pa.Table:
    table = read_table(path, columns=["token_a", "token_b"])
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
    table = read_table(path, columns=["record_id", "person_id"])
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


def _persons(
    tokens: pa.Array,
    mapping: pa.Table,
    truth: pa.Table,
    source: str,
    column: str,
    map_name: str,
    truth_name: str,
) -> np.ndarray:
    try:
        records = _lookup(
            tokens, mapping.column("record_token"), mapping.column("record_id"), map_name, column
        )
        records = records.combine_chunks() if hasattr(records, "combine_chunks") else records
        persons = _lookup(
            records, truth.column("record_id"), truth.column("person_id"), truth_name, "record_id"
        )
    except InputError as exc:
        raise InputError(exc.reason, path=source, row=exc.row, field=column) from None
    return np.asarray(persons.to_pylist(), dtype=object).astype(str)


def persons_of_tokens(
    tokens: pa.Array, source: str, column: str, map_path: str, truth_path: str
) -> np.ndarray:
    """Person id of each token: token -> record id (the department's map) -> person (truth).

    An unknown token is reported at its row of `source`, the file it came from."""
    return _persons(
        tokens, read_map(map_path), read_truth(truth_path), source, column, map_path, truth_path
    )


def _everyone(truth: pa.Table) -> np.ndarray:
    return np.asarray(truth.column("person_id").to_pylist(), dtype=object).astype(str)


def all_persons(truth_path: str) -> np.ndarray:
    """Every person id of a truth file, one per record."""
    return _everyone(read_truth(truth_path))


_TABLES = ("pairs", "map_a", "map_b", "truth_a", "truth_b")


def evaluate(
    pairs,
    map_a: pa.Table,
    map_b: pa.Table,
    truth_a: pa.Table,
    truth_b: pa.Table,
    *,
    names: Mapping[str, str] | None = None,
) -> Quality:
    """Precision, recall and F1 of found pairs against ground truth, all held in memory.

    `pairs` is a table with token_a and token_b (a run's result, `read_pairs`) or a
    `MatchResult`; the maps and truth tables are as `read_map` and `read_truth` return them.
    `names` says what an error calls each table, by parameter name (e.g. the file it was read
    from); a table not named there is called by its parameter name.
    """
    table = pairs if isinstance(pairs, pa.Table) else pairs.to_table()
    called = {name: name for name in _TABLES} | dict(names or {})
    sides = [
        _persons(
            table.column(column).combine_chunks(),
            mapping,
            truth,
            called["pairs"],
            column,
            called[f"map_{side}"],
            called[f"truth_{side}"],
        )
        for column, side, mapping, truth in (
            ("token_a", "a", map_a, truth_a),
            ("token_b", "b", map_b, truth_b),
        )
    ]
    true_pairs = count_true_pairs(_everyone(truth_a), _everyone(truth_b))
    return quality(sides[0], sides[1], true_pairs)


def read_groups(path: str) -> pa.Table:
    table = read_table(path, columns=["group", "dataset", "token"])
    for column in ("group", "dataset", "token"):
        _no_nulls(table, column, path)
    return table


def _check_group_members(path: str, group, names: list[str], tokens: list[str]) -> None:
    """A record may be listed once, and a group holds at most one record per dataset."""
    seen_record: dict[tuple[str, str], int] = {}
    seen_in_group: dict[tuple[str, str], int] = {}
    for row, (g, name, token) in enumerate(zip(group, names, tokens, strict=True), start=1):
        first = seen_record.setdefault((name, token), row)
        if first != row:
            raise InputError(
                f"token already listed at row {first}", path=path, row=row, field="token"
            )
        first = seen_in_group.setdefault((g, name), row)
        if first != row:
            raise InputError(
                f"group {g} already holds a record of {name!r} (row {first})",
                path=path,
                row=row,
                field="dataset",
            )


def evaluate_groups(groups_path: str, datasets: dict[str, tuple[str, str]]) -> Quality:
    """Pairwise quality of a `pprl groups` file: every two members of a group are a found pair;
    true pairs are the same-person record pairs between every two of the datasets.

    `datasets` maps each dataset name used in the file to its (map, truth) files.
    """
    table = read_groups(groups_path)
    names = table.column("dataset").to_pylist()
    unknown = sorted(set(names) - set(datasets))
    if unknown:
        row = names.index(unknown[0]) + 1
        raise InputError(
            f"dataset {unknown[0]!r} has no --dataset NAME MAP TRUTH",
            path=groups_path,
            row=row,
            field="dataset",
        )
    group = np.asarray(table.column("group").to_pylist(), dtype=object).astype(str)
    tokens = table.column("token").combine_chunks()
    _check_group_members(groups_path, group, names, tokens.to_pylist())
    names_array = np.asarray(names, dtype=object)
    persons = np.empty(table.num_rows, dtype=object)
    for name, (map_path, truth_path) in datasets.items():
        rows = np.flatnonzero(names_array == name)
        if not len(rows):
            continue
        try:
            persons[rows] = persons_of_tokens(
                tokens.take(pa.array(rows)), groups_path, "token", map_path, truth_path
            )
        except InputError as exc:  # its row counts this dataset's tokens only: the file's row
            row = None if exc.row is None else int(rows[exc.row - 1]) + 1
            raise InputError(exc.reason, path=groups_path, row=row, field="token") from None
    order = np.argsort(group, kind="stable")
    bounds = np.flatnonzero(np.r_[True, group[order][1:] != group[order][:-1], True])
    left, right = [], []
    for start, end in zip(bounds[:-1], bounds[1:], strict=True):
        members = order[start:end]
        for x in range(len(members) - 1):
            rest = members[x + 1 :]
            left.extend([int(members[x])] * len(rest))
            right.extend(rest.tolist())
    everyone = {name: all_persons(truth) for name, (_, truth) in datasets.items()}
    listed = list(datasets)
    true_pairs = sum(
        count_true_pairs(everyone[listed[i]], everyone[listed[j]])
        for i in range(len(listed))
        for j in range(i + 1, len(listed))
    )
    left_persons = persons[np.asarray(left, dtype=np.int64)].astype(str)
    right_persons = persons[np.asarray(right, dtype=np.int64)].astype(str)
    return quality(left_persons, right_persons, true_pairs)


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
    return reduction_ratio(data["comparisons"], data["records_a"], data["records_b"])
