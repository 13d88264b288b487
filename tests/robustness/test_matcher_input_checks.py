"""Item 4: `pprl match` / `linkage.load` refuse inputs that would give silently wrong results."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from robustness_cli import one_line_error, pprl
from transport_world import encoded_pair

import linkage
from pprl.encoded import MANIFEST_KEY, content_hash, manifest_of, write_encoded
from pprl.errors import EncodedFormatError, InputError

SHARED = 93


def _rewrite(src: Path, dst: Path, **columns) -> Path:
    """`src` with columns replaced, its content hash and manifest made consistent again."""
    table = pq.read_table(src)
    manifest = manifest_of(table, str(src))
    for name, values in columns.items():
        index = table.column_names.index(name)
        table = table.set_column(index, table.schema.field(name), values)
    table = table.replace_schema_metadata(None)
    write_encoded(dst, table, dataclasses.replace(manifest, content_hash=content_hash(table)))
    return dst


def test_matcher_input_checks(tmp_path):
    a, b, truth = encoded_pair(tmp_path, "MCA", "MPS", 300, 200, SHARED, seed=4)
    out = tmp_path / "pairs.csv"
    match = ("match", a, b, "--out", out, "--blocking", "exhaustive", "--threshold", "0.8")
    assert "93 pairs after solver" in pprl(*match).stdout  # the honest files find every match

    # A popcount column that disagrees with the filters (every count doubled: 0 pairs before).
    stored = pq.read_table(b).column("popcount").to_numpy().astype(np.uint16)
    bad_pop = _rewrite(b, tmp_path / "bad-popcount.parquet", popcount=pa.array(stored * 2))
    one_line_error(
        pprl("match", a, bad_pop, "--out", out, "--blocking", "exhaustive"),
        2,
        str(bad_pop),
        "row 0",
        "popcount",
    )
    with pytest.raises(EncodedFormatError, match="row 0"):
        linkage.load(bad_pop)

    # The same record token twice in one file (row 7 repeats row 2).
    tokens = pq.read_table(b).column("record_token").to_pylist()
    repeated = tokens[2]
    tokens[7] = repeated
    dup = _rewrite(b, tmp_path / "duplicate-token.parquet", record_token=pa.array(tokens))
    line = one_line_error(
        pprl("match", a, dup, "--out", out), 2, str(dup), "row 7", "row 2", "record_token"
    )
    assert repeated not in line

    # Thresholds that are not a number in [0, 1]: refused by the CLI and by the API.
    for value in ("nan", "inf", "-0.1", "1.5"):
        result = pprl("match", a, b, "--out", out, "--threshold", value)
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
        assert len(errors) == 1 and "'--threshold'" in errors[0], result.stderr
    left, right = linkage.load(a), linkage.load(b)
    for value in (math.nan, math.inf, -0.1, 1.5):
        with pytest.raises(InputError, match="threshold"):
            linkage.match(left, right, threshold=value)
        with pytest.raises(InputError, match="threshold"):
            linkage.dedup(left, threshold=value)

    # A garbage manifest names the file and says nothing of what it holds.
    table = pq.read_table(a)
    manifest = json.loads(table.schema.metadata[MANIFEST_KEY])
    for name, value in (
        ("blocking_keys", [1, 2]),
        ("schema_fingerprint", {"secret-looking": "张伟"}),
        ("record_count", "300"),
        ("counts", ["x"]),
    ):
        meta = {MANIFEST_KEY: json.dumps({**manifest, name: value}).encode()}
        garbage = tmp_path / f"garbage-{name}.parquet"
        pq.write_table(table.replace_schema_metadata(meta), garbage)
        line = one_line_error(pprl("match", garbage, b, "--out", out), 2, str(garbage), name)
        assert "张伟" not in line
