"""Item 8: rows that cannot be parsed are rejected with their line, the rest is encoded."""

from __future__ import annotations

import pyarrow.parquet as pq
from robustness_encode import HEADER, ROWS, counted, encode, no_temporaries, rejects, secret


def test_unparsable_rows_are_rejected_not_the_file(tmp_path):
    key = secret(tmp_path)
    lines = [
        ",".join(HEADER),
        ",".join(ROWS[0]),  # line 2: data row 0
        ",".join(ROWS[1][:3]),  # line 3: a short row
        ",".join(ROWS[2]),  # line 4
        ",".join([*ROWS[3], "extra"]),  # line 5: a long row
        ",".join(ROWS[0]).replace("MZ-0001", "MZ-0006"),  # line 6
        ",".join(ROWS[1]).replace("MZ-0002,", 'MZ-0007,"'),  # line 7: a quote that runs on
    ]
    extract = tmp_path / "extract.csv"
    extract.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.parquet"

    result = encode(key, extract, out)  # checks: no plaintext value on stderr or stdout
    assert result.returncode == 0, result.stderr
    assert not [line for line in result.stderr.splitlines() if line.startswith("error")]
    assert counted(result, 6) == (3, 3)
    found = {(r["line"], r["record_id"], r["row"]) for r in rejects(out) if r["field"] == "*"}
    assert found == {("3", "MZ-0002", "1"), ("5", "MZ-0004", "3"), ("7", "MZ-0007", "5")}
    mapping = pq.read_table(tmp_path / "out.map.parquet").to_pydict()
    assert mapping["record_id"] == ["MZ-0001", "MZ-0003", "MZ-0006"]
    assert mapping["source_row"] == [0, 2, 4]  # numbered as in the file, not after the skips
    no_temporaries(tmp_path)
