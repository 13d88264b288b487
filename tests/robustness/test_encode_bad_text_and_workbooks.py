"""Item 9: an undecodable byte or a row over 4 MiB rejects its row, not the file; a workbook
is read (dates as ISO dates, ID numbers exact or refused per row)."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pyarrow.parquet as pq
from robustness_encode import (
    HEADER,
    ROWS,
    counted,
    encode,
    no_temporaries,
    rejects,
    secret,
    write_csv,
)


def _map(out):
    return pq.read_table(str(out).replace(".parquet", ".map.parquet")).to_pylist()


def test_bad_text_and_workbooks(tmp_path):
    key = secret(tmp_path)

    # An invalid UTF-8 byte in row 2 (line 4): that row is a reject, the 3 others encoded.
    good = write_csv(tmp_path / "good.csv")
    lines = good.read_bytes().splitlines(keepends=True)
    lines[3] = lines[3].replace("王芳".encode(), b"\xff\xfe")
    bad_byte = tmp_path / "bad-byte.csv"
    bad_byte.write_bytes(b"".join(lines))
    out = tmp_path / "bad-byte.parquet"
    result = encode(key, bad_byte, out)
    assert result.returncode == 0, result.stderr
    assert counted(result, 4) == (3, 1)
    [reject] = rejects(out)
    assert (reject["row"], reject["line"], reject["field"]) == ("2", "4", "name")
    assert reject["reason"] == "not utf-8 text (try --encoding gbk)"
    assert [r["source_row"] for r in _map(out)] == [0, 1, 3]

    # The same in a GBK file read with --encoding gbk, and a 20 MiB last row: rows rejected.
    gbk = tmp_path / "gbk.csv"
    text = "\n".join(",".join(r) for r in [HEADER, *ROWS]) + "\n"
    raw = text.encode("gbk").replace("刘洋".encode("gbk"), b"\x80\xff")
    gbk.write_bytes(raw + b"MZ-0005,x," + b"a" * (20 << 20) + b",,,,\n")
    out = tmp_path / "gbk.parquet"
    result = encode(key, gbk, out, "--encoding", "gbk")
    assert result.returncode == 0, result.stderr
    assert counted(result, 5) == (3, 2)
    assert [(r["line"], r["field"], r["reason"]) for r in rejects(out)] == [
        ("5", "name", "not gbk text"),
        ("6", "*", "row over 4 MiB"),
    ]

    # A workbook: dates in date cells, phones and a short ID as numbers, 18-digit IDs as text
    # and one as a number (Excel's 1.10105198001023E+17: its last digits are gone).
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for i, row in enumerate(ROWS):
        cells: list[object] = list(row)
        cells[4] = dt.datetime.fromisoformat(row[4])  # a date cell
        cells[6] = int(row[6])  # a phone typed as a number
        if i == 2:
            cells[2] = float(row[2])  # an ID number typed as a number
        sheet.append(cells)
    sheet.append([None] * len(HEADER))  # trailing empty rows, as formatting leaves them
    workbook = tmp_path / "extract.xlsx"
    book.save(workbook)
    csv_out, xlsx_out = tmp_path / "from-csv.parquet", tmp_path / "from-xlsx.parquet"
    assert encode(key, good, csv_out).returncode == 0
    result = encode(key, workbook, xlsx_out)
    assert result.returncode == 0, result.stderr
    assert counted(result, 4) == (3, 1)
    [reject] = rejects(xlsx_out)
    assert (reject["row"], reject["line"], reject["field"]) == ("2", "4", "id_number")
    assert "Excel" in reject["reason"] and "15 digits" in reject["reason"]
    assert [r["record_id"] for r in _map(xlsx_out)] == ["MZ-0001", "MZ-0002", "MZ-0004"]
    # The rows read from the workbook encode as the same rows read from the CSV: the same
    # blocking keys and the same filters.
    from_csv, from_xlsx = pq.read_table(csv_out), pq.read_table(xlsx_out)
    keys = [c for c in from_csv.column_names if c.startswith("bk_")]
    assert keys
    for column in keys:
        whole = from_csv.column(column).to_pylist()
        assert from_xlsx.column(column).to_pylist() == [whole[0], whole[1], whole[3]]
    assert from_xlsx.column("clk").to_pylist() == [
        from_csv.column("clk").to_pylist()[i] for i in (0, 1, 3)
    ]
    no_temporaries(tmp_path)
