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
CERTS_SUBDIR = "certs"
CA_DIR_ENV = "PPRL_CA_DIR"


def data_dir_option(func: Callable) -> Callable:
    return click.option(
        "--data-dir",
        type=DIRECTORY,
        default=Path("pprl-data"),
        show_default=True,
        help="The matcher's data directory (its governance database).",
    )(func)


def ca_dir_option(func: Callable) -> Callable:
    return click.option(
        "--ca-dir",
        type=DIRECTORY,
        envvar=CA_DIR_ENV,
        default=None,
        help=f"The office's CA directory (or {CA_DIR_ENV}); required, and never inside DATA_DIR.",
    )(func)


def is_inside(path: Path, directory: Path) -> bool:
    """Whether `path` is `directory` or lies below it (links resolved)."""
    inner, outer = path.resolve(), directory.resolve()
    return inner == outer or outer in inner.parents


def require_ca_dir(ca_dir: Path | None) -> Path:
    """The CA directory, always given explicitly: it never defaults to a place of its own.

    Whoever holds the CA key can issue a new office certificate and forge approvals; it stays
    on the office's machine, and no command that opens the matcher's data takes it.
    """
    if ca_dir is None:
        raise InputError(
            f"give --ca-dir (or {CA_DIR_ENV}): the office's CA directory", field="--ca-dir"
        )
    if (ca_dir / "governance.sqlite").exists():
        raise GovernanceError(
            f"{ca_dir} holds a matcher's governance database; keep the CA key elsewhere"
        )
    return ca_dir


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
