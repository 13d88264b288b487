"""Where every passphrase comes from: a named environment variable, else a hidden prompt.

Each purpose has its own variable, so the passphrase of one key never opens another by accident:

    PPRL_PASSPHRASE              SECRET_ENV       a linkage secret file (encoder and governance)
    PPRL_CA_PASSPHRASE           CA_ENV           the office's CA private key
    PPRL_KEY_PASSPHRASE          KEY_ENV          a certificate's private key (department,
                                                  office or matcher)
    PPRL_MATCHER_KEY_PASSPHRASE  MATCHER_KEY_ENV  the matcher's key, read by `pprl serve` only

No child process of the matcher inherits any of them (transport/childenv.py). A passphrase is
returned as bytes and is never echoed, printed or logged; an empty one is refused.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from pprl.errors import SecretError

SECRET_ENV = "PPRL_PASSPHRASE"
CA_ENV = "PPRL_CA_PASSPHRASE"
KEY_ENV = "PPRL_KEY_PASSPHRASE"
MATCHER_KEY_ENV = "PPRL_MATCHER_KEY_PASSPHRASE"
PASSPHRASE_VARIABLES = frozenset({SECRET_ENV, CA_ENV, KEY_ENV, MATCHER_KEY_ENV})


def read_passphrase(
    env: str, purpose: str, *, confirm: bool = False, terminal_only: bool = False
) -> bytes:
    """The passphrase in `env`, else asked for on the terminal with input hidden.

    With `terminal_only`, a standard input that is not a terminal (a batch job, a pipe) is
    not read: the SecretError names `env` at once instead of prompting."""
    value = os.environ.get(env)
    if value is None:
        if terminal_only and not _interactive():
            raise SecretError(f"no passphrase for {purpose}: set {env} (no terminal to ask on)")
        try:
            value = click.prompt(
                f"Passphrase for {purpose}", hide_input=True, confirmation_prompt=confirm, err=True
            )
        except click.Abort:
            raise SecretError(f"no passphrase given for {purpose}") from None
    if not value:
        raise SecretError(f"an empty passphrase cannot protect {purpose}")
    return value.encode("utf-8")


def _interactive() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def key_is_encrypted(key_path: Path) -> bool:
    """Whether a PEM private key asks for a passphrase (so one is asked for only when needed)."""
    try:
        return b"ENCRYPTED" in Path(key_path).read_bytes()[:64]
    except OSError:
        return False
