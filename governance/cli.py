"""`pprl` governance commands that run where their files are, never over the network.

`pki init|request|issue|revoke|crl` open only the office's CA directory (`--ca-dir` or
PPRL_CA_DIR) or a party's own directory; `matcher init|register` and `audit verify` are the
matcher's own maintenance of its data directory (`--data-dir`, DATA_DIR/governance.sqlite);
`warnings rules` reads a rules file. Everything a party asks of the matcher's governance
(catalogue, agreements, key relay, warnings, audit, the office's registrations) goes over
gRPC: `transport.cli_governance` adds those commands to the same groups.
"""

from __future__ import annotations

import click

from governance.cli_audit import audit
from governance.cli_matcher import matcher_group
from governance.cli_pki import pki_group
from governance.cli_warnings import warnings_group


def register(main: click.Group) -> None:
    for group in (pki_group, matcher_group, audit, warnings_group):
        main.add_command(group)
