"""`pprl demo` end to end: real CLI, real matcher process, and what the matcher never holds."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys

import pytest

from bloom.secret import LinkageSecret
from governance import pki

pytestmark = pytest.mark.e2e

PASS = "demo-test-passphrase"


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo") / "demo-data"
    env = {**os.environ, "PPRL_PASSPHRASE": PASS}
    args = [sys.executable, "-m", "pprl_app", "demo", "--dir", str(root), "--size", "30000"]
    done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    return root, done.stdout


def test_demo_reports_quality_stages_and_a_verified_audit(demo_run):
    _, out = demo_run
    assert re.search(r"audit verify: OK \(\d+ entries", out)
    rows = re.findall(
        r"^\s+(gaj_\w+)\s+[\d.]+\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(\d+)$", out, re.M
    )
    assert [r[0] for r in rows] == ["gaj_deaths", "gaj_vehicles"]
    for _, matches, precision, recall, _, disclosed in rows:
        assert int(matches) > 0 and int(disclosed) == int(matches)
        assert float(precision) > 0.8 and float(recall) > 0.8
    for stage in ("encoding at each department", "cross-matching runs", "sealed disclosure"):
        assert re.search(rf"{stage}\s+[\d.]+ s", out)


def test_demo_discloses_only_the_agreed_fields_to_the_consumer(demo_run):
    root, _ = demo_run
    disclosed = root / "departments" / "civil-affairs" / "disclosed-gaj_deaths.csv"
    rows = list(csv.DictReader(disclosed.read_text("utf-8").splitlines()))
    assert rows and set(rows[0]) == {"record_id", "match_id", "score", "provider", "SWRQ", "SWYY"}
    assert all(r["record_id"].startswith("MZ") for r in rows)


def test_the_matcher_holds_no_secret_and_no_plaintext_identity(demo_run):
    root, _ = demo_run
    secret = LinkageSecret.load(
        root / "departments" / "civil-affairs" / "linkage.secret", PASS.encode()
    )
    source = root / "synthetic" / "mz_low_income.csv"
    ids = [r["身份证号"] for r in csv.DictReader(source.read_text("utf-8").splitlines())][:300]
    needles = [secret.expose(), secret.expose().hex().encode()] + [i.encode() for i in ids if i]
    files = [p for p in (root / "MATCHER").rglob("*") if p.is_file()]
    assert len(files) > 10 and any(p.name == "governance.sqlite" for p in files)
    for path in files:
        data = path.read_bytes()
        assert not any(n in data for n in needles), f"{path} holds a secret or an ID number"


def test_the_matcher_directory_holds_no_key_but_its_own(demo_run):
    root, _ = demo_run
    matcher = pki.load_certificate(root / "MATCHER" / "MATCHER.crt").public_key()
    keys = [p for p in root.rglob("*") if p.is_file() and b"PRIVATE KEY-----" in p.read_bytes()]
    assert len(keys) >= 5  # the CA, the office, two departments and the matcher
    for path in keys:
        inside = (root / "MATCHER") in path.parents
        encrypted = b"ENCRYPTED PRIVATE KEY" in path.read_bytes()  # the CA's: not the matcher's
        is_matchers = not encrypted and pki.load_private_key(path, None).public_key() == matcher
        assert inside == is_matchers, f"{path}: a key in the wrong place"


def test_demo_refuses_a_directory_it_did_not_create(tmp_path):
    (tmp_path / "precious.txt").write_text("keep me")
    done = subprocess.run(
        [sys.executable, "-m", "pprl_app", "demo", "--dir", str(tmp_path), "--size", "100"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "not an earlier demo" in done.stderr
    assert (tmp_path / "precious.txt").read_text() == "keep me"


def test_every_party_has_its_own_directory_and_only_the_matcher_a_database(demo_run):
    root, _ = demo_run
    homes = {
        "office": root / "office",
        "matcher": root / "MATCHER",
        "civil-affairs": root / "departments" / "civil-affairs",
        "public-security": root / "departments" / "public-security",
    }
    assert all(home.is_dir() for home in homes.values())
    assert [p.parent for p in root.rglob("governance.sqlite")] == [homes["matcher"] / "data"]
    assert (homes["office"] / "ca" / "ca.key").exists()
    for name in ("civil-affairs", "public-security", "office"):  # each its own profile
        assert (homes[name] / "profiles" / f"{name.lower()}.json").exists()
