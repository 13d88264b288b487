"""Options and helpers shared by the governance commands."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import click

from governance import pki
from governance.passphrases import load_signer
from governance.store import DB_FILE, GovernanceStore
from pprl.errors import GovernanceError, InputError

EXISTING_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
NEW_FILE = click.Path(dir_okay=False, path_type=Path)
DIRECTORY = click.Path(file_okay=False, path_type=Path)
CA_SUBDIR = "ca"
CERTS_SUBDIR = "certs"


def data_dir_option(func: Callable) -> Callable:
    return click.option(
        "--data-dir",
        type=DIRECTORY,
        default=Path("pprl-data"),
        show_default=True,
        help="Governance data directory (database, CA, certificates).",
    )(func)


def ca_dir_option(func: Callable) -> Callable:
    return click.option(
        "--ca-dir",
        type=DIRECTORY,
        default=None,
        help="The office's CA directory (default DATA_DIR/ca); keep it off the matcher's host.",
    )(func)


def resolve_ca_dir(data_dir: Path, ca_dir: Path | None) -> Path:
    return ca_dir if ca_dir is not None else data_dir / CA_SUBDIR


def signer_options(func: Callable) -> Callable:
    """--cert/--key of the party acting (its key passphrase from PPRL_KEY_PASSPHRASE)."""
    func = click.option(
        "--key",
        "key_path",
        required=True,
        type=EXISTING_FILE,
        help="Private key of the acting party.",
    )(func)
    return click.option(
        "--cert",
        "cert_path",
        required=True,
        type=EXISTING_FILE,
        help="Certificate of the acting party.",
    )(func)


def signer(cert_path: Path, key_path: Path) -> pki.Signer:
    return load_signer(cert_path, key_path)


def open_store(data_dir: Path, *, create: bool = False) -> GovernanceStore:
    path = data_dir / DB_FILE
    if not create and not path.exists():
        raise GovernanceError(f"no governance database in {data_dir}; run `pprl pki init` first")
    return GovernanceStore(path)


def parse_time(text: str, field: str) -> dt.datetime:
    """An ISO date or date-time; naive values are taken as UTC."""
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"not an ISO date or date-time: {text!r}", field=field) from None
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)
