"""Matched pairs that warnings are issued from: a run's result or a pairs CSV.

Either way only opaque record tokens and scores are read, and every token must look like one
(32 lowercase hex characters, `pprl.encoded`): a file carrying names or ID numbers instead is
refused at the row and field where it does, so no plaintext can reach the warnings table.

    a run:   read through the matcher's own run files (pprl.runfiles.RunDirectory); the run
             must have succeeded under the agreement, and the datasets the warnings are
             issued for must be the run's own, in its order (left = dataset A): a dataset
             is named by its id at the matcher (`low-income-3f2a9c0d11e4`) or by the name
             it was uploaded under (`low-income`), compared as the rules compare names
    a CSV:   token_a,token_b,score as `pprl match` writes it
"""

from __future__ import annotations

import csv
import hashlib
import math
import re
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from governance.warning_rules import dataset_key
from pprl.encoded import TOKEN_PATTERN
from pprl.errors import InputError, NotFound
from pprl.runfiles import RunDirectory, RunState

PAIR_COLUMNS = ("token_a", "token_b", "score")
_TOKEN = re.compile(TOKEN_PATTERN)  # the encoded format's own record-token rule
_DIGEST_SUFFIX = re.compile(r"-[0-9a-f]{12}$")  # a dataset id is `<name>-<content digest>`


@dataclass(frozen=True)
class MatchedPair:
    token_a: str
    token_b: str
    score: float


@dataclass(frozen=True)
class PairSource:
    """Where pairs came from: `label` is the run id or `pairs-sha256:<digest prefix>`."""

    label: str
    pairs: tuple[MatchedPair, ...]


def pairs_from_csv(path: Path) -> PairSource:
    try:
        raw = Path(path).read_bytes()
        text = raw.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        raise InputError("cannot read the pairs file as UTF-8 text", path=str(path)) from None
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header) != PAIR_COLUMNS:
        raise InputError(f"header must be {','.join(PAIR_COLUMNS)}", path=str(path), row=1)
    rows = []
    for number, row in enumerate(reader, start=2):
        if not row:
            continue
        if len(row) != len(PAIR_COLUMNS):
            raise InputError(f"expected {len(PAIR_COLUMNS)} values", path=str(path), row=number)
        rows.append((number, row[0].strip(), row[1].strip(), row[2].strip()))
    label = f"pairs-sha256:{hashlib.sha256(raw).hexdigest()[:32]}"
    return PairSource(label, _checked(rows, str(path)))


def pairs_from_run(
    data_dir: Path, run_id: str, agreement_id: str, *, datasets: tuple[str, str]
) -> PairSource:
    """The run's pairs, if it succeeded under `agreement_id` over `datasets` (left, right)."""
    try:
        files = RunDirectory.in_data_dir(data_dir, run_id)
    except NotFound:
        raise InputError("not a run id (run-<16 hex>)", field="run") from None
    try:
        spec, state = files.spec_data(), files.status().state
    except (NotFound, OSError, ValueError, KeyError, TypeError):
        raise InputError(f"no readable run {run_id}", field="run") from None  # no server path
    if spec.get("agreement_id") != agreement_id:
        raise InputError(f"run {run_id} was not made under agreement {agreement_id}", field="run")
    if state is not RunState.SUCCEEDED:
        raise InputError(f"run {run_id} has not succeeded (state {state.value})", field="run")
    _check_run_datasets(run_id, (spec.get("dataset_a"), spec.get("dataset_b")), datasets)
    path = files.result_path
    try:
        table = pq.read_table(path, columns=list(PAIR_COLUMNS))
    except (OSError, pa.ArrowInvalid, KeyError):
        raise InputError("cannot read the run's result", path=str(path)) from None
    columns = [table.column(c).to_pylist() for c in PAIR_COLUMNS]
    rows = [(i, a, b, s) for i, (a, b, s) in enumerate(zip(*columns, strict=True), start=1)]
    return PairSource(run_id, _checked(rows, str(path)))


def _names_of(dataset_id: str) -> set[str]:
    """The names a run's dataset goes by: its id and the name it was uploaded under."""
    return {dataset_key(dataset_id), dataset_key(_DIGEST_SUFFIX.sub("", dataset_id))}


def _check_run_datasets(run_id: str, run_datasets: tuple, given: tuple[str, str]) -> None:
    if not all(isinstance(d, str) and d for d in run_datasets):
        raise InputError(f"run {run_id} names no datasets", field="run")
    for side, option, run_dataset, name in zip(
        "AB", ("left-dataset", "right-dataset"), run_datasets, given, strict=True
    ):
        if dataset_key(name) not in _names_of(run_dataset):
            raise InputError(
                f"run {run_id} matched {run_datasets[0]} (A, left) with {run_datasets[1]} "
                f"(B, right); --{option} {name} is not its dataset {side}",
                field=option,
            )


def _checked(rows: list[tuple[int, object, object, object]], where: str) -> tuple[MatchedPair, ...]:
    pairs, seen = [], {}
    for number, token_a, token_b, score_text in rows:
        for field, token in (("token_a", token_a), ("token_b", token_b)):
            if not isinstance(token, str) or not _TOKEN.match(token):
                # Say what is wrong without echoing the value: it may be someone's name.
                raise InputError(
                    "not a record token (32 hex characters)", path=where, row=number, field=field
                )
        try:
            score = float(score_text)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise InputError("not a number", path=where, row=number, field="score") from None
        if not (math.isfinite(score) and 0.0 <= score <= 1.0):
            raise InputError("score must be between 0 and 1", path=where, row=number, field="score")
        key = (token_a, token_b)
        if key in seen:
            raise InputError(f"the same pair as row {seen[key]}", path=where, row=number)
        seen[key] = number
        pairs.append(MatchedPair(token_a, token_b, score))  # type: ignore[arg-type]
    return tuple(pairs)
