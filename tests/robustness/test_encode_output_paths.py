"""Item 11: outputs never overwrite an input or the secret, nor an existing file unforced."""

from __future__ import annotations

import shutil

import pyarrow.parquet as pq
from robustness_cli import one_line_error
from robustness_encode import counted, encode, no_temporaries, secret, snapshot, write_csv


def test_outputs_never_replace_inputs_or_existing_files(tmp_path):
    key = secret(tmp_path)
    extract = write_csv(tmp_path / "extract.csv")
    as_parquet = tmp_path / "extract.parquet"
    first = encode(key, extract, tmp_path / "first.parquet")
    assert first.returncode == 0, first.stderr
    pq.write_table(pq.read_table(tmp_path / "first.map.parquet"), as_parquet)  # any Parquet
    map_input = tmp_path / "x.map.parquet"
    shutil.copy(as_parquet, map_input)
    rejects_input = write_csv(tmp_path / "y.rejects.csv")
    before = snapshot(tmp_path)

    cases = [
        (as_parquet, as_parquet, (str(as_parquet), "output would overwrite the input")),
        (extract, key, (str(key), "output would overwrite the secret")),
        (map_input, tmp_path / "x.parquet", (str(map_input), "map would overwrite the input")),
        (
            rejects_input,
            tmp_path / "y.parquet",
            (str(rejects_input), "rejects file would overwrite the input"),
        ),
        (extract, tmp_path / "first.parquet", ("first.parquet", "exists", "--force")),
    ]
    for source, out, expected in cases:
        for extra in ((), ("--force",)) if "--force" not in expected else ((),):
            one_line_error(encode(key, source, out, *extra), 2, *expected)
    assert snapshot(tmp_path) == before  # the secret, the inputs, the first map: unchanged

    # The map alone left from an earlier run is not replaced either; --force replaces all.
    (tmp_path / "first.parquet").unlink()
    one_line_error(
        encode(key, extract, tmp_path / "first.parquet"), 2, "first.map.parquet", "exists"
    )
    assert snapshot(tmp_path) == {k: v for k, v in before.items() if k != "first.parquet"}
    forced = encode(key, extract, tmp_path / "first.parquet", "--force")
    assert forced.returncode == 0, forced.stderr
    assert counted(forced, 4) == (4, 0)
    no_temporaries(tmp_path)
