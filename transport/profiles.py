"""Party profiles: where the matcher is and which certificate, key, CA copy and CRL to use.

    pprl profile add mca --server matcher.example:50051 --cert mca/MCA.crt --key mca/MCA.key \
        --ca mca/ca.crt --crl mca/ca.crl
    pprl agreement list --profile mca          (or PPRL_PROFILE=mca)

One JSON file per profile, `<dir>/NAME.json`, mode 0600, in `$PPRL_PROFILE_DIR`, else
`$XDG_CONFIG_HOME/pprl/profiles`, else `~/.config/pprl/profiles`. A profile holds paths and an
address only: never a key's contents or a passphrase. Paths are stored absolute, so a profile
works from any directory.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from pprl.errors import InputError
from pprl.files import write_atomic

PROFILE_DIR_ENV = "PPRL_PROFILE_DIR"
PROFILE_ENV = "PPRL_PROFILE"
FORMAT = "pprl-profile"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class Profile:
    name: str
    server: str
    cert: str
    key: str
    ca: str
    crl: str | None = None


def profile_dir() -> Path:
    explicit = os.environ.get(PROFILE_DIR_ENV)
    if explicit:
        return Path(explicit)
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "pprl" / "profiles"


def _path(name: str) -> Path:
    if not _NAME.match(name):
        raise InputError(
            "a profile name is letters, digits, '.', '_' or '-' (at most 64)", field="profile"
        )
    return profile_dir() / f"{name}.json"


def save(profile: Profile, *, replace: bool = False) -> Path:
    path = _path(profile.name)
    if path.exists() and not replace:
        raise InputError("profile exists; pass --replace to overwrite it", path=str(path))
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    doc = {"format": FORMAT, "version": 1, **asdict(profile)}
    write_atomic(path, (json.dumps(doc, indent=2) + "\n").encode(), mode=0o600)
    os.chmod(path, 0o600)
    return path


def load(name: str) -> Profile:
    path = _path(name)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            f"no profile {name!r}; create it with `pprl profile add {name} ...`",
            path=str(path),
        ) from None
    except (OSError, ValueError):
        raise InputError("not a readable profile file", path=str(path)) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or doc.get("version") != 1:
        raise InputError("not a pprl profile (format or version)", path=str(path))
    try:
        return Profile(
            name=name,
            server=str(doc["server"]),
            cert=str(doc["cert"]),
            key=str(doc["key"]),
            ca=str(doc["ca"]),
            crl=None if doc.get("crl") is None else str(doc["crl"]),
        )
    except KeyError as missing:
        raise InputError(f"missing {missing.args[0]!r}", path=str(path)) from None


def names() -> list[str]:
    folder = profile_dir()
    return sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []


def remove(name: str) -> Path:
    path = _path(name)
    if not path.exists():
        raise InputError(f"no profile {name!r}", path=str(path))
    path.unlink()
    return path
