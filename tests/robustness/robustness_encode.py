"""`pprl encode` as a real process, for the encoder's cases: a secret, an extract, the checks.

Every case checks the same things: the exit code and the one `error:` line (robustness_cli),
no plaintext value of the extract on stderr or stdout, every input row either encoded or
rejected, and the directory left as it was apart from the outputs asked for (no temporary
file, nothing half-written, nothing replaced that was there before).
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import subprocess
from pathlib import Path

from robustness_cli import pprl

from bloom.cn_id import check_char
from bloom.secret import LinkageSecret, ScryptParams

PASSPHRASE = "encoder-case-passphrase-7c1d"
HEADER = ["record_id", "name", "id_number", "sex", "birth_date", "address", "phone"]


def _id(body: str) -> str:
    return body + check_char(body)


ROWS = [
    ["MZ-0001", "张伟", _id("11010519800102301"), "男", "1980-01-02", "北京市海淀区中关村大街1号",
     "13800138000"],
    ["MZ-0002", "李娜", _id("11010519850315202"), "女", "1985-03-15", "北京市朝阳区建国路88号",
     "13900139000"],
    ["MZ-0003", "王芳", _id("44030119900707402"), "女", "1990-07-07", "深圳市福田区深南大道100号",
     "13700137000"],
    ["MZ-0004", "刘洋", _id("51010719751111601"), "男", "1975-11-11", "成都市武侯区人民南路4段",
     "13600136000"],
]  # fmt: skip
PLAINTEXT = [value for row in ROWS for value in row[1:]]


def secret(tmp: Path) -> Path:
    path = tmp / "dept.key"
    LinkageSecret.generate().save(path, PASSPHRASE.encode(), params=ScryptParams(log2_n=10))
    return path


def environ(**changes: str | None) -> dict:
    env = dict(os.environ, PPRL_PASSPHRASE=PASSPHRASE)
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def write_csv(path: Path, header=HEADER, rows=ROWS) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def encode(key: Path, input: Path, out: Path, *args, env: dict | None = None):
    result = pprl(
        "encode", "--secret", key, "--input", input, "--out", out, *args, env=env or environ()
    )
    no_plaintext(result)
    return result


def no_plaintext(result: subprocess.CompletedProcess, values=PLAINTEXT) -> None:
    for value in values:
        assert value not in result.stderr, result.stderr
        assert value not in result.stdout, result.stdout


def counted(result: subprocess.CompletedProcess, rows_in: int) -> tuple[int, int]:
    """(encoded, rejected) from the summary; every input row is one or the other."""
    found = re.search(r"encoded (\d+) of (\d+) rows", result.stdout)
    rejected = re.search(r"rejected rows: (\d+)", result.stdout)
    assert found and rejected, result.stdout + result.stderr
    encoded, total, rejected = int(found[1]), int(found[2]), int(rejected[1])
    assert total == rows_in and encoded + rejected == rows_in, result.stdout
    return encoded, rejected


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` and a digest of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def no_temporaries(folder: Path) -> None:
    left = [p.name for p in folder.rglob("*") if p.name.endswith(".tmp")]
    assert not left, left


def rejects(out: Path) -> list[dict[str, str]]:
    stem = out.with_suffix("") if out.suffix == ".parquet" else out
    with open(f"{stem}.rejects.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))
