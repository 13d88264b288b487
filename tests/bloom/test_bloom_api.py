"""The simple layer of `bloom`, the file API, and a light `bloom.secret` (the exported names
are pinned in tests/test_public_surface.py)."""

from __future__ import annotations

import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import bloom
from pprl.encoded import read_encoded
from pprl.errors import InputError

SECRET = bloom.LinkageSecret.from_bytes(bytes(range(32)))


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


def test_an_encode_result_becomes_a_dataset_the_matcher_takes():
    import linkage

    records = [{"name": "张伟", "id_number": "11010519491231002X"}, {"name": "李娜"}]
    result = bloom.encode(records, "cn-identity", SECRET)
    dataset = result.to_dataset(department="GA")
    assert len(dataset) == 2 and dataset.tokens.to_pylist() == result.record_tokens
    assert dataset.manifest == result.manifest(department="GA")
    assert dataset.blocking.keys() == result.blocking.keys()
    assert dataset.manifest.key_id == SECRET.key_id
    again = bloom.encode(records[:1], "cn-identity", SECRET).to_dataset()
    assert len(linkage.match(dataset, again)) == 1


def test_chunked_files_give_the_same_encoding_and_aligned_ids(tmp_path):
    names = ["张伟", "", "李娜", "王芳", "", "刘洋", "陈静"]
    source = tmp_path / "extract.csv"
    lines = ["BH,XM"] + [f"id{i},{n}" for i, n in enumerate(names)]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    columns = {"name": "XM", "record_id": "BH"}
    whole = bloom.encode_file(source, tmp_path / "a.parquet", "cn-identity", SECRET, columns)
    calls = []
    parts = bloom.encode_file(
        source, tmp_path / "b.parquet", "cn-identity", SECRET, columns, chunk_size=2,
        progress=lambda done, total: calls.append((done, total)),
    )  # fmt: skip
    assert calls == [(2, 7), (2, 7), (2, 7), (1, 7)]  # the total is counted before reading
    a, b = read_encoded(whole.out_path), read_encoded(parts.out_path)
    assert (a.filters == b.filters).all() and len(a) == 5
    ids_a = pq.read_table(whole.map_path).to_pydict()
    ids_b = pq.read_table(parts.map_path).to_pydict()
    assert ids_a["record_id"] == ids_b["record_id"] == ["id0", "id2", "id3", "id5", "id6"]
    assert ids_b["source_row"] == [0, 2, 3, 5, 6]
    rejected_rows = sorted(int(line.split(",")[0]) for line in
                           (tmp_path / "b.rejects.csv").read_text().splitlines()[1:])  # fmt: skip
    assert rejected_rows == [1, 4]


def test_non_utf8_data_after_an_ascii_header_is_one_clear_error(tmp_path):
    source = tmp_path / "gbk.csv"
    source.write_bytes(b"name,phone\n" + "张伟,13800138000\n".encode("gbk"))
    with pytest.raises(InputError) as info:
        bloom.encode_file(source, tmp_path / "o.parquet", "cn-identity", SECRET)
    assert "try --encoding gbk" in str(info.value) and str(source) in str(info.value)
    ok = bloom.encode_file(source, tmp_path / "o.parquet", "cn-identity", SECRET, encoding="gbk")
    assert ok.encoded == 1
