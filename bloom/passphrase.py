"""Where passphrases come from: the PPRL_PASSPHRASE environment variable, else a hidden prompt."""

from __future__ import annotations

import os

import click

from pprl.errors import SecretError

PASSPHRASE_ENV = "PPRL_PASSPHRASE"


def read_passphrase(purpose: str, *, confirm: bool = False) -> bytes:
    """The passphrase as bytes; never echoed, never logged."""
    value = os.environ.get(PASSPHRASE_ENV)
    if value is None:
        try:
            value = click.prompt(
                f"Passphrase for {purpose}",
                hide_input=True,
                confirmation_prompt=confirm,
                err=True,
            )
        except click.Abort:
            raise SecretError(f"no passphrase given for {purpose}") from None
    if not value:
        raise SecretError(f"an empty passphrase cannot protect {purpose}")
    return value.encode("utf-8")
