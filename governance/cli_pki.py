"""`pprl pki init|request|issue|revoke|crl|register`: the office's certificate authority."""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from governance import pki
from governance.cli_common import (
    CERTS_SUBDIR,
    DIRECTORY,
    EXISTING_FILE,
    NEW_FILE,
    ca_dir_option,
    data_dir_option,
    is_inside,
    open_store,
    resolve_ca_dir,
)
from governance.store import DB_FILE
from pprl.errors import GovernanceError, InputError
from pprl.passphrase import CA_ENV, KEY_ENV, read_passphrase


def _key_passphrase(encrypt: bool, key_name: str) -> bytes | None:
    return (
        read_passphrase(KEY_ENV, f"new private key {key_name}", confirm=True) if encrypt else None
    )


def _ca_passphrase() -> bytes:
    return read_passphrase(CA_ENV, "the CA private key")


def _key_home(data_dir: Path, out: Path | None, code: str) -> Path:
    """Where a party's new private key may go: never inside the matcher's data directory.

    The matcher keeps the wrapped linkage secrets; a department's key beside them would let
    whoever runs the matcher unwrap the secret. Only the matcher's own key lives there.
    """
    if out is None:
        raise InputError(
            f"give --out: the directory where {code} keeps its private key "
            "(never the matcher's data directory)",
            field="--out",
        )
    if is_inside(out, data_dir):
        raise GovernanceError(
            f"{out} is inside the matcher's data directory {data_dir}; "
            f"{code}'s private key must be kept elsewhere"
        )
    return out


key_passphrase_option = click.option(
    "--key-passphrase/--no-key-passphrase",
    "encrypt_key",
    default=True,
    show_default=True,
    help="Encrypt the new private key with PPRL_KEY_PASSPHRASE (else plain PEM, mode 0600).",
)


@click.group("pki")
def pki_group() -> None:
    """The coordinating office's certificate authority."""


@pki_group.command("init")
@data_dir_option
@click.option("--name", required=True, help="Name of the coordinating office (CA subject O).")
@click.option("--office-code", default="OFFICE", show_default=True, help="The office's party code.")
@ca_dir_option
@click.option(
    "--out",
    type=DIRECTORY,
    default=None,
    help="Where to write the office's certificate and key (required; outside DATA_DIR).",
)
@key_passphrase_option
def pki_init(
    data_dir: Path,
    name: str,
    office_code: str,
    ca_dir: Path | None,
    out: Path | None,
    encrypt_key: bool,
) -> None:
    """Create the CA, trust it in the governance database and issue the office's certificate.

    The CA key is encrypted with PPRL_CA_PASSPHRASE (or a prompt).
    """
    pki.check_department_code(office_code)
    ca_dir = resolve_ca_dir(data_dir, ca_dir)
    out = _key_home(data_dir, out, office_code)
    db_path = data_dir / DB_FILE
    if (ca_dir / pki.CA_CERT).exists() or db_path.exists():
        raise GovernanceError(f"{data_dir} is already initialised")
    ca_pass = read_passphrase(CA_ENV, "the new CA private key", confirm=True)
    key_pass = _key_passphrase(encrypt_key, f"{office_code}.key")
    office_files = [out / f"{office_code}.{ext}" for ext in ("crt", "key")]
    if any(p.exists() for p in office_files):
        raise GovernanceError(f"{office_files[0]} already exists; refusing to overwrite")
    ca_dir_existed = ca_dir.exists()
    try:
        with open_store(data_dir, create=True) as store:
            ca_cert = pki.init_ca(ca_dir, name, ca_pass)
            store.trust(ca_cert.read_bytes())
            store.update_crl((ca_dir / pki.CA_CRL).read_bytes())
            office = pki.issue(
                ca_dir,
                office_code,
                name,
                out,
                key_pass,
                ca_passphrase=ca_pass,
                role=pki.Role.OFFICE,
            )
            store.register_department(office.certificate_path.read_bytes())
    except BaseException:
        # Nothing half-initialised: remove what this command created.
        if not ca_dir_existed:
            shutil.rmtree(ca_dir, ignore_errors=True)
        for path in (
            *office_files,
            *(db_path.with_name(db_path.name + end) for end in ("", "-wal", "-shm")),
        ):
            path.unlink(missing_ok=True)
        raise
    click.echo(f"CA certificate: {ca_cert}")
    click.echo(f"office certificate: {office.certificate_path}")
    click.echo(f"office private key: {office.key_path}")


@pki_group.command("request")
@click.option("--department", required=True, help="This department's code, e.g. MPS.")
@click.option("--name", required=True, help="This department's name, e.g. 公安厅.")
@click.option(
    "--out",
    required=True,
    type=DIRECTORY,
    help="Where to write CODE.key (kept here) and CODE.csr (sent to the office).",
)
@key_passphrase_option
def pki_request(department: str, name: str, out: Path, encrypt_key: bool) -> None:
    """Department side: make a private key and a certificate request for the office."""
    key_pass = _key_passphrase(encrypt_key, f"{department}.key")
    request = pki.create_request(department, name, out, key_pass)
    click.echo(f"certificate request: {request.request_path}")
    click.echo(f"private key: {request.key_path}")


@pki_group.command("issue")
@data_dir_option
@click.option("--department", required=True, help="Department code, e.g. MCA or MPS.")
@click.option("--name", default=None, help="Department name, e.g. 民政厅 (default: the request's).")
@click.option(
    "--csr",
    "request_path",
    type=EXISTING_FILE,
    default=None,
    help="Certify the key in this request (from `pprl pki request`) instead of making one.",
)
@click.option(
    "--role",
    type=click.Choice([r.value for r in pki.Role if r is not pki.Role.OFFICE]),
    default=pki.Role.DEPARTMENT.value,
    show_default=True,
)
@click.option("--host", "hosts", multiple=True, help="DNS name or IP for a server certificate.")
@click.option(
    "--out",
    type=DIRECTORY,
    default=None,
    help="Where to write CODE.crt and CODE.key; required unless --csr or --role matcher, and "
    "outside DATA_DIR (default DATA_DIR/certs for the matcher and for --csr).",
)
@ca_dir_option
@key_passphrase_option
def pki_issue(
    data_dir: Path,
    ca_dir: Path | None,
    department: str,
    name: str | None,
    request_path: Path | None,
    role: str,
    hosts: tuple[str, ...],
    out: Path | None,
    encrypt_key: bool,
) -> None:
    """Issue a department's (or the matcher's) certificate and register it (all or nothing).

    With --csr the department keeps its own private key and only the certificate is written.
    """
    pki.check_department_code(department)
    ca_dir = resolve_ca_dir(data_dir, ca_dir)
    if request_path is None and not name:
        raise InputError("give --name (or --csr with a request that names the department)")
    if request_path is None and role != pki.Role.MATCHER.value:
        out = _key_home(data_dir, out, department)
    out = out or data_dir / CERTS_SUBDIR
    with open_store(data_dir) as store:
        ca_pass = _ca_passphrase()
        if request_path is not None:
            issued = pki.issue_from_request(
                ca_dir,
                request_path,
                department,
                out,
                ca_passphrase=ca_pass,
                name=name,
                role=pki.Role(role),
                hosts=hosts,
            )
        else:
            key_pass = _key_passphrase(encrypt_key, f"{department}.key")
            issued = pki.issue(
                ca_dir,
                department,
                str(name),
                out,
                key_pass,
                ca_passphrase=ca_pass,
                role=pki.Role(role),
                hosts=hosts,
            )
        try:
            store.register_department(issued.certificate_path.read_bytes())
        except BaseException:
            # All or nothing: a certificate the store refused is not left behind, nor its key.
            pki.withdraw(ca_dir, issued)
            raise
    click.echo(f"certificate: {issued.certificate_path}")
    if issued.key_path is not None:
        click.echo(f"private key: {issued.key_path}")
    click.echo(f"serial: {issued.serial}")


@pki_group.command("revoke")
@data_dir_option
@click.option("--department", default=None, help="Revoke every certificate of this code.")
@click.option("--serial", default=None, help="Revoke the certificate with this serial.")
@ca_dir_option
def pki_revoke(
    data_dir: Path, department: str | None, serial: str | None, ca_dir: Path | None
) -> None:
    """Revoke certificates, sign a fresh CRL and make the governance store honour it."""
    if (department is None) == (serial is None):
        raise InputError("give exactly one of --department and --serial")
    if serial is not None and not serial.isdigit():
        raise InputError("a serial is a decimal number", field="serial")
    ca_dir = resolve_ca_dir(data_dir, ca_dir)
    with open_store(data_dir) as store:
        crl_path = pki.revoke(ca_dir, serial or department, ca_passphrase=_ca_passphrase())
        store.update_crl(crl_path.read_bytes())
    click.echo(f"revocation list: {crl_path}")


@pki_group.command("crl")
@data_dir_option
@click.option(
    "--out",
    type=NEW_FILE,
    default=None,
    help="Also copy the signed CRL here.",
)
@ca_dir_option
def pki_crl(data_dir: Path, out: Path | None, ca_dir: Path | None) -> None:
    """Sign a fresh revocation list (valid 7 days) and load it into the governance store."""
    ca_dir = resolve_ca_dir(data_dir, ca_dir)
    with open_store(data_dir) as store:
        crl_path = pki.write_crl(ca_dir, ca_passphrase=_ca_passphrase())
        store.update_crl(crl_path.read_bytes())
    if out is not None:
        out.write_bytes(crl_path.read_bytes())
    click.echo(f"revocation list: {out or crl_path}")


@pki_group.command("register")
@data_dir_option
@click.option(
    "--cert",
    "cert_path",
    required=True,
    type=EXISTING_FILE,
)
def pki_register(data_dir: Path, cert_path: Path) -> None:
    """Register a certificate the office's CA issued (e.g. on another machine)."""
    with open_store(data_dir) as store:
        ident = store.register_department(cert_path.read_bytes())
    click.echo(f"registered {ident.department} ({ident.role.value}) {ident.fingerprint}")
