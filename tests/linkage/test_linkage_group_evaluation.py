"""`pprl evaluate-groups` on small hand-made maps and truth files: counting and bad input."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from pprl_app.cli import main

# Two records in each dataset: person P and person Q (tokens t1 -> P's record, t2 -> Q's).
PEOPLE = {"A": ("P", "Q"), "B": ("P", "Q"), "C": ("Q", "P")}


@pytest.fixture
def files(tmp_path):
    args = []
    for name, people in PEOPLE.items():
        ids = [f"{name.lower()}{i + 1}" for i in range(len(people))]
        pq.write_table(
            pa.table({"record_token": ["t1", "t2"], "source_row": [0, 1], "record_id": ids}),
            tmp_path / f"{name}.map.parquet",
        )
        rows = "".join(f"{r},{p}\n" for r, p in zip(ids, people, strict=True))
        (tmp_path / f"{name}.csv").write_text("record_id,person_id\n" + rows)
        args += [
            "--dataset",
            name,
            str(tmp_path / f"{name}.map.parquet"),
            str(tmp_path / f"{name}.csv"),
        ]
    return tmp_path, args


def _evaluate(tmp_path, args, lines):
    groups = tmp_path / "groups.csv"
    groups.write_text("group,dataset,token\n" + "".join(f"{line}\n" for line in lines))
    return CliRunner().invoke(main, ["evaluate-groups", str(groups), *args]), groups


def test_pairs_inside_groups_are_counted_against_every_two_datasets(files):
    tmp_path, args = files
    # Group 1 holds P (A, B) and Q (C, t1); group 2 holds Q in A and B.
    result, _ = _evaluate(tmp_path, args, ["1,A,t1", "1,B,t1", "1,C,t1", "2,A,t2", "2,B,t2"])
    assert result.exit_code == 0, result.output
    # 4 linked pairs: A-B (P, right), A-C and B-C (P with Q, wrong), A-B in group 2 (right).
    # True pairs: 2 for each of the three dataset pairs.
    assert "linked pairs 4  true pairs 6  TP 2  FP 2  FN 4" in result.output


def test_an_unknown_token_is_reported_at_its_row_of_the_file(files):
    tmp_path, args = files
    result, groups = _evaluate(tmp_path, args, ["1,A,t1", "1,B,t1", "2,A,t2", "2,B,nope"])
    assert result.exit_code == 2
    assert f"{groups}, row 4, field 'token'" in result.output


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["1,A,t1", "1,B,t1", "2,A,t1", "2,B,t2"], "row 3, field 'token': token already listed"),
        (["1,A,t1", "1,A,t2", "1,B,t1"], "row 2, field 'dataset': group 1 already holds"),
    ],
)
def test_a_record_listed_twice_or_two_of_one_dataset_in_a_group_is_refused(files, lines, message):
    tmp_path, args = files
    result, _ = _evaluate(tmp_path, args, lines)
    assert result.exit_code == 2 and message in result.output


def test_groups_refuses_one_file_given_twice(tmp_path):
    path = tmp_path / "a.parquet"
    path.write_bytes(b"not read")
    result = CliRunner().invoke(main, ["groups", str(path), str(path), "--out", "x.csv"])
    assert result.exit_code == 2 and "the same file is given twice" in result.output
