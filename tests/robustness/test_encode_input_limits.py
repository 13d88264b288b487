"""Item 13: a huge field, a bad byte, a workbook, a wrong or missing passphrase."""

from __future__ import annotations

import time

from robustness_cli import one_line_error
from robustness_encode import (
    HEADER,
    ROWS,
    counted,
    encode,
    environ,
    no_temporaries,
    rejects,
    secret,
    snapshot,
    write_csv,
)


def test_encoder_input_limits(tmp_path):
    key = secret(tmp_path)
    huge = [*ROWS[1][:5], "北" * (2 << 20), ROWS[1][6]]  # a 6 MiB address
    big = write_csv(tmp_path / "big.csv", HEADER, [ROWS[0], huge, *ROWS[2:]])
    out = tmp_path / "big.parquet"
    result = encode(key, big, out)
    assert result.returncode == 0, result.stderr
    assert counted(result, 4) == (3, 1)
    assert [(r["row"], r["reason"]) for r in rejects(out)] == [("1", "row over 4 MiB")]

    good = write_csv(tmp_path / "good.csv")
    workbook = tmp_path / "extract.xlsx"
    workbook.write_bytes(b"PK\x03\x04" + bytes(60))
    before = snapshot(tmp_path)
    target = tmp_path / "o.parquet"
    # A bad byte rejects its row (test_encode_bad_text_and_workbooks.py); a damaged workbook
    # is named as one.
    one_line_error(encode(key, workbook, target), 2, str(workbook), "Excel workbook")
    one_line_error(
        encode(key, good, target, env=environ(PPRL_PASSPHRASE="not the passphrase")),
        1,
        str(key),
        "wrong passphrase",
    )
    started = time.monotonic()
    result = encode(key, good, target, env=environ(PPRL_PASSPHRASE=None))
    one_line_error(result, 1, "PPRL_PASSPHRASE", "no terminal")
    assert time.monotonic() - started < 30 and "Passphrase for" not in result.stderr
    assert snapshot(tmp_path) == before
    no_temporaries(tmp_path)
