"""Risk warnings (风险预警): their states, the steps between them and the rows that hold them.

The warnings themselves live in the governance store and change only through its warnings
part (`governance.store_warnings.WarningsMixin`):

    report = store.issue_warnings(signer, agreement_id, pair_source, left_dataset, right_dataset,
                                  rules=default_rules(), seed=...)
    store.resolve_warning(signer, warning_id, Disposition.TERMINATE)
    store.dispute_warning(signer, warning_id, "reason")   back to the provider (疑义)
    store.reverify_warning(signer, warning_id, confirmed=True | False)   the provider's answer
    store.warnings(level=..., state=..., overdue=True)

Lifecycle (anything else is refused with a one-line error):

    issued   --resolve(D)------> verified      (D is any disposition but clear-warning)
    issued   --resolve(clear)--> cleared       (预警消除: verification found no risk)
    verified --resolve(clear)--> cleared       (the disposition was carried out)
    issued | verified --dispute--> disputed    (the consumer doubts the match; the citizen's
                                                business is handled meanwhile)
    disputed --reverify(confirmed)--> issued   (the provider stands by its record; the
                                                deadline is counted again from that day)
    disputed --reverify(withdrawn)--> cleared  (the provider's record was wrong)

Who: the agreement's consumer issues (it must be allowed to launch runs under an agreement in
force), verifies and disputes; the provider answers disputes. Verification and disputes go on
after the agreement ends: warnings already issued must still be closed. Every issue and
transition is written to the audit log in the same transaction as the change; refusals of the
wrong party are audited too. A warning holds opaque record tokens, dataset names and codes
only: the matcher never knows who a token is, and dispute reasons carrying ID or phone numbers
are refused. Deadlines: `governance.workdays`; county joint verification of red warnings:
`governance.joint_verification`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import re
from dataclasses import dataclass

from governance.warning_rules import Disposition, WarningLevel
from governance.workdays import add_working_days, china_date
from pprl.errors import GovernanceError, InputError

MAX_REASON = 200
# 11 or more digits in a row: a mobile number, or the digits of an ID number (15 or 18 long,
# the last may be X): identity data that a dispute reason must not carry.
IDENTITY_NUMBER = re.compile(r"\d{11,}")


class WarningState(enum.Enum):
    ISSUED = "issued"
    VERIFIED = "verified"
    DISPUTED = "disputed"  # 疑义: with the provider for re-verification
    CLEARED = "cleared"  # 预警消除


class Step(enum.Enum):
    RESOLVE = "resolve"
    DISPUTE = "dispute"
    CONFIRM = "confirm"
    WITHDRAW = "withdraw"


_ALLOWED: dict[tuple[WarningState, Step], frozenset[WarningState]] = {
    (WarningState.ISSUED, Step.RESOLVE): frozenset({WarningState.VERIFIED, WarningState.CLEARED}),
    (WarningState.VERIFIED, Step.RESOLVE): frozenset({WarningState.CLEARED}),
    (WarningState.ISSUED, Step.DISPUTE): frozenset({WarningState.DISPUTED}),
    (WarningState.VERIFIED, Step.DISPUTE): frozenset({WarningState.DISPUTED}),
    (WarningState.DISPUTED, Step.CONFIRM): frozenset({WarningState.ISSUED}),
    (WarningState.DISPUTED, Step.WITHDRAW): frozenset({WarningState.CLEARED}),
}
PROVIDER_STEPS = frozenset({Step.CONFIRM, Step.WITHDRAW})


def next_state(
    warning_id: str, state: WarningState, step: Step, disposition: Disposition | None = None
) -> WarningState:
    """Where `step` takes a warning in `state`; GovernanceError (one line) if it may not."""
    allowed = _ALLOWED.get((state, step), frozenset())
    if step is Step.RESOLVE:
        if disposition is None:
            raise InputError("a disposition is required", field="disposition")
        target = WarningState.CLEARED if disposition is Disposition.CLEAR else WarningState.VERIFIED
    else:
        target = next(iter(allowed), None)  # the other steps have one target each
    if target is None or target not in allowed:
        if step is Step.RESOLVE and state is WarningState.VERIFIED:
            raise GovernanceError(
                f"warning {warning_id} is already verified; only {Disposition.CLEAR.value}"
                " can follow"
            )
        raise GovernanceError(f"warning {warning_id} is {state.value}: cannot {step.value} it")
    return target


@dataclass(frozen=True)
class RiskWarning:
    warning_id: str
    batch_id: str
    agreement_id: str
    token_a: str
    token_b: str
    score: float
    rule_id: str
    level: WarningLevel
    disposition_hint: Disposition
    joint_verification: bool  # county civil affairs verifies together with the township
    state: WarningState
    issued_at: dt.datetime
    deadline: dt.date | None  # China local date; None for blue (regular visits)
    disposition: Disposition | None
    dispute_reason: str | None
    updated_at: dt.datetime

    def overdue(self, now: dt.datetime) -> bool:
        """Still waiting for verification after the end of its deadline day (China time)."""
        return (
            self.state is WarningState.ISSUED
            and self.deadline is not None
            and china_date(now) > self.deadline
        )


@dataclass(frozen=True)
class IssueReport:
    batch_id: str
    source: str
    rule_id: str
    rules_version: str
    level: WarningLevel
    deadline: dt.date | None
    issued: int
    joint_verification: int
    seed: int


def warning_message(action: str, subject: str) -> bytes:
    """What the acting party signs for a warning step: `issue` over the agreement id, the
    other steps (`resolve`, `dispute`, `confirm`, `withdraw`) over the warning id."""
    return f"pprl/warning/v1\0{action}\0{subject}".encode()


def deadline_for(level: WarningLevel, now: dt.datetime) -> dt.date | None:
    days = level.working_days
    return None if days is None else add_working_days(china_date(now), days)


WARNING_COLUMNS = (
    "warning_id, batch_id, agreement_id, token_a, token_b, score, rule_id, level,"
    " disposition_hint, joint_verification, state, issued_at, deadline, disposition,"
    " dispute_reason, updated_at"
)


def warning_from_row(row: tuple) -> RiskWarning:
    return RiskWarning(
        warning_id=row[0],
        batch_id=row[1],
        agreement_id=row[2],
        token_a=row[3],
        token_b=row[4],
        score=float(row[5]),
        rule_id=row[6],
        level=WarningLevel(row[7]),
        disposition_hint=Disposition(row[8]),
        joint_verification=bool(row[9]),
        state=WarningState(row[10]),
        issued_at=dt.datetime.fromisoformat(row[11]),
        deadline=None if row[12] is None else dt.date.fromisoformat(row[12]),
        disposition=None if row[13] is None else Disposition(row[13]),
        dispute_reason=row[14],
        updated_at=dt.datetime.fromisoformat(row[15]),
    )


def seen_by(warning: RiskWarning, department: str, owners: tuple[str, str] | None) -> RiskWarning:
    """The warning with only `department`'s own record token: a counterpart's token would let
    it follow that person across runs. `owners`: the departments whose datasets token_a and
    token_b come from (None when not known: no token is shown)."""
    left, right = owners or ("", "")
    return dataclasses.replace(
        warning,
        token_a=warning.token_a if department == left else "",
        token_b=warning.token_b if department == right else "",
    )
