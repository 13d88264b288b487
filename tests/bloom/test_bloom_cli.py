"""`pprl keys new`, `pprl encode` and `pprl clk export|import` as a department runs them."""

from __future__ import annotations

import base64
import csv
import json
import logging
import subprocess
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from bloom.cn_id import check_char
from bloom.secret import LinkageSecret
from pprl.encoded import read_encoded
from pprl_app.cli import main

PASSPHRASE = "correct horse battery"
COLUMNS = {
    "record_id": "救助对象编号",
    "name": "姓名",
    "id_number": "身份证号",
    "sex": "性别",
    "birth_date": "出生日期",
    "address": "家庭住址",
    "phone": "联系电话",
}
ROWS = [
    ["MZ001", "张伟", "11010519800102301" + check_char("11010519800102301"), "男", "1980-01-02",
     "北京市海淀区中关村大街1号", "13800138000"],
    ["MZ002", "阿依古丽·吐尔逊", "650102198001023024", "女", "1980年1月2日", "",
     "+86 139 0000 0000"],
    ["MZ003", "", "", "男", "1970-01-01", "", ""],
    ["MZ004", "李娜", "110105491231002", "", "", "", "0101234"],
]  # fmt: skip


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("PPRL_PASSPHRASE", PASSPHRASE)


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def key_file(tmp_path, env, runner):
    path = tmp_path / "dept.key"
    result = runner.invoke(main, ["keys", "new", "--out", str(path)])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def extract(tmp_path):
    path = tmp_path / "mz_low_income.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*COLUMNS.values(), "救助类别"])
        for row in ROWS:
            writer.writerow([*row, "低保"])
    (tmp_path / "mz_low_income.columns.json").write_text(json.dumps(COLUMNS, ensure_ascii=False))
    return path


def test_keys_new_prints_only_the_key_id(tmp_path, key_file, runner):
    secret = LinkageSecret.load(key_file, PASSPHRASE.encode())
    again = runner.invoke(main, ["keys", "new", "--out", str(key_file)])
    assert again.exit_code != 0 and "refusing to overwrite" in again.output
    other = tmp_path / "other.key"
    result = runner.invoke(main, ["keys", "new", "--out", str(other)])
    assert result.output.strip() == LinkageSecret.load(other, PASSPHRASE.encode()).key_id
    assert secret.key_id != result.output.strip()


def test_encode_writes_dataset_map_and_rejects(tmp_path, key_file, extract, runner):
    out = tmp_path / "mz.parquet"
    result = runner.invoke(main, [
        "encode", "--schema", "cn-identity", "--secret", str(key_file), "--input", str(extract),
        "--out", str(out), "--columns", str(tmp_path / "mz_low_income.columns.json"),
        "--department", "MZ",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "encoded 3 of 4 rows" in result.output
    assert "rejected rows: 1" in result.output
    assert "not encoded by this schema: sex" in result.output  # mapped, left out on purpose
    dataset = read_encoded(out)
    secret = LinkageSecret.load(key_file, PASSPHRASE.encode())
    assert dataset.manifest.key_id == secret.key_id
    assert dataset.manifest.department == "MZ"
    assert dataset.manifest.counts["id_upgraded_15"] == 1
    assert dataset.manifest.record_count == 3
    mapping = pq.read_table(tmp_path / "mz.map.parquet").to_pydict()
    assert mapping["record_id"] == ["MZ001", "MZ002", "MZ004"]
    assert mapping["source_row"] == [0, 1, 3]
    assert mapping["record_token"] == dataset.tokens.to_pylist()
    assert not set(mapping["record_token"]) & {"MZ001", "MZ002", "MZ004"}
    with open(tmp_path / "mz.rejects.csv", encoding="utf-8") as handle:
        rejects = list(csv.DictReader(handle))
    assert {(r["row"], r["field"]) for r in rejects} >= {("2", "*"), ("3", "phone")}


def test_encode_reads_parquet_and_map_pairs(tmp_path, key_file, runner):
    table = pa.table({"XM": ["张伟", "李娜"], "ZJHM": ["110105491231002", ""], "ID": ["a", "b"]})
    pq.write_table(table, tmp_path / "in.parquet")
    result = runner.invoke(main, [
        "encode", "--secret", str(key_file), "--input", str(tmp_path / "in.parquet"),
        "--out", str(tmp_path / "out.parquet"), "--map", "name=XM", "--map", "id_number=ZJHM",
        "--map", "record_id=ID", "--quiet",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout == ""  # --quiet; the fields without a column are named on stderr
    assert "birth_date, address, phone" in result.stderr
    assert pq.read_table(tmp_path / "out.map.parquet").column("record_id").to_pylist() == [
        "a",
        "b",
    ]


def test_columns_file_from_the_synthetic_generator(tmp_path, key_file, runner):
    synthetic = pytest.importorskip("pprl_synthetic")
    scenario = synthetic.generate_scenario("low-income-vs-deaths", 1500, 3, tmp_path / "syn")
    assert scenario["extracts"]
    for extract in scenario["extracts"]:
        csv_path = tmp_path / "syn" / extract["file"]
        result = runner.invoke(main, [
            "encode", "--secret", str(key_file), "--input", str(csv_path),
            "--columns", str(tmp_path / "syn" / extract["columns_file"]),
            "--out", str(tmp_path / f"{extract['name']}.parquet"), "--quiet",
        ])  # fmt: skip
        assert result.exit_code == 0, result.output
        dataset = read_encoded(tmp_path / f"{extract['name']}.parquet")
        rejected = dataset.manifest.counts["rejected_rows"]
        assert dataset.manifest.record_count + rejected == extract["rows"]


@pytest.mark.parametrize(
    "case, expected",
    [
        ("bad schema", "invalid schema"),
        ("missing schema", "no such schema file"),
        ("wrong passphrase", "cannot open linkage secret"),
        ("missing input", "no such file"),
        # the long row is a reject now (tests/robustness); the file has no schema field
        ("broken csv", "has none of the schema's fields"),
        ("gbk input", "not utf-8 text (try --encoding gbk)"),
        ("unknown mapped column", "has no column 'NOPE'"),
        ("mapped field no schema knows", "names 'colour', which is not a field of schema"),
        ("bad map pair", "--map expects field=column"),
    ],
)
def test_bad_input_is_one_line_without_traceback(tmp_path, key_file, extract, case, expected):
    args = [
        "--secret",
        str(key_file),
        "--input",
        str(extract),
        "--out",
        str(tmp_path / "o.parquet"),
    ]
    env_pass = PASSPHRASE
    if case == "bad schema":
        (tmp_path / "s.json").write_text('{"schema_version": 1, "fields": []}')
        args += ["--schema", str(tmp_path / "s.json")]
    elif case == "missing schema":
        args += ["--schema", str(tmp_path / "none.json")]
    elif case == "wrong passphrase":
        env_pass = "not it"
    elif case == "missing input":
        args[3] = str(tmp_path / "absent.csv")
    elif case == "broken csv":
        (tmp_path / "broken.csv").write_bytes(b"a,b\n1,2,3\n")
        args[3] = str(tmp_path / "broken.csv")
    elif case == "gbk input":
        (tmp_path / "gbk.csv").write_bytes("姓名\n张伟\n".encode("gbk"))
        args[3] = str(tmp_path / "gbk.csv")
    elif case == "unknown mapped column":
        args += ["--map", "name=NOPE"]
    elif case == "mapped field no schema knows":
        args += ["--map", "colour=姓名"]  # a typo must not be read past like a known field
    else:
        args += ["--map", "name"]
    if case in ("wrong passphrase", "missing input"):  # a real process: no traceback at all
        proc = subprocess.run(
            [sys.executable, "-c", "from pprl_app.cli import main; main()", "encode", *args],
            capture_output=True,
            text=True,
            env={"PPRL_PASSPHRASE": env_pass, "PATH": "/usr/bin:/bin"},
            timeout=120,
        )
        code, stderr = proc.returncode, proc.stderr
    else:
        result = CliRunner().invoke(main, ["encode", *args], env={"PPRL_PASSPHRASE": env_pass})
        code, stderr = result.exit_code, result.stderr
        assert result.exception is None or isinstance(result.exception, SystemExit)
    assert code != 0
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ") and expected in lines[0], lines[0]
    assert "Traceback" not in stderr
    assert not (tmp_path / "o.parquet").exists()


def test_clk_export_import_round_trip(tmp_path, key_file, extract, runner):
    out = tmp_path / "mz.parquet"
    columns = str(tmp_path / "mz_low_income.columns.json")
    runner.invoke(main, ["encode", "--secret", str(key_file), "--input", str(extract),
                         "--out", str(out), "--columns", columns])  # fmt: skip
    result = runner.invoke(main, ["clk", "export", str(out), "--out", str(tmp_path / "c.json")])
    assert result.exit_code == 0, result.output
    exported = json.loads((tmp_path / "c.json").read_text())
    original = read_encoded(out)
    assert len(exported["clks"]) == len(original)
    first = np.frombuffer(base64.b64decode(exported["clks"][0]), dtype=np.uint8)
    assert np.array_equal(first, original.filters[0].view(np.uint8))
    result = runner.invoke(main, ["clk", "import", str(tmp_path / "c.json"), "--out",
                                  str(tmp_path / "back.parquet"), "--schema-label", "clkhash:x",
                                  "--key-label", "shared-1"])  # fmt: skip
    assert result.exit_code == 0, result.output
    back = read_encoded(tmp_path / "back.parquet")
    assert np.array_equal(back.filters, original.filters)
    assert back.manifest.key_id == "shared-1"
    exported["clks"][1] = base64.b64encode(b"short").decode()
    (tmp_path / "bad.json").write_text(json.dumps(exported))
    bad = runner.invoke(main, ["clk", "import", str(tmp_path / "bad.json"),
                               "--out", str(tmp_path / "x.parquet"),
                               "--schema-label", "a", "--key-label", "b"])  # fmt: skip
    assert bad.exit_code != 0 and "row 1" in bad.output and "40 bits" in bad.output


def test_secret_never_reaches_outputs_logs_or_terminal(tmp_path, key_file, extract, runner, caplog):
    secret = LinkageSecret.load(key_file, PASSPHRASE.encode())
    raw = secret.expose()
    feature_key = secret.derive(b"pprl/bloom/v1")
    needles = [raw, raw.hex().encode(), base64.b64encode(raw), feature_key, PASSPHRASE.encode()]
    out = tmp_path / "mz.parquet"
    with caplog.at_level(logging.DEBUG):
        result = runner.invoke(main, [
            "encode", "--secret", str(key_file), "--input", str(extract), "--out", str(out),
            "--columns", str(tmp_path / "mz_low_income.columns.json"),
        ])  # fmt: skip
    runner.invoke(main, ["clk", "export", str(out), "--out", str(tmp_path / "c.json")])
    assert result.exit_code == 0
    written = [p for p in tmp_path.iterdir() if p.is_file() and p.name != "dept.key"]
    assert len(written) >= 5
    blobs = [p.read_bytes() for p in written]
    blobs += [result.output.encode(), caplog.text.encode(), key_file.read_bytes()]
    for blob in blobs:
        for needle in needles:
            assert needle not in blob


def test_exported_filters_read_the_same_in_clkhash_and_anonlink(
    tmp_path, key_file, extract, runner
):
    serialization = pytest.importorskip("clkhash.serialization")
    similarities = pytest.importorskip("anonlink.similarities")
    out = tmp_path / "mz.parquet"
    columns = str(tmp_path / "mz_low_income.columns.json")
    runner.invoke(main, ["encode", "--secret", str(key_file), "--input", str(extract),
                         "--out", str(out), "--columns", columns])  # fmt: skip
    runner.invoke(main, ["clk", "export", str(out), "--out", str(tmp_path / "c.json")])
    peer = [serialization.deserialize_bitarray(c)
            for c in json.loads((tmp_path / "c.json").read_text())["clks"]]  # fmt: skip
    ours = np.unpackbits(read_encoded(out).filters.view(np.uint8), axis=1)
    assert [list(map(int, b.tolist())) for b in peer] == ours.tolist()
    sims, (left, right) = similarities.dice_coefficient_accelerated([peer, peer], 0.0)
    for score, i, j in zip(sims, left, right, strict=True):
        a, b = ours[i], ours[j]
        assert score == pytest.approx(2 * (a & b).sum() / (a.sum() + b.sum()))
