"""`pprl warnings rules` (local) and the shared pieces of the warnings commands.

The parties issue, list, resolve, dispute and reverify warnings over the network
(`transport.cli_governance`); the rules file is read where the command runs.
"""

from __future__ import annotations

from pathlib import Path

import click

from governance.cli_common import (
    EXISTING_FILE,
)
from governance.warning_rules import load_rules

SEED_RANGE = click.IntRange(0, 2**63 - 1)
LIST_COLUMNS = (
    "warning_id",
    "score",
    "level",
    "state",
    "deadline",
    "overdue",
    "joint_verification",
    "disposition_hint",
    "disposition",
    "agreement_id",
)


def rules_option(func):
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


@warnings_group.command("rules")
@rules_option
def warnings_rules(rules_path: Path | None) -> None:
    """Check and show warning rules (the built-in ones unless --rules is given)."""
    rules = load_rules(rules_path)
    click.echo(f"rules {rules.version} from {rules.source}: {len(rules.rules)} rule(s)")
    for rule in rules.rules:
        pair = " x ".join(sorted(rule.datasets))
        click.echo(f"{rule.rule_id}\t{pair}\t{rule.level.value}\t{rule.disposition_hint.value}")


def cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
