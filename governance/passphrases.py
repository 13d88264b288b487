"""Where governance passphrases come from: an environment variable, else a hidden prompt.

PPRL_CA_PASSPHRASE   the office's CA private key
PPRL_KEY_PASSPHRASE  a certificate's private key (department, office or matcher)
PPRL_PASSPHRASE      a linkage secret file (the same variable the encoder reads)

`pprl serve` opens the matcher's key with its own descriptor, file or PPRL_MATCHER_KEY_PASSPHRASE
instead (transport/keypass.py), and no child process of the matcher inherits any of these
(transport/childenv.py).
"""

from __future__ import annotations

from pathlib import Path

from governance import pki
from pprl.passphrase import KEY_ENV, key_is_encrypted, read_passphrase


def key_passphrase(key_path: Path, env: str = KEY_ENV) -> bytes | None:
    """A private key's passphrase (`env`, else a prompt); None if the key is not encrypted."""
    if not key_is_encrypted(key_path):
        return None
    return read_passphrase(env, f"private key {key_path}")


def load_signer(cert_path: Path, key_path: Path) -> pki.Signer:
    """A certificate and its key, asking for the key's passphrase only if it is encrypted."""
    return pki.Signer.load(cert_path, key_path, key_passphrase(key_path))
