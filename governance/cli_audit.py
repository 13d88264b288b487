"""`pprl audit verify`: the matcher checks its own tamper-evident audit log, locally.

The parties' side, over the network, is `pprl audit show|anchor` (transport.cli_governance).
"""

from __future__ import annotations

from pathlib import Path

import click

from governance import pki
from governance.audit import anchor_from_json
from governance.cli_common import EXISTING_FILE, NEW_FILE, data_dir_option, open_store
from pprl.errors import InputError, IntegrityError


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
