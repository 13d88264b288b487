"""Item 9: header names are matched stripped, case-folded, without NUL, and by synonym."""

from __future__ import annotations

import pyarrow.parquet as pq
from robustness_cli import one_line_error
from robustness_encode import HEADER, counted, encode, no_temporaries, secret, write_csv

from bloom.files import SYNONYMS


def _filters(path):
    return pq.read_table(path).column("clk").to_pylist()


def test_header_names_are_normalised_and_synonyms_known(tmp_path):
    key = secret(tmp_path)
    clean = tmp_path / "clean.parquet"
    assert encode(key, write_csv(tmp_path / "clean.csv"), clean).returncode == 0
    reference = _filters(clean)

    headers = {
        "spaced": [" record_id ", "NAME", "Id_Number\0", " SEX", "birth_date ", "Address", "PHONE"],
        "chinese": ["编号", "姓名", "身份证号", "性别", "出生日期", "住址", "联系电话"],
        "chinese-gmsf": ["编号", "姓名", "公民身份号码", "性别", "出生日期", "住址", "联系电话"],
        "pinyin": ["ID", "XM", "GMSFHM", "XB", "CSRQ", "ZZ", "LXDH"],
        "pinyin-sfzh": ["id", "xm", "sfzh", "xb", "csrq", "zz", "lxdh"],
    }
    for label, header in headers.items():
        out = tmp_path / f"{label}.parquet"
        result = encode(key, write_csv(tmp_path / f"{label}.csv", header), out)
        assert result.returncode == 0, (label, result.stderr)
        assert "no column found" not in result.stderr, (label, result.stderr)
        assert counted(result, 4) == (4, 0)
        assert _filters(out) == reference, label  # every field found, none silently dropped
        assert pq.read_table(tmp_path / f"{label}.map.parquet").column("record_id")[0].as_py()
    assert set(SYNONYMS) >= set(HEADER)

    # A field without a column: named on stderr (exit 0), an error with --strict.
    no_phone = write_csv(tmp_path / "no-phone.csv", [*HEADER[:-1], "mobile"])
    result = encode(key, no_phone, tmp_path / "no-phone.parquet")
    assert result.returncode == 0
    warned = [line for line in result.stderr.splitlines() if "no column found" in line]
    assert len(warned) == 1 and "phone" in warned[0], result.stderr
    strict = tmp_path / "strict.parquet"
    one_line_error(encode(key, no_phone, strict, "--strict"), 2, str(no_phone), "phone", "--strict")
    assert not strict.exists() and not (tmp_path / "strict.map.parquet").exists()
    no_temporaries(tmp_path)
