"""`pprl` commands of the department side: `keys new` (and encode, clk import/export)."""

from __future__ import annotations

from pathlib import Path

import click

from bloom.passphrase import read_passphrase
from bloom.secret import LinkageSecret
from pprl.errors import InputError


@click.command("new")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the encrypted linkage secret (never overwritten).",
)
def keys_new(out: Path) -> None:
    """Create a linkage secret (256 random bits) encrypted with a passphrase; print its key id.

    The passphrase comes from the PPRL_PASSPHRASE environment variable or a prompt.
    """
    if out.exists():
        raise InputError("already exists; refusing to overwrite a linkage secret", path=str(out))
    passphrase = read_passphrase(f"new linkage secret {out}", confirm=True)
    secret = LinkageSecret.generate()
    try:
        secret.save(out, passphrase)
    except OSError as exc:
        raise InputError(f"cannot write ({exc.strerror})", path=str(out)) from None
    click.echo(secret.key_id)


def register(main: click.Group) -> None:
    keys = main.commands["keys"]
    assert isinstance(keys, click.Group)
    keys.add_command(keys_new)
