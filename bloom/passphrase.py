"""The linkage secret's passphrase: PPRL_PASSPHRASE, else a hidden prompt (see pprl.passphrase).

The encoder runs in batch jobs: without a terminal it fails at once rather than wait on a prompt.
"""

from __future__ import annotations

from pprl import passphrase as _shared


def read_passphrase(purpose: str, *, confirm: bool = False) -> bytes:
    """The passphrase as bytes; never echoed, never logged."""
    return _shared.read_passphrase(_shared.SECRET_ENV, purpose, confirm=confirm, terminal_only=True)
