"""`pprl keys new|share|receive`: a linkage secret is made, then travels wrapped to each department.

The group lives in the application layer because it joins two areas: the secret is the
encoder's (`bloom.secret`), its wrapping to certificates is governance's (`governance.keywrap`).

`share` runs where the secret already is (a department that holds it, never the office or
the matcher); `receive` runs at the recipient department. With `--relay` the wrapped blobs
are deposited at the matcher over gRPC (it stores them opaque), and `receive` fetches the
one addressed to it; both take `--profile` or the TLS options (`transport.cli_options`).
"""

from __future__ import annotations

from pathlib import Path

import click

from bloom.secret import LinkageSecret
from governance import keywrap, pki
from governance.cli_common import DIRECTORY, EXISTING_FILE, NEW_FILE
from governance.envelope import envelope_header
from governance.passphrases import load_signer
from pprl.clitools import EngineGroup
from pprl.errors import AuthorisationError, GovernanceError, InputError, SecretError
from pprl.passphrase import SECRET_ENV, read_passphrase
from transport.cli_options import network_options


@click.command("new")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the encrypted linkage secret (never overwritten).",
)
def keys_new(out: Path) -> None:
    """Create a linkage secret (256 random bits) encrypted with a passphrase; print its key id.

    The passphrase comes from the PPRL_PASSPHRASE environment variable or a prompt.
    """
    if out.exists():
        raise InputError("already exists; refusing to overwrite a linkage secret", path=str(out))
    passphrase = read_passphrase(SECRET_ENV, f"new linkage secret {out}", confirm=True)
    secret = LinkageSecret.generate()
    try:
        secret.save(out, passphrase)
    except OSError as exc:
        raise InputError(f"cannot write ({exc.strerror})", path=str(out)) from None
    click.echo(secret.key_id)


@click.command("share")
@click.option(
    "--secret",
    "secret_path",
    required=True,
    type=EXISTING_FILE,
    help="The encrypted linkage secret (passphrase from PPRL_PASSPHRASE).",
)
@click.option(
    "--to",
    "recipients",
    multiple=True,
    required=True,
    type=EXISTING_FILE,
    help="A recipient department's certificate; repeat.",
)
@click.option(
    "--out",
    type=DIRECTORY,
    default=Path("wrapped"),
    show_default=True,
    help="Where to write CODE.KEYID.wrapped files.",
)
@click.option(
    "--relay",
    is_flag=True,
    help="Also deposit the wrapped blobs at the matcher (needs --profile or --cert/--key).",
)
@network_options(need_identity=False)
def keys_share(
    remote,
    secret_path: Path,
    recipients: tuple[Path, ...],
    out: Path,
    relay: bool,
) -> None:
    """Wrap the linkage secret to each recipient certificate (ECDH + HKDF + AES-GCM).

    Recipients are checked against this party's CA copy (--ca) and CRL (--crl).
    """
    ca = pki.load_certificate(remote.ca)
    crl = pki.load_crl(remote.crl) if remote.crl else None
    certificates = []
    for path in recipients:
        cert = pki.load_certificate(path)
        try:
            pki.verify_certificate(cert, ca, crl)
        except AuthorisationError:
            raise GovernanceError(
                f"{path}: not issued by the trusted CA, expired or revoked"
            ) from None
        certificates.append(cert)
    secret = LinkageSecret.load(
        secret_path, read_passphrase(SECRET_ENV, f"linkage secret {secret_path}")
    )
    blobs = [keywrap.wrap(secret.expose(), secret.key_id, cert) for cert in certificates]
    del secret
    out.mkdir(parents=True, exist_ok=True)
    if relay:
        with remote.connect() as client:
            client.deposit_secrets(blobs)
    for blob in blobs:
        header = envelope_header(blob)
        path = out / f"{header.recipient}.{header.key_id}.wrapped"
        path.write_bytes(blob)
        click.echo(f"{header.recipient}: {path}" + (" (relayed)" if relay else ""))


@click.command("receive")
@click.option(
    "--wrapped",
    "wrapped_path",
    default=None,
    type=EXISTING_FILE,
    help="A wrapped secret file (default: fetch it from the matcher's relay).",
)
@click.option("--key-id", default=None, help="Which relayed secret to collect (default newest).")
@click.option(
    "--out",
    required=True,
    type=NEW_FILE,
    help="Where to save the secret, encrypted under PPRL_PASSPHRASE.",
)
@network_options
def keys_receive(
    remote,
    wrapped_path: Path | None,
    key_id: str | None,
    out: Path,
) -> None:
    """Unwrap a linkage secret with this department's private key and save it encrypted."""
    if out.exists():
        raise InputError("already exists; refusing to overwrite a linkage secret", path=str(out))
    me = load_signer(remote.cert, remote.key)
    if wrapped_path is not None:
        blob = wrapped_path.read_bytes()
    else:
        with remote.connect() as client:
            blob = client.fetch_secret(key_id)
    header = envelope_header(blob)
    secret = LinkageSecret.from_bytes(keywrap.unwrap(blob, me))
    if secret.key_id != header.key_id:
        raise SecretError("cannot unwrap the linkage secret")
    secret.save(out, read_passphrase(SECRET_ENV, f"linkage secret {out}", confirm=True))
    click.echo(secret.key_id)


@click.group(cls=EngineGroup)
def keys() -> None:
    """Linkage secrets: create, share to departments, receive."""


keys.add_command(keys_new)
keys.add_command(keys_share)
keys.add_command(keys_receive)


def register(main: click.Group) -> None:
    main.add_command(keys)
