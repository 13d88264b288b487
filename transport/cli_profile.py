"""`pprl profile add|list|show|remove`: a party's connection settings, saved once.

    pprl profile add mps --server matcher:50051 --cert mps/MPS.crt --key mps/MPS.key \\
        --ca mps/ca.crt --crl mps/ca.crl
    pprl run status RUN --profile mps          (or PPRL_PROFILE=mps)

Profiles live in PPRL_PROFILE_DIR, else $XDG_CONFIG_HOME/pprl/profiles, else
~/.config/pprl/profiles (`transport.profiles`); files are mode 0600 and hold paths only.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click

from transport import profiles

EXISTING = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group("profile")
def profile() -> None:
    """Saved connection settings: matcher address, certificate, key, CA copy, CRL."""


@profile.command("add")
@click.argument("name")
@click.option("--server", required=True, help="The matcher's HOST:PORT.")
@click.option("--cert", required=True, type=EXISTING, help="This party's certificate.")
@click.option("--key", required=True, type=EXISTING, help="This party's private key.")
@click.option("--ca", required=True, type=EXISTING, help="This party's copy of the CA.")
@click.option("--crl", type=EXISTING, default=None, help="The office's revocation list.")
@click.option("--replace", is_flag=True, help="Overwrite a profile of that name.")
def profile_add(name, server, cert, key, ca, crl, replace) -> None:
    """Save a profile (paths stored absolute; the key itself is never copied)."""
    saved = profiles.Profile(
        name=name,
        server=server,
        cert=str(cert.resolve()),
        key=str(key.resolve()),
        ca=str(ca.resolve()),
        crl=str(crl.resolve()) if crl else None,
    )
    click.echo(f"profile {name}: {profiles.save(saved, replace=replace)}")


@profile.command("list")
def profile_list() -> None:
    """The saved profiles' names, one a line."""
    for name in profiles.names():
        click.echo(name)


@profile.command("show")
@click.argument("name")
def profile_show(name) -> None:
    """A profile as JSON."""
    click.echo(json.dumps(asdict(profiles.load(name)), indent=2))


@profile.command("remove")
@click.argument("name")
def profile_remove(name) -> None:
    """Delete a saved profile (not the files it names)."""
    click.echo(f"removed {profiles.remove(name)}")
