"""Where governance passphrases come from: an environment variable, else a hidden prompt.

PPRL_CA_PASSPHRASE   the office's CA private key
PPRL_KEY_PASSPHRASE  a certificate's private key (department, office or matcher)
PPRL_PASSPHRASE      a linkage secret file (the same variable the encoder reads)

`pprl serve` opens the matcher's key with PPRL_MATCHER_KEY_PASSPHRASE instead, and no child
process of the matcher inherits any of these (transport/childenv.py).
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from governance import pki
from pprl.errors import SecretError

CA_ENV = "PPRL_CA_PASSPHRASE"
KEY_ENV = "PPRL_KEY_PASSPHRASE"
SECRET_ENV = "PPRL_PASSPHRASE"


def read_passphrase(env: str, purpose: str, *, confirm: bool = False) -> bytes:
    """The passphrase as bytes; never echoed, printed or logged."""
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
    try:
        return b"ENCRYPTED" in Path(key_path).read_bytes()[:64]
    except OSError:
        return False


def load_signer(cert_path: Path, key_path: Path) -> pki.Signer:
    """A certificate and its key, asking for the key's passphrase only if it is encrypted."""
    passphrase = (
        read_passphrase(KEY_ENV, f"private key {key_path}") if key_is_encrypted(key_path) else None
    )
    return pki.Signer.load(cert_path, key_path, passphrase)
