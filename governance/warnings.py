"""Risk warnings (风险预警) raised from matched pairs, and their verification.

    register = WarningRegister(store)                  the store's clock is the clock used
    report = register.issue(signer, agreement_id, pair_source, left_dataset, right_dataset,
                            rules=default_rules(), seed=...)
    register.resolve(signer, warning_id, Disposition.TERMINATE)
    register.dispute(signer, warning_id, "reason")     back to the provider (疑义)
    register.reverify(signer, warning_id, confirmed=True | False)   the provider's answer
    register.warnings(level=..., state=..., overdue=True)

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

import datetime as dt
import enum
import re
import secrets
from dataclasses import dataclass

from governance import pki
from governance.joint_verification import select_for_joint_verification
from governance.model import Action
from governance.store import GovernanceStore
from governance.store_base import _iso
from governance.warning_pairs import PairSource
from governance.warning_rules import Disposition, RuleSet, WarningLevel
from governance.workdays import add_working_days, china_date
from pprl.errors import AuthorisationError, GovernanceError, InputError

MAX_REASON = 200
# 11 or more digits in a row: a mobile number, or the digits of an ID number (15 or 18 long,
# the last may be X): identity data that a dispute reason must not carry.
_IDENTITY_NUMBER = re.compile(r"\d{11,}")


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
_PROVIDER_STEPS = frozenset({Step.CONFIRM, Step.WITHDRAW})


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


class WarningRegister:
    """Warnings in the governance store (tables from migration 3), changed only through here."""

    def __init__(self, store: GovernanceStore) -> None:
        self.store = store

    # --- issuing ---------------------------------------------------------------------------
    def issue(
        self,
        signer: pki.Signer,
        agreement_id: str,
        source: PairSource,
        left_dataset: str,
        right_dataset: str,
        *,
        rules: RuleSet,
        seed: int,
    ) -> IssueReport:
        """One warning per matched pair, all at the level the rule for the two datasets sets."""
        ident = self._acting(signer, "issue", agreement_id)
        agreement = self.store.authorise(ident.department, Action.RUN, agreement_id)
        rule = rules.rule_for(left_dataset, right_dataset)
        now = self.store.now()
        deadline = _deadline(rule.level, now)
        batch_id = f"wb-{secrets.token_hex(8)}"
        ids = [f"w-{secrets.token_hex(8)}" for _ in source.pairs]
        joint = (
            select_for_joint_verification(ids, seed)
            if rule.level is WarningLevel.RED
            else frozenset()
        )
        at = _iso(now)
        with self.store._transaction() as conn:
            # Checked inside the write transaction, so two issuers cannot both pass it.
            previous = conn.execute(
                "SELECT batch_id FROM warning_batches WHERE agreement_id = ? AND source = ?"
                " AND left_dataset = ? AND right_dataset = ?",
                (agreement_id, source.label, left_dataset, right_dataset),
            ).fetchone()
            if previous is not None:
                raise GovernanceError(
                    f"warnings from {source.label} were already issued (batch {previous[0]})"
                )
            conn.execute(
                "INSERT INTO warning_batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    batch_id,
                    agreement_id,
                    source.label,
                    left_dataset,
                    right_dataset,
                    rules.version,
                    str(seed),
                    ident.department,
                    at,
                ),
            )
            self._audit(
                conn,
                ident,
                "warning.batch",
                agreement_id,
                agreement.purpose,
                {
                    "batch_id": batch_id,
                    "source": source.label,
                    "left_dataset": left_dataset,
                    "right_dataset": right_dataset,
                    "rule_id": rule.rule_id,
                    "rules_version": rules.version,
                    "level": rule.level.value,
                    "warnings": len(ids),
                    "joint_verification": len(joint),
                    "seed": str(seed),
                },
            )
            for warning_id, pair in zip(ids, source.pairs, strict=True):
                conn.execute(
                    "INSERT INTO warnings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        warning_id,
                        batch_id,
                        agreement_id,
                        pair.token_a,
                        pair.token_b,
                        pair.score,
                        rule.rule_id,
                        rule.level.value,
                        rule.disposition_hint.value,
                        int(warning_id in joint),
                        WarningState.ISSUED.value,
                        at,
                        None if deadline is None else deadline.isoformat(),
                        None,
                        None,
                        at,
                    ),
                )
                self._audit(
                    conn,
                    ident,
                    "warning.issue",
                    agreement_id,
                    agreement.purpose,
                    {
                        "warning_id": warning_id,
                        "batch_id": batch_id,
                        "level": rule.level.value,
                        "deadline": None if deadline is None else deadline.isoformat(),
                        "joint_verification": warning_id in joint,
                    },
                )
        return IssueReport(
            batch_id,
            source.label,
            rule.rule_id,
            rules.version,
            rule.level,
            deadline,
            len(ids),
            len(joint),
            seed,
        )

    # --- transitions -----------------------------------------------------------------------
    def resolve(self, signer: pki.Signer, warning_id: str, disposition: Disposition) -> RiskWarning:
        """Record the township's verification and what it decided."""
        return self._move(signer, warning_id, Step.RESOLVE, disposition=disposition)

    def dispute(self, signer: pki.Signer, warning_id: str, reason: str) -> RiskWarning:
        """Send the match back to the provider for re-verification (疑义)."""
        reason = reason.strip()
        if not reason:
            raise InputError("a reason is required", field="reason")
        if len(reason) > MAX_REASON:
            raise InputError(f"at most {MAX_REASON} characters", field="reason")
        if _IDENTITY_NUMBER.search(reason):
            raise InputError("must not carry ID or phone numbers", field="reason")
        return self._move(signer, warning_id, Step.DISPUTE, reason=reason)

    def reverify(self, signer: pki.Signer, warning_id: str, *, confirmed: bool) -> RiskWarning:
        """The provider's answer to a dispute: its record stands (confirmed) or was wrong."""
        return self._move(signer, warning_id, Step.CONFIRM if confirmed else Step.WITHDRAW)

    def _move(
        self,
        signer: pki.Signer,
        warning_id: str,
        step: Step,
        *,
        disposition: Disposition | None = None,
        reason: str | None = None,
    ) -> RiskWarning:
        ident = self._acting(signer, step.value, warning_id)
        current = self.warning(warning_id)
        agreement = self.store.agreement(current.agreement_id)
        party = agreement.provider if step in _PROVIDER_STEPS else agreement.consumer
        if ident.department != party:
            self.store.audit(
                ident,
                "warning.refused",
                current.agreement_id,
                {"warning_id": warning_id, "step": step.value},
            )
            raise AuthorisationError()
        target = next_state(warning_id, current.state, step, disposition)
        now = self.store.now()
        deadline = current.deadline
        if step is Step.CONFIRM:
            deadline = _deadline(current.level, now)
        elif step is Step.WITHDRAW:
            disposition = Disposition.CLEAR
        kept = disposition or current.disposition
        with self.store._transaction() as conn:
            changed = conn.execute(
                "UPDATE warnings SET state = ?, deadline = ?, disposition = ?,"
                " dispute_reason = COALESCE(?, dispute_reason), updated_at = ?"
                " WHERE warning_id = ? AND state = ?",
                (
                    target.value,
                    None if deadline is None else deadline.isoformat(),
                    None if kept is None else kept.value,
                    reason,
                    _iso(now),
                    warning_id,
                    current.state.value,
                ),
            ).rowcount
            if changed != 1:
                raise GovernanceError(f"warning {warning_id} changed meanwhile; try again")
            details: dict = {
                "warning_id": warning_id,
                "from": current.state.value,
                "to": target.value,
                "level": current.level.value,
                "overdue": current.overdue(now),
            }
            if disposition is not None:
                details["disposition"] = disposition.value
            if reason is not None:
                details["reason"] = reason
            if step is Step.CONFIRM and deadline is not None:
                details["deadline"] = deadline.isoformat()
            self._audit(
                conn,
                ident,
                f"warning.{step.value}",
                agreement.agreement_id,
                agreement.purpose,
                details,
            )
        return self.warning(warning_id)

    # --- reading ---------------------------------------------------------------------------
    def warning(self, warning_id: str) -> RiskWarning:
        row = self.store._one(
            f"SELECT {_COLUMNS} FROM warnings WHERE warning_id = ?", (warning_id,)
        )
        if row is None:
            raise GovernanceError(f"no warning {warning_id}")
        return _from_row(row)

    def warnings(
        self,
        *,
        level: WarningLevel | None = None,
        state: WarningState | None = None,
        agreement_id: str | None = None,
        overdue: bool = False,
    ) -> list[RiskWarning]:
        """Warnings oldest first; `overdue` keeps those past their deadline now."""
        clauses, params = [], []
        for column, value in (
            ("level", level and level.value),
            ("state", state and state.value),
            ("agreement_id", agreement_id),
        ):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        if overdue:
            clauses.append("state = ? AND deadline IS NOT NULL AND deadline < ?")
            params += [WarningState.ISSUED.value, china_date(self.store.now()).isoformat()]
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self.store._all(
            f"SELECT {_COLUMNS} FROM warnings {where} ORDER BY issued_at, rowid", params
        )
        return [_from_row(r) for r in rows]

    # --- helpers ---------------------------------------------------------------------------
    def _acting(self, signer: pki.Signer, action: str, subject: str) -> pki.Identity:
        """The registered identity of `signer`, which must hold the certificate's key."""
        ident, _ = self.store._signed_by(signer, f"pprl/warning/v1\0{action}\0{subject}".encode())
        return ident

    def _audit(self, conn, ident: pki.Identity, action, agreement_id, purpose, details) -> None:
        self.store._append_audit(
            conn, ident.department, ident.fingerprint, action, agreement_id, purpose, details
        )


def _deadline(level: WarningLevel, now: dt.datetime) -> dt.date | None:
    days = level.working_days
    return None if days is None else add_working_days(china_date(now), days)


_COLUMNS = (
    "warning_id, batch_id, agreement_id, token_a, token_b, score, rule_id, level,"
    " disposition_hint, joint_verification, state, issued_at, deadline, disposition,"
    " dispute_reason, updated_at"
)


def _from_row(row: tuple) -> RiskWarning:
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
