"""Where `pprl serve` gets the matcher key's passphrase, never leaving it in its environment.

In order:
- `--key-passphrase-fd N`: read from file descriptor N to its end (a pipe the starter holds:
  `transport.process` starts the matcher this way);
- `--key-passphrase-file PATH`: a file only its owner may read or write (mode 0600; one
  readable by group or others is refused);
- `PPRL_MATCHER_KEY_PASSPHRASE`: taking it out of `os.environ` would not clear
  `/proc/<pid>/environ` (the kernel keeps the environment the process started with), so the
  process executes itself again without the variable and hands the passphrase over through an
  inherited pipe (`--key-passphrase-fd`): the serving process never holds it in its environment;
- else a hidden prompt (only for an encrypted key).

A trailing newline is dropped (`echo "$PASS" > file` writes one); an empty passphrase is
refused. Nothing here prints or logs a passphrase.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from pathlib import Path

from governance.passphrases import key_passphrase
from pprl.errors import InputError, SecretError
from pprl.passphrase import MATCHER_KEY_ENV, key_is_encrypted

FD_OPTION = "--key-passphrase-fd"
MAX_PASSPHRASE_BYTES = 4096  # PIPE_BUF: written to a fresh pipe at once, never blocking


def _strip(raw: bytes, source: str) -> bytes:
    value = raw[:-2] if raw.endswith(b"\r\n") else raw[:-1] if raw.endswith(b"\n") else raw
    if not value:
        raise SecretError(f"an empty passphrase ({source}) cannot protect the matcher key")
    return value


def read_fd(fd: int) -> bytes:
    """The passphrase on file descriptor `fd`, read to its end; the descriptor is closed."""
    chunks, size = [], 0
    try:
        while chunk := os.read(fd, 1024):
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_PASSPHRASE_BYTES:
                raise SecretError(f"the passphrase on descriptor {fd} is over 4096 bytes")
    except OSError:
        raise InputError(f"cannot read file descriptor {fd}", field=FD_OPTION) from None
    finally:
        with contextlib.suppress(OSError):
            os.close(fd)
    return _strip(b"".join(chunks), f"descriptor {fd}")


def read_file(path: Path) -> bytes:
    """The passphrase in `path`, a file nobody but its owner may read or write."""
    try:
        mode = os.stat(path).st_mode
        if stat.S_IMODE(mode) & 0o077:
            raise InputError(
                f"readable or writable by group or others (mode {stat.S_IMODE(mode):04o}); "
                f"make it 0600 (chmod 600)",
                path=str(path),
            )
        raw = Path(path).read_bytes()
    except OSError:
        raise InputError("cannot read the passphrase file", path=str(path)) from None
    if len(raw) > MAX_PASSPHRASE_BYTES:
        raise SecretError(f"the passphrase in {path} is over 4096 bytes")
    return _strip(raw, str(path))


def restart_without_environment_passphrase() -> None:
    """With PPRL_MATCHER_KEY_PASSPHRASE set: execute this command again without it.

    The passphrase goes into a pipe whose read end the new program inherits and is named by
    `--key-passphrase-fd`; the process id stays the same. Returns only if the variable is not
    set. A command that was not started as `… serve …` (run inside a test runner, say) cannot
    be executed again and is refused instead.
    """
    value = os.environ.get(MATCHER_KEY_ENV)
    if value is None:
        return
    raw = value.encode("utf-8")
    args = sys.argv[1:]
    started_as_serve = (
        bool(args)
        and args[0] == "serve"
        and sys.orig_argv[len(sys.orig_argv) - len(args) :] == args
    )
    if not started_as_serve:
        raise SecretError(
            f"{MATCHER_KEY_ENV} cannot be cleared from this process's environment; give the "
            f"passphrase with {FD_OPTION} or --key-passphrase-file"
        )
    if len(raw) > MAX_PASSPHRASE_BYTES:
        raise SecretError(f"{MATCHER_KEY_ENV} is over 4096 bytes")
    read_end, write_end = os.pipe()
    os.write(write_end, raw)
    os.close(write_end)
    os.set_inheritable(read_end, True)
    env = {name: v for name, v in os.environ.items() if name != MATCHER_KEY_ENV}
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, *sys.orig_argv[1:], FD_OPTION, str(read_end)], env)


def matcher_key_passphrase(key: Path, *, fd: int | None, file: Path | None) -> bytes | None:
    """The matcher key's passphrase from the first source given (None: the key is plain)."""
    given = [
        name for name, v in ((FD_OPTION, fd), ("--key-passphrase-file", file)) if v is not None
    ]
    if MATCHER_KEY_ENV in os.environ and given:
        given.append(MATCHER_KEY_ENV)
    if len(given) > 1:
        raise InputError(f"give the passphrase one way, not {' and '.join(given)}")
    if fd is not None:
        value = read_fd(fd)
    elif file is not None:
        value = read_file(file)
    else:
        restart_without_environment_passphrase()
        return key_passphrase(Path(key), MATCHER_KEY_ENV)  # the variable is unset: a prompt
    return value if key_is_encrypted(Path(key)) else None
