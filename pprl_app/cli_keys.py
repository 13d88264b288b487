"""`pprl keys new|share|receive`: a linkage secret is made, then travels wrapped to each department.

The group lives in the application layer because it joins two areas: the secret is the
encoder's (`bloom.secret`), its wrapping to certificates is governance's (`governance.keywrap`).

`share` runs where the secret already is (a department that holds it, never the office or
the matcher); `receive` runs at the recipient department. With `--relay` the wrapped blobs
are left in the matcher's governance store for collection: it stores them opaque.
"""

from __future__ import annotations

from pathlib import Path

import click

from bloom.secret import LinkageSecret
from governance import keywrap, pki
from governance.cli_common import (
    DIRECTORY,
    EXISTING_FILE,
    NEW_FILE,
    data_dir_option,
    open_store,
    signer,
    signer_options,
)
from governance.envelope import envelope_header
from governance.store import DB_FILE
from pprl.clitools import EngineGroup
from pprl.errors import AuthorisationError, GovernanceError, InputError, SecretError
from pprl.passphrase import SECRET_ENV, read_passphrase


def _trust(data_dir: Path, ca_path: Path | None):
    """The CA certificate and CRL to check recipients against."""
    if ca_path is not None:
        crl_path = ca_path.with_name(pki.CA_CRL)
        return pki.load_certificate(ca_path), pki.load_crl(crl_path) if crl_path.exists() else None
    if (data_dir / DB_FILE).exists():
        with open_store(data_dir) as store:
            return store.ca_certificate(), store.crl()
    raise GovernanceError("no CA certificate to check recipients against; pass --ca")


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
@data_dir_option
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
    "--ca",
    "ca_path",
    type=EXISTING_FILE,
    default=None,
    help="CA certificate (default: the one DATA_DIR trusts).",
)
@click.option(
    "--out",
    type=DIRECTORY,
    default=None,
    help="Where to write CODE.KEYID.wrapped files (default DATA_DIR/wrapped).",
)
@click.option("--relay", is_flag=True, help="Also leave the blobs in DATA_DIR's store.")
def keys_share(
    data_dir: Path,
    secret_path: Path,
    recipients: tuple[Path, ...],
    ca_path: Path | None,
    out: Path | None,
    relay: bool,
) -> None:
    """Wrap the linkage secret to each recipient certificate (ECDH + HKDF + AES-GCM)."""
    ca, crl = _trust(data_dir, ca_path)
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
    out = out or data_dir / "wrapped"
    out.mkdir(parents=True, exist_ok=True)
    if relay:
        with open_store(data_dir) as store:
            store.relay_wrapped_secrets(blobs)
    for blob in blobs:
        header = envelope_header(blob)
        path = out / f"{header.recipient}.{header.key_id}.wrapped"
        path.write_bytes(blob)
        click.echo(f"{header.recipient}: {path}")


@click.command("receive")
@data_dir_option
@signer_options
@click.option(
    "--wrapped",
    "wrapped_path",
    default=None,
    type=EXISTING_FILE,
    help="A wrapped secret file (default: collect it from DATA_DIR's store).",
)
@click.option("--key-id", default=None, help="Which relayed secret to collect (default newest).")
@click.option(
    "--out",
    required=True,
    type=NEW_FILE,
    help="Where to save the secret, encrypted under PPRL_PASSPHRASE.",
)
def keys_receive(
    data_dir: Path,
    cert_path: Path,
    key_path: Path,
    wrapped_path: Path | None,
    key_id: str | None,
    out: Path,
) -> None:
    """Unwrap a linkage secret with this department's private key and save it encrypted."""
    if out.exists():
        raise InputError("already exists; refusing to overwrite a linkage secret", path=str(out))
    me = signer(cert_path, key_path)
    if wrapped_path is not None:
        blob = wrapped_path.read_bytes()
    else:
        with open_store(data_dir) as store:
            blob = store.collect_wrapped_secret(me.certificate, key_id)
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
