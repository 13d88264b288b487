"""Warnings from matched pairs: issue, verify, dispute, re-verify; refusals; the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest
from governance_warnings_world import BEFORE_NATIONAL_DAY, agreement_in_force, pairs

from governance.warning_rules import Disposition, WarningLevel, default_rules
from governance.warnings import WarningState
from pprl.errors import AuthorisationError, GovernanceError, InputError

RULES = default_rules()


@pytest.fixture
def issued(world):
    """Ten red warnings (low-income x deaths) issued by MCA on 30 Sep 2026."""
    world.clock.now = BEFORE_NATIONAL_DAY
    agreement_id = agreement_in_force(world)
    register = world.store
    report = _issue(register, world.signers["MCA"], agreement_id, pairs(10), 2026)
    return world, register, report, agreement_id


def _issue(register, signer, agreement_id, source, seed, datasets=("mz-low-income", "gaj-deaths")):
    return register.issue_warnings(signer, agreement_id, source, *datasets, rules=RULES, seed=seed)


def _actions(world, prefix="warning."):
    return [e for e in world.store.audit_entries() if e.action.startswith(prefix)]


def test_issue_sets_level_deadline_and_joint_verification(issued):
    world, register, report, agreement_id = issued
    assert (report.issued, report.level, report.rule_id) == (
        10,
        WarningLevel.RED,
        "low-income-x-deaths",
    )
    assert report.deadline == dt.date(2026, 10, 15)  # 7 working days over National Day
    found = register.warnings(agreement_id=agreement_id)
    assert len(found) == 10
    assert {w.state for w in found} == {WarningState.ISSUED}
    assert {w.deadline for w in found} == {dt.date(2026, 10, 15)}
    assert {w.disposition_hint for w in found} == {Disposition.TERMINATE}
    assert sum(w.joint_verification for w in found) == report.joint_verification == 3
    assert {(w.token_a, w.token_b) for w in found} == {
        (p.token_a, p.token_b) for p in pairs(10).pairs
    }


def test_issue_is_audited_per_warning_with_the_seed(issued):
    world, register, report, agreement_id = issued
    batch = _actions(world, "warning.batch")
    assert len(batch) == 1
    assert batch[0].actor == "MCA" and batch[0].agreement_id == agreement_id
    assert batch[0].purpose == "dibao eligibility review"
    assert batch[0].details["seed"] == "2026" and batch[0].details["joint_verification"] == 3
    per_warning = _actions(world, "warning.issue")
    assert sorted(e.details["warning_id"] for e in per_warning) == sorted(
        w.warning_id for w in register.warnings()
    )
    assert world.store.verify_audit().ok


def test_the_same_source_is_not_issued_twice(issued):
    world, register, report, agreement_id = issued
    before = len(world.store.audit_entries())
    with pytest.raises(GovernanceError, match="already issued"):
        _issue(register, world.signers["MCA"], agreement_id, pairs(10), 1)
    assert len(register.warnings()) == 10
    assert len(world.store.audit_entries()) == before


def test_only_the_consumer_under_an_agreement_in_force_issues(issued):
    world, register, _, agreement_id = issued
    for code in ("MPS", "MOHRSS"):
        with pytest.raises(AuthorisationError, match="^permission denied$"):
            _issue(register, world.signers[code], agreement_id, pairs(3, code), 1)
    world.store.revoke_agreement(world.signers["OFFICE"], agreement_id)
    with pytest.raises(AuthorisationError):
        _issue(register, world.signers["MCA"], agreement_id, pairs(3, "late"), 1)
    assert len(register.warnings()) == 10
    assert len(_actions(world, "authorise.refused")) == 3


def test_resolve_then_clear(issued):
    world, register, _, _ = issued
    w = register.warnings()[0]
    world.clock.advance(days=3)
    verified = register.resolve_warning(world.signers["MCA"], w.warning_id, Disposition.TERMINATE)
    assert (verified.state, verified.disposition) == (WarningState.VERIFIED, Disposition.TERMINATE)
    cleared = register.resolve_warning(world.signers["MCA"], w.warning_id, Disposition.CLEAR)
    assert (cleared.state, cleared.disposition) == (WarningState.CLEARED, Disposition.CLEAR)
    entries = _actions(world, "warning.resolve")
    assert [(e.details["from"], e.details["to"]) for e in entries] == [
        ("issued", "verified"),
        ("verified", "cleared"),
    ]
    assert entries[0].details["disposition"] == "terminate-assistance"
    assert world.store.verify_audit().ok


def test_clear_directly_when_verification_finds_no_risk(issued):
    world, register, _, _ = issued
    w = register.warnings()[1]
    assert register.resolve_warning(
        world.signers["MCA"], w.warning_id, Disposition.CLEAR
    ).state is (WarningState.CLEARED)


@pytest.mark.parametrize(
    ("first", "then", "message"),
    [
        ("clear", "resolve", "is cleared: cannot resolve it"),
        ("clear", "dispute", "is cleared: cannot dispute it"),
        ("verify", "verify", "is already verified; only clear-warning can follow"),
        ("dispute", "resolve", "is disputed: cannot resolve it"),
        ("dispute", "dispute", "is disputed: cannot dispute it"),
        (None, "confirm", "is issued: cannot confirm it"),
        (None, "withdraw", "is issued: cannot withdraw it"),
    ],
)
def test_illegal_transitions_are_refused_in_one_line(issued, first, then, message):
    world, register, _, _ = issued
    wid = register.warnings()[0].warning_id
    mca, mps = world.signers["MCA"], world.signers["MPS"]
    steps = {
        "clear": lambda: register.resolve_warning(mca, wid, Disposition.CLEAR),
        "verify": lambda: register.resolve_warning(mca, wid, Disposition.INCLUDE),
        "resolve": lambda: register.resolve_warning(mca, wid, Disposition.INCLUDE),
        "dispute": lambda: register.dispute_warning(
            mca, wid, "the person came to the office in person"
        ),
        "confirm": lambda: register.reverify_warning(mps, wid, confirmed=True),
        "withdraw": lambda: register.reverify_warning(mps, wid, confirmed=False),
    }
    if first:
        steps[first]()
    state_before = register.warning(wid).state
    audited_before = len(world.store.audit_entries())
    with pytest.raises(GovernanceError) as raised:
        steps[then]()
    assert str(raised.value) == f"warning {wid} {message}"
    assert register.warning(wid).state is state_before
    assert len(world.store.audit_entries()) == audited_before


def test_dispute_goes_to_the_provider_and_back(issued):
    world, register, _, agreement_id = issued
    a, b = register.warnings()[:2]
    world.clock.now = dt.datetime(2026, 10, 9, 2, 0, tzinfo=dt.timezone.utc)
    reason = "family says the person is alive; the death record may be a namesake"
    disputed = register.dispute_warning(world.signers["MCA"], a.warning_id, reason)
    assert (disputed.state, disputed.dispute_reason) == (WarningState.DISPUTED, reason)
    # Only the provider answers a dispute.
    with pytest.raises(AuthorisationError):
        register.reverify_warning(world.signers["MCA"], a.warning_id, confirmed=True)
    refused = _actions(world, "warning.refused")
    assert refused[-1].actor == "MCA" and refused[-1].details["step"] == "confirm"
    # The provider stands by its record: issued again, deadline counted from 9 Oct.
    again = register.reverify_warning(world.signers["MPS"], a.warning_id, confirmed=True)
    assert again.state is WarningState.ISSUED
    assert again.deadline == dt.date(2026, 10, 19)  # 10 (Sat), 12, 13, 14, 15, 16, 19 Oct
    # Another dispute, and this time the provider withdraws: the warning is cleared.
    register.dispute_warning(world.signers["MCA"], b.warning_id, "record belongs to someone else")
    withdrawn = register.reverify_warning(world.signers["MPS"], b.warning_id, confirmed=False)
    assert (withdrawn.state, withdrawn.disposition) == (WarningState.CLEARED, Disposition.CLEAR)
    disputes = _actions(world, "warning.dispute")
    assert [e.details["reason"] for e in disputes] == [reason, "record belongs to someone else"]
    assert all(e.agreement_id == agreement_id and e.actor == "MCA" for e in disputes)
    answers = [(e.actor, e.details["to"]) for e in _actions(world, "warning.confirm")] + [
        (e.actor, e.details["to"]) for e in _actions(world, "warning.withdraw")
    ]
    assert answers == [("MPS", "issued"), ("MPS", "cleared")]
    assert world.store.verify_audit().ok


def test_other_departments_cannot_touch_a_warning(issued):
    world, register, _, _ = issued
    wid = register.warnings()[0].warning_id
    for act in (
        lambda s: register.resolve_warning(s, wid, Disposition.CLEAR),
        lambda s: register.dispute_warning(s, wid, "doubt"),
    ):
        with pytest.raises(AuthorisationError, match="^permission denied$"):
            act(world.signers["MOHRSS"])
        with pytest.raises(AuthorisationError):
            act(world.signers["MPS"])  # the provider verifies nothing itself
    assert register.warning(wid).state is WarningState.ISSUED
    assert len(_actions(world, "warning.refused")) == 4


@pytest.mark.parametrize(
    "reason",
    ["", "   ", "id 11010519491231002X is alive", "call 13800138000", "x" * 201],
)
def test_dispute_reasons_carry_no_identity_numbers(issued, reason):
    world, register, _, _ = issued
    wid = register.warnings()[0].warning_id
    with pytest.raises(InputError) as raised:
        register.dispute_warning(world.signers["MCA"], wid, reason)
    assert raised.value.field == "reason"
    assert reason.strip() == "" or reason[3:10] not in str(raised.value)
    assert register.warning(wid).state is WarningState.ISSUED


def test_overdue_only_after_the_deadline_day_in_china(issued):
    world, register, _, _ = issued
    first = register.warnings()[0]
    register.resolve_warning(world.signers["MCA"], first.warning_id, Disposition.INCLUDE)
    # 15 Oct 23:59 China time: still on time.
    world.clock.now = dt.datetime(2026, 10, 15, 15, 59, tzinfo=dt.timezone.utc)
    assert register.warnings(overdue=True) == []
    world.clock.now = dt.datetime(2026, 10, 15, 16, 0, tzinfo=dt.timezone.utc)
    late = register.warnings(overdue=True)
    assert len(late) == 9 and first.warning_id not in {w.warning_id for w in late}
    assert all(w.overdue(world.clock()) for w in late)
    # A late verification says so in the audit log.
    register.resolve_warning(world.signers["MCA"], late[0].warning_id, Disposition.CLEAR)
    assert _actions(world, "warning.resolve")[-1].details["overdue"] is True


def test_levels_without_deadline_and_without_joint_verification(world):
    world.clock.now = BEFORE_NATIONAL_DAY
    agreement_id = agreement_in_force(world, "rs-unemployment")
    register = world.store
    report = _issue(
        register,
        world.signers["MCA"],
        agreement_id,
        pairs(4),
        5,
        ("mz_low_income", "rs_unemployment"),
    )
    assert (report.level, report.deadline, report.joint_verification) == (
        WarningLevel.BLUE,
        None,
        0,
    )
    world.clock.advance(days=400)
    assert register.warnings(overdue=True) == []
    assert register.warnings(level=WarningLevel.BLUE)[0].deadline is None
