"""`pprl` governance commands: pki, catalog, agreement, audit, warnings, keys share/receive.

Every command takes `--data-dir` (default ./pprl-data): the governance database is
DATA_DIR/governance.sqlite. The office's CA lives in the directory that `--ca-dir` (or
PPRL_CA_DIR) names, never inside DATA_DIR: its key can issue certificates. Certificates issued
from requests and the matcher's go to DATA_DIR/certs unless `--out` says otherwise. Commands
that act for a party take its `--cert` and `--key`; the store checks the certificate and
records the signature.
"""

from __future__ import annotations

import click

from governance.cli_agreement import agreement
from governance.cli_audit import audit
from governance.cli_catalog import catalog
from governance.cli_pki import pki_group
from governance.cli_warnings import warnings_group


def register(main: click.Group) -> None:
    for group in (pki_group, catalog, agreement, audit, warnings_group):
        main.add_command(group)
