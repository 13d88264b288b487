"""The options every network command takes, resolved once: a profile, or the TLS files given.

    --profile NAME  (PPRL_PROFILE)   a saved profile (`pprl profile add`)
    --server H:P    (PPRL_SERVER)    the matcher's address
    --cert, --key   (PPRL_CERT, PPRL_KEY)  this party's certificate and private key
    --ca            (PPRL_CA)        this party's own copy of the office's CA certificate
    --crl           (PPRL_CRL)       the office's latest revocation list (optional)

An option given (or its variable set) wins over the profile's value. A passphrase-protected
key is opened with PPRL_KEY_PASSPHRASE, else a hidden prompt.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import click

from governance.passphrases import key_passphrase
from pprl.errors import InputError
from transport import profiles

DEFAULT_SERVER = "localhost:50051"


@dataclass(frozen=True)
class Remote:
    """Where the matcher is and who we are, before connecting."""

    server: str
    cert: Path | None
    key: Path | None
    ca: Path
    crl: Path | None

    @classmethod
    def resolve(
        cls, profile: str | None, *, need_identity: bool = True, **given: str | None
    ) -> Remote:
        """Options over the profile; cert and key may be absent unless `need_identity`."""
        saved = profiles.load(profile) if profile else None
        optional = {"crl"} if need_identity else {"crl", "cert", "key"}

        def pick(name: str, required: bool = True) -> str | None:
            value = given.get(name) or (getattr(saved, name) if saved else None)
            if value is None and required:
                env = f"PPRL_{name.upper()}"
                raise InputError(f"give --{name} (or {env}) or --profile", field=f"--{name}")
            return value

        paths = {}
        for name in ("cert", "key", "ca", "crl"):
            value = pick(name, required=name not in optional)
            if value is not None and not Path(value).is_file():
                raise InputError(f"no such file (--{name})", path=str(value))
            paths[name] = Path(value) if value is not None else None
        server = given.get("server") or (saved.server if saved else DEFAULT_SERVER)
        return cls(server=server, **paths)  # type: ignore[arg-type]

    def connect(self):
        from transport.client import MatcherClient

        if self.cert is None or self.key is None:
            raise InputError("give --cert and --key (or --profile) to talk to the matcher")
        return MatcherClient.connect(
            self.server,
            cert=self.cert,
            key=self.key,
            ca=self.ca,
            crl=self.crl,
            key_passphrase=key_passphrase(self.key),
        )


def network_options(func=None, *, need_identity: bool = True):
    """Add --profile/--server/--cert/--key/--ca/--crl and pass them resolved as `remote`.

    `need_identity=False`: --cert/--key may be missing until `remote.connect()` is called
    (a command that talks to the matcher only with some flag, e.g. `keys share --relay`).
    """
    if func is None:
        return functools.partial(network_options, need_identity=need_identity)
    file_type = click.Path(dir_okay=False)

    @click.option(
        "--profile",
        envvar=profiles.PROFILE_ENV,
        show_envvar=True,
        help="A saved profile (pprl profile add): server, certificate, key, CA copy, CRL.",
    )
    @click.option(
        "--server",
        envvar="PPRL_SERVER",
        show_envvar=True,
        help=f"The matcher's HOST:PORT [default: the profile's, else {DEFAULT_SERVER}].",
    )
    @click.option("--cert", envvar="PPRL_CERT", show_envvar=True, type=file_type,
                  help="This party's certificate.")  # fmt: skip
    @click.option("--key", envvar="PPRL_KEY", show_envvar=True, type=file_type,
                  help="This party's private key (passphrase: PPRL_KEY_PASSPHRASE).")  # fmt: skip
    @click.option("--ca", envvar="PPRL_CA", show_envvar=True, type=file_type,
                  help="This party's own copy of the office's CA certificate.")  # fmt: skip
    @click.option("--crl", envvar="PPRL_CRL", show_envvar=True, type=file_type,
                  help="The office's revocation list: revoked parties are refused.")  # fmt: skip
    @functools.wraps(func)
    def wrapper(profile, server, cert, key, ca, crl, **kwargs):
        remote = Remote.resolve(
            profile,
            need_identity=need_identity,
            server=server,
            cert=cert,
            key=key,
            ca=ca,
            crl=crl,
        )
        return func(remote=remote, **kwargs)

    return wrapper


def client_options(func):
    """Network options, and a connected MatcherClient passed as `client`."""

    @network_options
    @functools.wraps(func)
    def wrapper(remote: Remote, **kwargs):
        with remote.connect() as client:
            return func(client=client, **kwargs)

    return wrapper


@dataclass(frozen=True)
class Output:
    """How a command that creates something reports it: a line, the id alone, or JSON."""

    mode: str = "text"

    def emit(self, ident: str, data: dict, text: str) -> None:
        if self.mode == "json":
            click.echo(json.dumps(data, ensure_ascii=False, sort_keys=True))
        elif self.mode == "id":
            click.echo(ident)
        else:
            click.echo(text)


def output_options(func):
    """--json (one JSON object) or --id-only (the new id alone), passed as `output`."""

    @click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
    @click.option("--id-only", is_flag=True, help="Print only the id of what was created.")
    @functools.wraps(func)
    def wrapper(as_json: bool, id_only: bool, **kwargs):
        if as_json and id_only:
            raise InputError("give at most one of --json and --id-only", field="--json")
        return func(output=Output("json" if as_json else "id" if id_only else "text"), **kwargs)

    return wrapper
