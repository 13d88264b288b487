"""`pprl warnings issue|list|resolve|dispute|reverify|rules`: risk warnings from matched pairs."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import click

from governance.cli_common import (
    EXISTING_FILE,
    data_dir_option,
    open_store,
    signer,
    signer_options,
)
from governance.store import GovernanceStore
from governance.warning_pairs import pairs_from_csv, pairs_from_run
from governance.warning_rules import Disposition, WarningLevel, load_rules
from governance.warnings import RiskWarning, WarningState
from pprl.errors import InputError

SEED_RANGE = click.IntRange(0, 2**63 - 1)
LIST_COLUMNS = (
    "warning_id",
    "level",
    "state",
    "deadline",
    "overdue",
    "joint_verification",
    "disposition_hint",
    "disposition",
    "agreement_id",
)


def _open(data_dir: Path) -> GovernanceStore:
    # One place to open the store, so tests can hand the commands a store with their clock.
    return open_store(data_dir)


def _rules_option(func):
    return click.option(
        "--rules",
        "rules_path",
        type=EXISTING_FILE,
        default=None,
        help="A warning rules file (default: the built-in rules; see `pprl warnings rules`).",
    )(func)


def _choice(enum_type) -> click.Choice:
    return click.Choice([member.value for member in enum_type])


@click.group("warnings")
def warnings_group() -> None:
    """Risk warnings (风险预警) from matched pairs: issue, list, verify, dispute."""


@warnings_group.command("issue")
@data_dir_option
@signer_options
@click.option("--run", "run_id", default=None, help="A run on this matcher (DATA_DIR/runs).")
@click.option(
    "--pairs", "pairs_path", type=EXISTING_FILE, default=None, help="token_a,token_b,score CSV."
)
@click.option("--agreement", "agreement_id", required=True, help="The agreement of the match.")
@click.option("--left-dataset", required=True, help="Dataset of token_a (with --run: the run's A).")
@click.option(
    "--right-dataset", required=True, help="Dataset of token_b (with --run: the run's B)."
)
@_rules_option
@click.option(
    "--seed",
    type=SEED_RANGE,
    default=None,
    help="Seed of the county joint-verification draw (default: random, recorded in the audit).",
)
def warnings_issue(
    data_dir: Path,
    cert_path: Path,
    key_path: Path,
    run_id: str | None,
    pairs_path: Path | None,
    agreement_id: str,
    left_dataset: str,
    right_dataset: str,
    rules_path: Path | None,
    seed: int | None,
) -> None:
    """Issue one warning per matched pair, at the level the rules give the two datasets."""
    if (run_id is None) == (pairs_path is None):
        raise InputError("give exactly one of --run and --pairs", field="run")
    rules = load_rules(rules_path)
    source = (
        pairs_from_csv(pairs_path)
        if pairs_path is not None
        else pairs_from_run(
            data_dir, run_id or "", agreement_id, datasets=(left_dataset, right_dataset)
        )
    )
    seed = secrets.randbelow(2**63) if seed is None else seed
    acting = signer(cert_path, key_path)
    with _open(data_dir) as store:
        report = store.issue_warnings(
            acting, agreement_id, source, left_dataset, right_dataset, rules=rules, seed=seed
        )
    deadline = report.deadline.isoformat() if report.deadline else "none (regular visits)"
    click.echo(
        f"issued {report.issued} {report.level.value} warning(s) in batch {report.batch_id}"
        f" (rule {report.rule_id}, rules {report.rules_version}); deadline {deadline}"
    )
    if report.level is WarningLevel.RED:
        click.echo(
            f"county joint verification: {report.joint_verification} of {report.issued}"
            f" (seed {report.seed})"
        )


@warnings_group.command("list")
@data_dir_option
@click.option("--level", type=_choice(WarningLevel), default=None, help="Only this level.")
@click.option("--state", type=_choice(WarningState), default=None, help="Only this state.")
@click.option("--agreement", "agreement_id", default=None, help="Only this agreement.")
@click.option("--overdue", is_flag=True, help="Only warnings past their deadline, unverified.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def warnings_list(
    data_dir: Path,
    level: str | None,
    state: str | None,
    agreement_id: str | None,
    overdue: bool,
    as_json: bool,
) -> None:
    """List warnings, oldest first."""
    with _open(data_dir) as store:
        now = store.now()
        found = store.warnings(
            level=WarningLevel(level) if level else None,
            state=WarningState(state) if state else None,
            agreement_id=agreement_id,
            overdue=overdue,
        )
    if not as_json:
        click.echo("\t".join(LIST_COLUMNS))
    for w in found:
        row = _as_dict(w, now)
        if as_json:
            click.echo(json.dumps(row, ensure_ascii=False))
        else:
            click.echo("\t".join(_cell(row[column]) for column in LIST_COLUMNS))
    if not as_json:
        click.echo(f"{len(found)} warning(s)", err=True)


@warnings_group.command("resolve")
@data_dir_option
@signer_options
@click.argument("warning_id")
@click.option("--disposition", type=_choice(Disposition), required=True, help="What was decided.")
def warnings_resolve(
    data_dir: Path, cert_path: Path, key_path: Path, warning_id: str, disposition: str
) -> None:
    """Record verification of a warning and its disposition (clear-warning lifts it)."""
    acting = signer(cert_path, key_path)
    with _open(data_dir) as store:
        w = store.resolve_warning(acting, warning_id, Disposition(disposition))
    click.echo(f"warning {w.warning_id} {w.state.value} ({disposition})")


@warnings_group.command("dispute")
@data_dir_option
@signer_options
@click.argument("warning_id")
@click.option("--reason", required=True, help="Why the match is doubted (no identity data).")
def warnings_dispute(
    data_dir: Path, cert_path: Path, key_path: Path, warning_id: str, reason: str
) -> None:
    """Send a doubted match back to the provider (疑义); the citizen's business continues."""
    acting = signer(cert_path, key_path)
    with _open(data_dir) as store:
        w = store.dispute_warning(acting, warning_id, reason)
    click.echo(f"warning {w.warning_id} disputed: sent back to the provider for re-verification")


@warnings_group.command("reverify")
@data_dir_option
@signer_options
@click.argument("warning_id")
@click.option(
    "--confirm/--withdraw",
    "confirmed",
    required=True,
    default=None,
    help="The provider's record stands (the warning is issued again) or was wrong (cleared).",
)
def warnings_reverify(
    data_dir: Path, cert_path: Path, key_path: Path, warning_id: str, confirmed: bool
) -> None:
    """The provider's answer to a disputed warning."""
    acting = signer(cert_path, key_path)
    with _open(data_dir) as store:
        w = store.reverify_warning(acting, warning_id, confirmed=confirmed)
    deadline = f"; deadline {w.deadline.isoformat()}" if w.deadline and confirmed else ""
    click.echo(f"warning {w.warning_id} {w.state.value}{deadline}")


@warnings_group.command("rules")
@_rules_option
def warnings_rules(rules_path: Path | None) -> None:
    """Check and show warning rules (the built-in ones unless --rules is given)."""
    rules = load_rules(rules_path)
    click.echo(f"rules {rules.version} from {rules.source}: {len(rules.rules)} rule(s)")
    for rule in rules.rules:
        pair = " x ".join(sorted(rule.datasets))
        click.echo(f"{rule.rule_id}\t{pair}\t{rule.level.value}\t{rule.disposition_hint.value}")


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _as_dict(w: RiskWarning, now) -> dict:
    return {
        "warning_id": w.warning_id,
        "batch_id": w.batch_id,
        "agreement_id": w.agreement_id,
        "token_a": w.token_a,
        "token_b": w.token_b,
        "score": w.score,
        "rule_id": w.rule_id,
        "level": w.level.value,
        "state": w.state.value,
        "issued_at": w.issued_at.isoformat(),
        "deadline": w.deadline.isoformat() if w.deadline else None,
        "overdue": w.overdue(now),
        "joint_verification": w.joint_verification,
        "disposition_hint": w.disposition_hint.value,
        "disposition": w.disposition.value if w.disposition else None,
        "dispute_reason": w.dispute_reason,
    }
