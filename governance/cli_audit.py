"""`pprl audit verify|show|anchor`: the tamper-evident audit log."""

from __future__ import annotations

import json
from pathlib import Path

import click

from governance import pki
from governance.audit import anchor_from_json, anchor_to_json
from governance.cli_common import (
    EXISTING_FILE,
    NEW_FILE,
    data_dir_option,
    open_store,
    parse_time,
    signer,
    signer_options,
)
from pprl.errors import InputError, IntegrityError
from pprl.files import write_atomic


@click.group("audit")
def audit() -> None:
    """Verify, show and anchor the hash-chained audit log."""


@audit.command("verify")
@data_dir_option
@click.option(
    "--anchor",
    "anchor_files",
    multiple=True,
    type=NEW_FILE,
    help="A signed anchor file kept by the office; repeat.",
)
@click.option(
    "--ca",
    "ca_path",
    type=EXISTING_FILE,
    default=None,
    help="The office's CA certificate kept outside the matcher; anchors are checked against it.",
)
def audit_verify(data_dir: Path, anchor_files: tuple[Path, ...], ca_path: Path | None) -> None:
    """Check every entry and every anchor; name the first bad entry (exit 1) if any."""
    anchors = []
    for path in anchor_files:
        try:
            anchors.append(anchor_from_json(path.read_text(encoding="ascii"), str(path)))
        except (OSError, UnicodeDecodeError):
            raise InputError("cannot read the anchor file", path=str(path)) from None
    with open_store(data_dir) as store:
        ca = pki.load_certificate(ca_path) if ca_path is not None else None
        report = store.verify_audit(anchors, ca)
    if not report.ok:
        raise IntegrityError(f"audit log does not verify: {report.reason}")
    click.echo(f"audit log verifies: {report.entries} entries, {len(anchors)} external anchor(s)")


@audit.command("show")
@data_dir_option
@click.option("--department", default=None, help="Only entries by this department.")
@click.option("--agreement", "agreement_id", default=None, help="Only entries for this agreement.")
@click.option("--action", default=None, help="Only this action, e.g. agreement.approve.")
@click.option("--since", default=None, help="ISO date-time (inclusive).")
@click.option("--until", default=None, help="ISO date-time (exclusive).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def audit_show(
    data_dir: Path,
    department: str | None,
    agreement_id: str | None,
    action: str | None,
    since: str | None,
    until: str | None,
    as_json: bool,
) -> None:
    """List audit entries, oldest first."""
    with open_store(data_dir) as store:
        entries = store.audit_entries(
            department=department,
            agreement_id=agreement_id,
            action=action,
            since=parse_time(since, "since") if since else None,
            until=parse_time(until, "until") if until else None,
        )
    for e in entries:
        if as_json:
            click.echo(
                json.dumps(
                    {
                        "seq": e.seq,
                        "at": e.at,
                        "actor": e.actor,
                        "action": e.action,
                        "agreement_id": e.agreement_id,
                        "purpose": e.purpose,
                        "details": e.details,
                    },
                    ensure_ascii=False,
                )
            )
        else:
            details = json.dumps(e.details, ensure_ascii=False, sort_keys=True)
            click.echo(
                f"{e.seq}\t{e.at}\t{e.actor}\t{e.action}\t{e.agreement_id or '-'}\t"
                f"{e.purpose or '-'}\t{details}"
            )


@audit.command("anchor")
@data_dir_option
@signer_options
@click.option(
    "--out",
    type=NEW_FILE,
    default=None,
    help="Also write the signed anchor here (keep it away from the matcher).",
)
def audit_anchor(data_dir: Path, cert_path: Path, key_path: Path, out: Path | None) -> None:
    """Sign the chain head with the office's certificate."""
    with open_store(data_dir) as store:
        anchor = store.anchor_audit(signer(cert_path, key_path))
    if out is not None:
        write_atomic(out, (anchor_to_json(anchor) + "\n").encode("ascii"))
    click.echo(f"anchored entry {anchor.seq} {anchor.head_hash}")
