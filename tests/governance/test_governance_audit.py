"""Audit tampering of every kind is detected, by editing the SQLite file directly."""

from __future__ import annotations

import json
import sqlite3

import pytest

from governance.audit import GENESIS, entry_hash
from governance.model import Action, SharingType
from governance.store import GovernanceStore
from pprl.errors import AuthorisationError, InputError, IntegrityError


@pytest.fixture
def logged(world):
    """A store with a dozen entries, closed so the tests can edit the file underneath."""
    entry = world.entry("MPS-DEATHS", "MPS", SharingType.CONDITIONAL)
    ag = world.store.apply(world.signers["MCA"], world.application(entry))
    world.store.approve(world.signers["OFFICE"], ag.agreement_id)
    world.store.approve(world.signers["MPS"], ag.agreement_id)
    for n in (10, 20, 30):
        world.store.audit("MCA", "upload", ag.agreement_id, {"records": n})
    assert world.store.verify_audit().ok
    world.store.close()
    return world


def _reopen(world) -> GovernanceStore:
    world.store = GovernanceStore(world.data_dir / "governance.sqlite", clock=world.clock)
    return world.store


def _raw(world) -> sqlite3.Connection:
    conn = sqlite3.connect(world.data_dir / "governance.sqlite", isolation_level=None)
    conn.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    conn.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    return conn


def _count(world) -> int:
    conn = sqlite3.connect(world.data_dir / "governance.sqlite")
    try:
        return conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
    finally:
        conn.close()


def test_untouched_log_verifies(logged):
    report = _reopen(logged).verify_audit()
    assert report.ok and report.entries == _count(logged)


def test_append_only_in_sqlite_itself(logged):
    conn = sqlite3.connect(logged.data_dir / "governance.sqlite")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE audit_log SET actor = 'X' WHERE seq = 3")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM audit_log WHERE seq = 3")
    conn.close()


def test_modified_entry(logged):
    conn = _raw(logged)
    conn.execute("UPDATE audit_log SET details = '{\"records\": 99}' WHERE seq = 12")
    conn.close()
    report = _reopen(logged).verify_audit()
    assert (report.first_bad, report.reason) == (12, "entry 12 was modified")


def test_modified_bytes_in_the_file(logged):
    path = logged.data_dir / "governance.sqlite"
    data = path.read_bytes()
    needle = b'{"records": 20}'
    assert data.count(needle) == 1
    path.write_bytes(data.replace(needle, b'{"records": 21}'))
    report = _reopen(logged).verify_audit()
    assert not report.ok and "was modified" in report.reason


def test_deleted_entry(logged):
    conn = _raw(logged)
    conn.execute("DELETE FROM audit_log WHERE seq = 5")
    conn.close()
    report = _reopen(logged).verify_audit()
    assert (report.first_bad, report.reason) == (5, "entry 5 is missing (deleted)")


def test_deleted_and_renumbered(logged):
    conn = _raw(logged)
    conn.execute("DELETE FROM audit_log WHERE seq = 5")
    conn.execute("UPDATE audit_log SET seq = seq - 1 WHERE seq > 5")
    conn.close()
    report = _reopen(logged).verify_audit()
    assert report.first_bad == 5 and "does not follow" in report.reason


def test_inserted_entry(logged):
    conn = _raw(logged)
    rows = conn.execute("SELECT * FROM audit_log WHERE seq >= 7 ORDER BY seq DESC").fetchall()
    for row in rows:  # shift up to make room, highest first
        conn.execute("UPDATE audit_log SET seq = ? WHERE seq = ?", (row[0] + 1, row[0]))
    prev = conn.execute("SELECT hash FROM audit_log WHERE seq = 6").fetchone()[0]
    forged = entry_hash(prev, 7, "2026-03-02T09:00:00+00:00", "MCA", "", "x", None, None, {})
    conn.execute(
        "INSERT INTO audit_log VALUES (7, '2026-03-02T09:00:00+00:00', 'MCA', '', 'x', NULL,"
        " NULL, '{}', ?, ?)",
        (prev, forged),
    )
    conn.close()
    report = _reopen(logged).verify_audit()
    assert report.first_bad == 8 and "does not follow entry 7" in report.reason


def test_reordered_entries(logged):
    conn = _raw(logged)
    a = conn.execute("SELECT * FROM audit_log WHERE seq = 10").fetchone()
    b = conn.execute("SELECT * FROM audit_log WHERE seq = 11").fetchone()
    for target, row in ((10, b), (11, a)):
        conn.execute(
            "UPDATE audit_log SET at=?, actor=?, actor_fingerprint=?, action=?, agreement_id=?,"
            " purpose=?, details=?, prev_hash=?, hash=? WHERE seq=?",
            (*row[1:], target),
        )
    conn.close()
    report = _reopen(logged).verify_audit()
    assert report.first_bad == 10 and "does not follow" in report.reason


def test_deleted_tail(logged):
    total = _count(logged)
    conn = _raw(logged)
    conn.execute("DELETE FROM audit_log WHERE seq > ?", (total - 2,))
    conn.close()
    report = _reopen(logged).verify_audit()
    assert report.first_bad == total - 1 and "were deleted" in report.reason


def _rewrite_everything(world, drop_anchors: bool) -> None:
    """An attacker with the file rebuilds a consistent chain without entry 6."""
    conn = _raw(world)
    rows = conn.execute("SELECT * FROM audit_log ORDER BY seq").fetchall()
    conn.execute("DELETE FROM audit_log")
    if drop_anchors:
        conn.execute("DELETE FROM audit_anchors")
    prev, seq = GENESIS, 0
    for row in rows:
        if row[0] == 6:
            continue
        seq += 1
        details = json.loads(row[7])
        digest = entry_hash(prev, seq, row[1], row[2], row[3], row[4], row[5], row[6], details)
        conn.execute(
            "INSERT INTO audit_log VALUES (?,?,?,?,?,?,?,?,?,?)", (seq, *row[1:8], prev, digest)
        )
        prev = digest
    conn.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = 'audit_log'", (seq,))
    conn.close()


def test_whole_log_rewrite_is_caught_by_the_office_anchor(logged, tmp_path):
    store = _reopen(logged)
    anchor = store.anchor_audit(logged.signers["OFFICE"])
    from governance.audit import anchor_from_json, anchor_to_json

    kept = anchor_from_json(anchor_to_json(anchor))  # the copy the office keeps elsewhere
    store.audit("MCA", "upload", None, {"records": 1})
    store.close()
    _rewrite_everything(logged, drop_anchors=False)
    report = _reopen(logged).verify_audit()
    assert report.first_bad == anchor.seq and "anchor" in report.reason
    logged.store.close()
    _rewrite_everything(logged, drop_anchors=True)  # the stored anchors are gone too ...
    store = _reopen(logged)
    assert store.verify_audit().ok  # ... so only the kept copy can tell
    report = store.verify_audit([kept])
    assert not report.ok and report.first_bad == anchor.seq


def test_forged_anchor_is_refused(logged):
    store = _reopen(logged)
    with pytest.raises(AuthorisationError):
        store.anchor_audit(logged.signers["MCA"])  # only the office anchors
    anchor = store.anchor_audit(logged.signers["OFFICE"])
    store.close()
    conn = sqlite3.connect(logged.data_dir / "governance.sqlite")
    conn.execute("UPDATE audit_anchors SET signature = ?", (anchor.signature[:-1] + b"\0",))
    conn.commit()
    conn.close()
    report = _reopen(logged).verify_audit()
    assert not report.ok and "not signed by the office" in report.reason


def test_anchoring_a_broken_log_is_refused(logged):
    conn = _raw(logged)
    conn.execute("UPDATE audit_log SET actor = 'MPS' WHERE seq = 3")
    conn.close()
    with pytest.raises(IntegrityError, match="entry 3 was modified"):
        _reopen(logged).anchor_audit(logged.signers["OFFICE"])


def test_details_hold_no_payloads(world):
    with pytest.raises(InputError):
        world.store.audit("MCA", "upload", None, {"blob": b"\x00" * 32})
    with pytest.raises(InputError):
        world.store.audit("MCA", "upload", None, {"note": "x" * 500})
    with pytest.raises(InputError):
        world.store.audit("MCA", "upload", None, {"nested": {"a": 1}})
    world.store.audit("MCA", "upload", None, {"records": 3, "ok": True, "ids": ["a", "b"]})


def test_show_filters(logged):
    store = _reopen(logged)
    ag = store.agreements()[0].agreement_id
    assert [e.details["records"] for e in store.audit_entries(action="upload")] == [10, 20, 30]
    assert {e.actor for e in store.audit_entries(department="MPS")} == {"MPS"}
    assert all(e.agreement_id == ag for e in store.audit_entries(agreement_id=ag))
    later = logged.clock() + __import__("datetime").timedelta(days=1)
    assert store.audit_entries(since=later) == []
    assert store.authorise  # keep the fixture's store usable
    with pytest.raises(AuthorisationError):
        store.authorise("MOHRSS", Action.RUN, ag)


def test_concurrent_appends_keep_one_chain(world):
    from concurrent.futures import ThreadPoolExecutor

    before = len(world.store.audit_entries())

    def log(n: int) -> None:
        world.store.audit("MCA", "upload", None, {"records": n})

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(log, range(200)))
    report = world.store.verify_audit()
    assert report.ok and report.entries == before + 200
    records = sorted(e.details["records"] for e in world.store.audit_entries(action="upload"))
    assert records == list(range(200))


def test_replacing_the_trusted_ca_is_caught_by_the_pinned_ca(logged, tmp_path):
    from governance import pki
    from governance.audit import anchor_message

    real_ca = pki.load_certificate(logged.ca_dir / "ca.crt")
    store = _reopen(logged)
    store.anchor_audit(logged.signers["OFFICE"])
    store.close()
    # The attacker rewrites the log, makes a CA and an "office" of their own, and anchors.
    _rewrite_everything(logged, drop_anchors=True)
    fake = tmp_path / "fake-ca"
    pki.init_ca(fake, "Fake Office", b"x", now=logged.t0)
    forged = pki.issue(
        fake, "OFFICE", "fake", tmp_path / "fake", None, ca_passphrase=b"x",
        role=pki.Role.OFFICE, now=logged.t0,
    )  # fmt: skip
    signer = pki.Signer.load(forged.certificate_path, forged.key_path, None)
    conn = sqlite3.connect(logged.data_dir / "governance.sqlite", isolation_level=None)
    seq, head = conn.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    conn.execute(
        "UPDATE meta SET value = ? WHERE key = 'ca_certificate'",
        ((fake / "ca.crt").read_text(),),
    )
    conn.execute(
        "INSERT INTO audit_anchors VALUES (?, ?, ?, ?, ?)",
        (
            seq,
            head,
            logged.t0.isoformat(),
            signer.certificate_pem,
            signer.sign(anchor_message(seq, head)),
        ),
    )
    conn.close()
    store = _reopen(logged)
    assert store.verify_audit().ok  # the file alone is consistent again ...
    report = store.verify_audit(ca=real_ca)  # ... but not with the office's CA pinned
    assert not report.ok and report.reason == "the database trusts a different CA"
