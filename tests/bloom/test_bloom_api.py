"""The public surface of `bloom`: the simple layer, the file API, and a light `bloom.secret`."""

from __future__ import annotations

import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq

import bloom
from pprl.encoded import read_encoded

SECRET = bloom.LinkageSecret.from_bytes(bytes(range(32)))


def test_exported_members():
    assert bloom.__all__ == sorted(
        ["EncodeResult", "EncodeSummary", "LinkageSecret", "Schema", "encode", "encode_file",
         "load_schema"]
    )  # fmt: skip
    for name in bloom.__all__:
        assert getattr(bloom, name) is not None


def test_importing_the_secret_stays_light():
    heavy = "{'numba', 'pypinyin', 'opencc'}"
    code = f"import sys, bloom.secret; print(sorted({heavy} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_encode_file_api(tmp_path):
    source = tmp_path / "extract.parquet"
    pq.write_table(
        pa.table(
            {"XM": ["张伟", "", "李娜"], "SFZH": ["110105491231002", "", ""], "BH": ["a", "b", "c"]}
        ),
        source,
    )
    summary = bloom.encode_file(
        source, tmp_path / "out.parquet", "cn-identity", SECRET,
        columns={"name": "XM", "id_number": "SFZH", "record_id": "BH"}, department="GA",
    )  # fmt: skip
    assert (summary.input_rows, summary.encoded, summary.rejected_rows) == (3, 2, 1)
    dataset = read_encoded(summary.out_path)
    assert dataset.manifest.department == "GA" and len(dataset) == 2
    assert pq.read_table(summary.map_path).column("record_id").to_pylist() == ["a", "c"]
    assert "row not encoded" in (tmp_path / "out.rejects.csv").read_text()
