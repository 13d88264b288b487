"""The warnings part of the governance store (a mixin of GovernanceStore).

Issuing and every transition run in one transaction together with their audit entries; the
states, steps and rows are `governance.warnings`. Who may do what is in that module's docstring.
"""

from __future__ import annotations

import secrets

from governance import pki
from governance.joint_verification import select_for_joint_verification
from governance.model import Action
from governance.signed import Actor
from governance.store_base import _iso
from governance.warning_pairs import PairSource
from governance.warning_rules import Disposition, RuleSet, WarningLevel
from governance.warnings import (
    IDENTITY_NUMBER,
    MAX_REASON,
    PROVIDER_STEPS,
    WARNING_COLUMNS,
    IssueReport,
    RiskWarning,
    Step,
    WarningState,
    deadline_for,
    next_state,
    warning_from_row,
    warning_message,
)
from governance.workdays import china_date
from pprl.errors import AuthorisationError, GovernanceError, InputError


class WarningsMixin:
    """Warnings in the governance store (tables from migration 3), changed only through here."""

    # --- issuing ---------------------------------------------------------------------------
    def issue_warnings(
        self,
        signer: Actor,
        agreement_id: str,
        source: PairSource,
        left_dataset: str,
        right_dataset: str,
        *,
        rules: RuleSet,
        seed: int,
    ) -> IssueReport:
        """One warning per matched pair, all at the level the rule for the two datasets sets."""
        ident = self._warning_actor(signer, "issue", agreement_id)
        agreement = self.authorise(ident.department, Action.RUN, agreement_id)
        rule = rules.rule_for(left_dataset, right_dataset)
        now = self.now()
        deadline = deadline_for(rule.level, now)
        batch_id = f"wb-{secrets.token_hex(8)}"
        ids = [f"w-{secrets.token_hex(8)}" for _ in source.pairs]
        joint = (
            select_for_joint_verification(ids, seed)
            if rule.level is WarningLevel.RED
            else frozenset()
        )
        at = _iso(now)
        with self._transaction() as conn:
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
            self._audit_warning(
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
                self._audit_warning(
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
    def resolve_warning(
        self, signer: Actor, warning_id: str, disposition: Disposition
    ) -> RiskWarning:
        """Record the township's verification and what it decided."""
        return self._move_warning(signer, warning_id, Step.RESOLVE, disposition=disposition)

    def dispute_warning(self, signer: Actor, warning_id: str, reason: str) -> RiskWarning:
        """Send the match back to the provider for re-verification (疑义)."""
        reason = reason.strip()
        if not reason:
            raise InputError("a reason is required", field="reason")
        if len(reason) > MAX_REASON:
            raise InputError(f"at most {MAX_REASON} characters", field="reason")
        if IDENTITY_NUMBER.search(reason):
            raise InputError("must not carry ID or phone numbers", field="reason")
        return self._move_warning(signer, warning_id, Step.DISPUTE, reason=reason)

    def reverify_warning(self, signer: Actor, warning_id: str, *, confirmed: bool) -> RiskWarning:
        """The provider's answer to a dispute: its record stands (confirmed) or was wrong."""
        return self._move_warning(signer, warning_id, Step.CONFIRM if confirmed else Step.WITHDRAW)

    def _move_warning(
        self,
        signer: Actor,
        warning_id: str,
        step: Step,
        *,
        disposition: Disposition | None = None,
        reason: str | None = None,
    ) -> RiskWarning:
        ident = self._warning_actor(signer, step.value, warning_id)
        current = self.warning(warning_id)
        agreement = self.agreement(current.agreement_id)
        party = agreement.provider if step in PROVIDER_STEPS else agreement.consumer
        if ident.department != party:
            self.audit(
                ident,
                "warning.refused",
                current.agreement_id,
                {"warning_id": warning_id, "step": step.value},
            )
            raise AuthorisationError()
        target = next_state(warning_id, current.state, step, disposition)
        now = self.now()
        deadline = current.deadline
        if step is Step.CONFIRM:
            deadline = deadline_for(current.level, now)
        elif step is Step.WITHDRAW:
            disposition = Disposition.CLEAR
        kept = disposition or current.disposition
        with self._transaction() as conn:
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
            self._audit_warning(
                conn,
                ident,
                f"warning.{step.value}",
                agreement.agreement_id,
                agreement.purpose,
                details,
            )
        return self.warning(warning_id)

    # --- reading ---------------------------------------------------------------------------
    def warning_source(self, batch_id: str) -> str:
        """What a batch's pairs came from: a run id, or `pairs-sha256:...` for a pairs file."""
        row = self._one("SELECT source FROM warning_batches WHERE batch_id = ?", (batch_id,))
        if row is None:
            raise GovernanceError(f"no warning batch {batch_id}")
        return row[0]

    def warning(self, warning_id: str) -> RiskWarning:
        row = self._one(
            f"SELECT {WARNING_COLUMNS} FROM warnings WHERE warning_id = ?", (warning_id,)
        )
        if row is None:
            raise GovernanceError(f"no warning {warning_id}")
        return warning_from_row(row)

    def warnings(
        self,
        *,
        level: WarningLevel | None = None,
        state: WarningState | None = None,
        agreement_id: str | None = None,
        overdue: bool = False,
        party: str | None = None,
    ) -> list[RiskWarning]:
        """Warnings oldest first; `overdue` keeps those past their deadline now.

        `party`: only warnings under agreements whose consumer or provider it is (who may act
        on a warning at all; what the governance service shows a caller).
        """
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
            params += [WarningState.ISSUED.value, china_date(self.now()).isoformat()]
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._all(
            f"SELECT {WARNING_COLUMNS} FROM warnings {where} ORDER BY issued_at, rowid", params
        )
        found = [warning_from_row(r) for r in rows]
        if party is not None:
            mine = {
                a.agreement_id
                for a in self.agreements(department=party)
                if party in (a.consumer, a.provider)
            }
            found = [w for w in found if w.agreement_id in mine]
        return found

    # --- helpers ---------------------------------------------------------------------------
    def _warning_actor(self, signer: Actor, action: str, subject: str) -> pki.Identity:
        """The registered identity of `signer`, whose signature over the step must verify."""
        ident, _ = self._signed_by(signer, warning_message(action, subject))
        return ident

    def _audit_warning(
        self, conn, ident: pki.Identity, action, agreement_id, purpose, details
    ) -> None:
        self._append_audit(
            conn, ident.department, ident.fingerprint, action, agreement_id, purpose, details
        )
