"""The environment a child process starts with: the parent's, without any secret in it.

The matcher server and its run workers never need a department's, the office's or a linkage
secret's passphrase; inheriting them would put them in `/proc/<pid>/environ` of every child
and in any crash report. The matcher's own key passphrase reaches the server process only,
through a file descriptor (`transport.keypass`); set as `PPRL_MATCHER_KEY_PASSPHRASE`, it makes
`pprl serve` start itself again without the variable, so the serving process never holds it.
"""

from __future__ import annotations

import os
import re

from pprl.passphrase import PASSPHRASE_VARIABLES

# Any other variable whose name says it holds a secret (tokens, passwords, keys of services).
_SECRET_NAME = re.compile(r"PASSPHRASE|PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|PRIVATE", re.I)


def is_secret(name: str) -> bool:
    return name in PASSPHRASE_VARIABLES or bool(_SECRET_NAME.search(name))


def child_environment(**extra: str) -> dict[str, str]:
    """os.environ without secret-bearing variables, plus `extra` (set on purpose)."""
    env = {name: value for name, value in os.environ.items() if not is_secret(name)}
    env.update(extra)
    return env
