"""`pprl matcher init|register`: the matcher's own setup, on the matcher's machine.

The only governance commands besides `pprl serve` and `pprl audit verify` that open the
matcher's data directory. `init` creates the governance database and trusts the office's CA
(its certificate, its current revocation list and the office's own certificate, all public
files the office sends); from then on the office registers departments' certificates and
publishes revocation lists over the network (`pprl pki register`, `pprl pki publish-crl`).
"""

from __future__ import annotations

from pathlib import Path

import click

from governance import pki
from governance.cli_common import EXISTING_FILE, data_dir_option, open_store
from governance.store import DB_FILE
from pprl.errors import GovernanceError


@click.group("matcher")
def matcher_group() -> None:
    """The matcher's own setup: trust the office's CA, register certificates locally."""


@matcher_group.command("init")
@data_dir_option
@click.option("--ca", "ca_path", required=True, type=EXISTING_FILE, help="The CA certificate.")
@click.option(
    "--office", "office_path", required=True, type=EXISTING_FILE, help="The office's certificate."
)
@click.option(
    "--crl",
    "crl_path",
    type=EXISTING_FILE,
    default=None,
    help="The office's revocation list (default: ca.crl beside --ca, if there).",
)
@click.option(
    "--cert",
    "own_path",
    type=EXISTING_FILE,
    default=None,
    help="The matcher's own certificate, registered too.",
)
def matcher_init(
    data_dir: Path, ca_path: Path, office_path: Path, crl_path: Path | None, own_path: Path | None
) -> None:
    """Create the matcher's governance database trusting this CA and this office."""
    if (data_dir / DB_FILE).exists():
        raise GovernanceError(f"{data_dir} is already initialised")
    if (data_dir / pki.CA_KEY).exists():
        raise GovernanceError(f"{data_dir} holds a CA key; the CA stays with the office")
    crl_path = crl_path or ca_path.with_name(pki.CA_CRL)
    created = []
    try:
        with open_store(data_dir, create=True) as store:
            created.append(store.path)
            store.trust(ca_path.read_bytes())
            if crl_path.exists():
                store.update_crl(crl_path.read_bytes())
            office = pki.identity_of(pki.load_certificate(office_path))
            if office.role is not pki.Role.OFFICE:
                raise GovernanceError(f"{office_path} is not the office's certificate")
            store.register_department(office_path.read_bytes())
            if own_path is not None:
                store.register_department(own_path.read_bytes())
    except BaseException:
        for path in created:  # nothing half-initialised
            for end in ("", "-wal", "-shm"):
                path.with_name(path.name + end).unlink(missing_ok=True)
        raise
    click.echo(f"governance database: {data_dir / DB_FILE}")
    click.echo(f"trusts CA {pki.fingerprint(pki.load_certificate(ca_path))}")
    click.echo(f"office: {office.department}")


@matcher_group.command("register")
@data_dir_option
@click.argument("certificates", nargs=-1, required=True, type=EXISTING_FILE)
def matcher_register(data_dir: Path, certificates: tuple[Path, ...]) -> None:
    """Register certificates the office's CA issued, locally (the office uses pki register)."""
    with open_store(data_dir) as store:
        for path in certificates:
            ident = store.register_department(path.read_bytes())
            click.echo(f"registered {ident.department} ({ident.role.value}) {ident.fingerprint}")
