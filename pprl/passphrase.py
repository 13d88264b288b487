"""Where every passphrase comes from: a named environment variable, else a hidden prompt.

Each purpose has its own variable (governance/passphrases.py lists them), so the passphrase of
one key never opens another by accident. A passphrase is returned as bytes and is never echoed,
printed or logged; an empty one is refused.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from pprl.errors import SecretError


def read_passphrase(env: str, purpose: str, *, confirm: bool = False) -> bytes:
    """The passphrase in `env`, else asked for on the terminal with input hidden."""
    value = os.environ.get(env)
    if value is None:
        try:
            value = click.prompt(
                f"Passphrase for {purpose}", hide_input=True, confirmation_prompt=confirm, err=True
            )
        except click.Abort:
            raise SecretError(f"no passphrase given for {purpose}") from None
    if not value:
        raise SecretError(f"an empty passphrase cannot protect {purpose}")
    return value.encode("utf-8")


def key_is_encrypted(key_path: Path) -> bool:
    """Whether a PEM private key asks for a passphrase (so one is asked for only when needed)."""
    try:
        return b"ENCRYPTED" in Path(key_path).read_bytes()[:64]
    except OSError:
        return False
