"""Item 10: a duplicated header, an unknown encoding and a struct column: one line, exit 2."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
from robustness_cli import one_line_error
from robustness_encode import HEADER, ROWS, encode, no_temporaries, secret, snapshot, write_csv


def test_encoder_crashes_are_one_line_input_errors(tmp_path):
    key = secret(tmp_path)
    duplicated = write_csv(
        tmp_path / "duplicated.csv", [*HEADER, "name"], [[*row, row[1]] for row in ROWS]
    )
    good = write_csv(tmp_path / "good.csv")
    nested = tmp_path / "nested.parquet"
    pq.write_table(
        pa.table({"record_id": [r[0] for r in ROWS], "name": [{"given": r[1]} for r in ROWS]}),
        nested,
    )
    before = snapshot(tmp_path)
    cases = [
        (duplicated, (), (str(duplicated), "field 'name'", "twice")),
        (good, ("--encoding", "nope"), (str(good), "'nope'", "encoding")),
        (nested, (), (str(nested), "field 'name'", "struct")),
    ]
    for source, extra, expected in cases:
        result = encode(key, source, tmp_path / "out.parquet", *extra)
        one_line_error(result, 2, *expected)
        assert "unexpected" not in result.stderr
    assert snapshot(tmp_path) == before  # nothing written
    no_temporaries(tmp_path)
