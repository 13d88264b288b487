"""Warnings hold record tokens only: real encodings matched, warnings issued, files scanned."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

from governance_warnings_world import BEFORE_NATIONAL_DAY, agreement_in_force

import linkage
from bloom import LinkageSecret, encode
from governance.store import DB_FILE
from governance.warning_pairs import pairs_from_csv
from governance.warning_rules import default_rules

# The low-income list (A) and the death registry (B): two of the people are in both.
LOW_INCOME = [
    {"name": "张伟", "id_number": "11010519491231002X", "sex": "男", "birth_date": "1949-12-31",
     "address": "北京市朝阳区建国路88号", "phone": "13800138000"},
    {"name": "阿依古丽·买买提", "id_number": "650102198501011234", "sex": "女",
     "birth_date": "1985-01-01", "address": "乌鲁木齐市天山区", "phone": "13911112222"},
    {"name": "李娜", "id_number": "330106199003031527", "sex": "女", "birth_date": "1990-03-03",
     "address": "杭州市西湖区文三路", "phone": "13733334444"},
]  # fmt: skip
DEATHS = [
    {"name": "章伟", "id_number": "11010519491231002X", "sex": "男", "birth_date": "1949-12-31",
     "address": "北京市朝阳区建国路88号"},
    {"name": "李娜", "id_number": "330106199003031527", "sex": "女", "birth_date": "1990-03-03",
     "address": "杭州市西湖区文三路"},
]  # fmt: skip
PLAINTEXT = sorted(
    {str(v) for record in LOW_INCOME + DEATHS for k, v in record.items() if k != "sex"}
)


def _encoded(records, secret):
    return encode(records, "cn-identity", secret).to_dataset()


def test_nothing_plaintext_reaches_the_warnings(world, tmp_path):
    world.clock.now = BEFORE_NATIONAL_DAY
    agreement_id = agreement_in_force(world)
    secret = LinkageSecret.generate()
    a, b = _encoded(LOW_INCOME, secret), _encoded(DEATHS, secret)
    matched = [
        (r["token_a"], r["token_b"], r["score"])
        for r in linkage.match(a, b, threshold=None).to_table().to_pylist()  # the schema's
    ]
    assert len(matched) == 2
    path = tmp_path / "pairs.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["token_a", "token_b", "score"])
        writer.writerows(matched)

    store = world.store
    report = store.issue_warnings(
        world.signers["MCA"], agreement_id, pairs_from_csv(path), "mz-low-income",
        "gaj-deaths", rules=default_rules(), seed=3,
    )  # fmt: skip
    rows = store.warnings()
    assert {(r.token_a, r.token_b) for r in rows} == {m[:2] for m in matched}
    assert {r.token_a for r in rows} <= set(a.tokens.to_pylist())
    disputed = store.dispute_warning(world.signers["MCA"], rows[0].warning_id, "seen alive")
    outputs = [repr(report), repr(disputed), repr(rows)]
    outputs += [json.dumps(e.details, ensure_ascii=False) for e in store.audit_entries()]

    stored = b"".join(
        p.read_bytes() for p in world.data_dir.iterdir() if p.name.startswith(DB_FILE)
    )
    assert b"seen alive" in stored  # the scan does see what the store holds
    for text in PLAINTEXT:
        assert text.encode("utf-8") not in stored, text
        assert all(text not in out for out in outputs), text


def test_warnings_code_loads_no_key_holder_code():
    code = (
        "import sys, governance.cli_warnings, governance.warnings, transport.cli_governance\n"
        "bad = [m for m in sys.modules if m == 'bloom' or m.startswith('bloom.')"
        " or m == 'governance.keywrap']\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
