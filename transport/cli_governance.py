"""The parties' governance commands over gRPC, added to the groups governance registers.

    pprl warnings issue|list|resolve|dispute|reverify   the consumer and the provider
    pprl audit show|anchor                              a party's own entries; the office anchors
    pprl pki register|publish-crl                       the office hands the matcher what its
                                                        offline CA made
    pprl catalog ..., pprl agreement ...                transport.cli_agreements

Each takes `--profile` or --server/--cert/--key/--ca (`transport.cli_options`) and signs what
the store checks with the party's own key; none opens the matcher's files.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from governance.audit import anchor_to_json
from governance.cli_common import EXISTING_FILE, NEW_FILE, parse_time
from governance.cli_warnings import LIST_COLUMNS, SEED_RANGE, cell, rules_option
from governance.warning_rules import Disposition, WarningLevel, load_rules
from governance.warnings import WarningState
from transport.cli_agreements import agreement, catalog
from transport.cli_options import client_options, output_options
from transport.governance_views import warning_dict


def _choice(enum_type) -> click.Choice:
    return click.Choice([member.value for member in enum_type])


# --- warnings --------------------------------------------------------------------------------
@click.command("issue")
@click.option("--run", "run_id", required=True, help="A finished run under the agreement.")
@click.option("--agreement", "agreement_id", required=True, help="The agreement of the match.")
@click.option("--left-dataset", required=True, help="Dataset of token_a (catalogue entry).")
@click.option("--right-dataset", required=True, help="Dataset of token_b (catalogue entry).")
@rules_option
@click.option(
    "--seed",
    type=SEED_RANGE,
    default=None,
    help="Seed of the county joint-verification draw (default: random, recorded in the audit).",
)
@output_options
@client_options
def warnings_issue(
    client, output, run_id, agreement_id, left_dataset, right_dataset, rules_path, seed
) -> None:
    """Issue one warning per matched pair of a run, at the level the rules give the datasets."""
    rules_json = ""
    if rules_path is not None:
        load_rules(rules_path)  # checked here first: the problem is named at its file and rule
        rules_json = Path(rules_path).read_text(encoding="utf-8")
    batch = client.issue_warnings(
        agreement_id, run_id, left_dataset, right_dataset, rules_json=rules_json, seed=seed
    )
    deadline = batch.deadline or "none (regular visits)"
    text = (
        f"issued {batch.issued} {batch.level} warning(s) in batch {batch.batch_id}"
        f" (rule {batch.rule_id}, rules {batch.rules_version}); deadline {deadline}"
    )
    if batch.level == WarningLevel.RED.value:
        text += (
            f"\ncounty joint verification: {batch.joint_verification} of {batch.issued}"
            f" (seed {batch.seed})"
        )
    data = {
        "batch_id": batch.batch_id,
        "issued": batch.issued,
        "level": batch.level,
        "deadline": batch.deadline or None,
        "rule_id": batch.rule_id,
        "joint_verification": batch.joint_verification,
        "seed": batch.seed,
    }
    output.emit(batch.batch_id, data, text)


@click.command("list")
@click.option("--level", type=_choice(WarningLevel), default=None, help="Only this level.")
@click.option("--state", type=_choice(WarningState), default=None, help="Only this state.")
@click.option("--agreement", "agreement_id", default=None, help="Only this agreement.")
@click.option("--overdue", is_flag=True, help="Only warnings past their deadline, unverified.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option(
    "--map",
    "map_path",
    type=EXISTING_FILE,
    help="This party's X.map.parquet: add the record_id of its own record of each warning.",
)
@client_options
def warnings_list(client, level, state, agreement_id, overdue, as_json, map_path) -> None:
    """List the warnings of agreements this party is consumer or provider of, oldest first,
    with each match's score (and, with --map, this party's own record id)."""
    from transport.disclosure import token_index

    ids_of = token_index(map_path, "record_id") if map_path else None
    columns = LIST_COLUMNS if ids_of is None else (*LIST_COLUMNS, "record_id")
    found = client.warnings(level=level, state=state, agreement_id=agreement_id, overdue=overdue)
    if not as_json:
        click.echo("\t".join(columns))
    for w in found:
        row = warning_dict(w)
        if ids_of is not None:  # its own side's token: the other side's is not in its map
            own = ids_of.get(w.token_a, ids_of.get(w.token_b))
            row["record_id"] = None if own is None else str(own)
        if as_json:
            click.echo(json.dumps(row, ensure_ascii=False))
        else:
            click.echo("\t".join(cell(row[column]) for column in columns))
    if not as_json:
        click.echo(f"{len(found)} warning(s)", err=True)


@click.command("resolve")
@click.argument("warning_id")
@click.option("--disposition", type=_choice(Disposition), required=True, help="What was decided.")
@client_options
def warnings_resolve(client, warning_id: str, disposition: str) -> None:
    """Record verification of a warning and its disposition (clear-warning lifts it)."""
    w = client.resolve_warning(warning_id, disposition)
    click.echo(f"warning {w.warning_id} {w.state} ({disposition})")


@click.command("dispute")
@click.argument("warning_id")
@click.option("--reason", required=True, help="Why the match is doubted (no identity data).")
@client_options
def warnings_dispute(client, warning_id: str, reason: str) -> None:
    """Send a doubted match back to the provider (疑义); the citizen's business continues."""
    w = client.dispute_warning(warning_id, reason)
    click.echo(f"warning {w.warning_id} disputed: sent back to the provider for re-verification")


@click.command("reverify")
@click.argument("warning_id")
@click.option(
    "--confirm/--withdraw",
    "confirmed",
    required=True,
    default=None,
    help="The provider's record stands (the warning is issued again) or was wrong (cleared).",
)
@client_options
def warnings_reverify(client, warning_id: str, confirmed: bool) -> None:
    """The provider's answer to a disputed warning."""
    w = client.reverify_warning(warning_id, confirmed=confirmed)
    deadline = f"; deadline {w.deadline}" if w.deadline and confirmed else ""
    click.echo(f"warning {w.warning_id} {w.state}{deadline}")


# --- audit -----------------------------------------------------------------------------------
@click.command("show")
@click.option("--agreement", "agreement_id", default=None, help="Only entries for this agreement.")
@click.option("--action", default=None, help="Only this action, e.g. agreement.approve.")
@click.option("--since", default=None, help="ISO date-time (inclusive).")
@click.option("--until", default=None, help="ISO date-time (exclusive).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@client_options
def audit_show(client, agreement_id, action, since, until, as_json) -> None:
    """This party's own entries in the matcher's audit log, oldest first."""
    entries = client.audit_entries(
        agreement_id=agreement_id,
        action=action,
        since=parse_time(since, "since").isoformat() if since else None,
        until=parse_time(until, "until").isoformat() if until else None,
    )
    for e in entries:
        details = json.loads(e.details_json or "{}")
        if as_json:
            row = {
                "seq": e.seq,
                "at": e.at,
                "actor": e.actor,
                "action": e.action,
                "agreement_id": e.agreement_id or None,
                "purpose": e.purpose or None,
                "details": details,
            }
            click.echo(json.dumps(row, ensure_ascii=False))
        else:
            text = json.dumps(details, ensure_ascii=False, sort_keys=True)
            click.echo(
                f"{e.seq}\t{e.at}\t{e.actor}\t{e.action}\t{e.agreement_id or '-'}\t"
                f"{e.purpose or '-'}\t{text}"
            )


@click.command("anchor")
@click.option(
    "--out",
    type=NEW_FILE,
    default=None,
    help="Also write the signed anchor here (keep it away from the matcher).",
)
@client_options
def audit_anchor(client, out: Path | None) -> None:
    """The office signs the matcher's chain head (read after the matcher verified the chain)."""
    anchor = client.anchor_audit()
    if out is not None:
        out.write_text(anchor_to_json(anchor) + "\n", encoding="ascii")
    click.echo(f"anchored entry {anchor.seq} {anchor.head_hash}")


# --- the office ------------------------------------------------------------------------------
@click.command("register")
@click.argument("certificates", nargs=-1, required=True, type=EXISTING_FILE)
@client_options
def pki_register(client, certificates: tuple[Path, ...]) -> None:
    """The office registers certificates its CA issued with the matcher."""
    for path in certificates:
        party = client.register_certificate(path.read_bytes())
        click.echo(f"registered {party.department} ({party.role}) {party.fingerprint}")


@click.command("publish-crl")
@click.argument("crl_path", type=EXISTING_FILE)
@client_options
def pki_publish_crl(client, crl_path: Path) -> None:
    """The office hands the matcher its latest revocation list (never an older one)."""
    receipt = client.update_crl(crl_path.read_bytes())
    click.echo(f"matcher holds the revocation list: {receipt.revoked} revoked certificate(s)")


NETWORK_COMMANDS = {
    "warnings": (
        warnings_issue,
        warnings_list,
        warnings_resolve,
        warnings_dispute,
        warnings_reverify,
    ),
    "audit": (audit_show, audit_anchor),
    "pki": (pki_register, pki_publish_crl),
}


def register(main: click.Group) -> None:
    """Add the network commands to the groups governance registered, and catalog, agreement."""
    main.add_command(catalog)
    main.add_command(agreement)
    for group, commands in NETWORK_COMMANDS.items():
        target = main.commands.get(group)
        if not isinstance(target, click.Group):
            raise RuntimeError(f"governance's {group} group must be registered first")
        for command in commands:
            target.add_command(command)
