"""Agreements edited in the database authorise nothing: approvals are checked by signature."""

from __future__ import annotations

import json
import sqlite3

import pytest

from governance.model import Action, AgreementStatus, SharingType
from governance.store import GovernanceStore
from pprl.errors import AuthorisationError, IntegrityError


def _in_force(world, consumer="MCA"):
    catalogue = world.store.catalogue()
    entry = catalogue[0] if catalogue else world.entry("MPS-DEATHS", "MPS", SharingType.CONDITIONAL)
    ag = world.store.apply(world.signers[consumer], world.application(entry, consumer=consumer))
    for approver in ag.required_approvers:
        world.store.approve(world.signers[approver], ag.agreement_id)
    world.store.authorise(consumer, Action.RUN, ag.agreement_id)
    return ag.agreement_id


def _edit(world, *statements):
    world.store.close()
    conn = sqlite3.connect(world.data_dir / "governance.sqlite", isolation_level=None)
    for sql, params in statements:
        conn.execute(sql, params)
    conn.close()
    world.store = GovernanceStore(world.data_dir / "governance.sqlite", clock=world.clock)


def _assert_refused(world, code, agreement_id) -> None:
    with pytest.raises(AuthorisationError):
        world.store.authorise(code, Action.RUN, agreement_id)


def test_forged_approval_row_counts_for_nothing(world):
    entry = world.entry("MPS-DEATHS", "MPS", SharingType.CONDITIONAL)
    ag = world.store.apply(world.signers["MCA"], world.application(entry))
    world.store.approve(world.signers["OFFICE"], ag.agreement_id)
    mps_fp = world.store.identify(world.signers["MPS"].certificate).fingerprint
    _edit(
        world,
        (
            "INSERT INTO approvals VALUES (?, 'MPS', '2026-03-02T09:00:00+00:00', ?, ?)",
            (ag.agreement_id, mps_fp, b"\x30" * 70),
        ),
    )
    shown = world.store.agreement(ag.agreement_id)
    assert shown.approvals == ("OFFICE",) and shown.rejected_approvals == ("MPS",)
    _assert_refused(world, "MCA", ag.agreement_id)
    world.store.approve(world.signers["MPS"], ag.agreement_id)  # the real one replaces it
    world.store.authorise("MCA", Action.RUN, ag.agreement_id)


def test_approval_copied_from_another_agreement_fails(world):
    first = _in_force(world)
    entry = world.store.catalogue()[0]
    second = world.store.apply(world.signers["MCA"], world.application(entry)).agreement_id
    world.store.approve(world.signers["OFFICE"], second)
    _edit(
        world,
        (
            "INSERT INTO approvals SELECT ?, party, approved_at, certificate_fingerprint,"
            " signature FROM approvals WHERE agreement_id = ? AND party = 'MPS'",
            (second, first),
        ),
    )
    assert world.store.agreement(second).rejected_approvals == ("MPS",)
    _assert_refused(world, "MCA", second)


@pytest.mark.parametrize(
    "field, value",
    [
        ("valid_until", "2099-01-01T00:00:00+00:00"),
        ("disclose_fields", ["death_date", "name", "id_number"]),
        ("consumer", "MOHRSS"),
    ],
)
def test_edited_application_authorises_nothing(world, field, value):
    agreement_id = _in_force(world)
    row = world.store._one(
        "SELECT application FROM agreements WHERE agreement_id = ?", (agreement_id,)
    )
    app = json.loads(row[0])
    app[field] = value
    edited = json.dumps(app, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    _edit(
        world,
        ("UPDATE agreements SET application = ? WHERE agreement_id = ?", (edited, agreement_id)),
    )
    shown = world.store.agreement(agreement_id)
    assert shown.status(world.clock()) is AgreementStatus.UNVERIFIED
    assert shown.approvals == ()
    for code in ("MCA", "MOHRSS"):
        _assert_refused(world, code, agreement_id)
    with pytest.raises(IntegrityError):
        world.store.approve(world.signers["OFFICE"], agreement_id)


def test_clearing_a_revocation_does_not_revive(world):
    agreement_id = _in_force(world)
    world.store.revoke_agreement(world.signers["OFFICE"], agreement_id)
    _edit(
        world,
        (
            "UPDATE agreements SET revoked_at = NULL, revoked_by = NULL WHERE agreement_id = ?",
            (agreement_id,),
        ),
    )
    assert world.store.agreement(agreement_id).status(world.clock()) is AgreementStatus.REVOKED
    _assert_refused(world, "MCA", agreement_id)


def test_migration_from_version_1_keeps_agreements_valid(world, tmp_path):
    """A store written at schema 1 migrates to 2 with certificates and applicants filled in."""
    from governance.migrations import MIGRATIONS

    agreement_id = _in_force(world)
    world.store.close()
    old = tmp_path / "old.sqlite"
    conn = sqlite3.connect(old, isolation_level=None)
    conn.executescript(f"{MIGRATIONS[0]}\nPRAGMA user_version = 1;")
    conn.execute("ATTACH DATABASE ? AS cur", (str(world.data_dir / "governance.sqlite"),))
    conn.execute("INSERT INTO meta SELECT * FROM cur.meta")
    conn.execute("INSERT INTO departments SELECT * FROM cur.departments")
    conn.execute(
        "INSERT INTO agreements SELECT agreement_id, application, sharing_type,"
        " required_approvers, applied_at, applicant_signature, revoked_at, revoked_by"
        " FROM cur.agreements"
    )
    conn.execute("INSERT INTO approvals SELECT * FROM cur.approvals")
    conn.execute("DETACH DATABASE cur")
    conn.close()
    migrated = GovernanceStore(old, clock=world.clock)
    try:
        assert migrated.authorise("MCA", Action.RUN, agreement_id).agreement_id == agreement_id
    finally:
        migrated.close()
    conn = sqlite3.connect(old)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) >= 2
    conn.close()
    world.store = GovernanceStore(world.data_dir / "governance.sqlite", clock=world.clock)
