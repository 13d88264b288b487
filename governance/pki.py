"""The coordinating office's certificate authority: X.509 identities for departments.

API (all paths are `str | Path`; `now` is a timezone-aware datetime, default the current time):

    init_ca(ca_dir, name, passphrase, now=None) -> Path           ca.crt, ca.key (encrypted, 0600)
    issue(ca_dir, department, name, out_dir, passphrase=None, *, ca_passphrase, role, hosts, now)
        -> IssuedCertificate                                       <dept>.crt, <dept>.key (0600)
    create_request(department, name, out_dir, passphrase=None) -> CertificateRequest
        the department makes its own key and a CSR; the office never sees the private key
    issue_from_request(ca_dir, csr_path, department, out_dir, *, ca_passphrase, role, hosts, now)
        -> IssuedCertificate (key_path None)                       <dept>.crt
    revoke(ca_dir, certificate_or_serial_or_department, *, ca_passphrase, now) -> Path (ca.crl)
    write_crl(ca_dir, *, ca_passphrase, now) -> Path               ca.crl (PEM, signed by the CA)

Reading and checking certificates (`identity_of`, `verify_certificate`, `Signer`, `sign`,
`verify_signature`, `load_*`, `tls_private_key_pem`) live in `governance.certs` and are
re-exported here.

Certificates: EC P-256 keys; subject `O=<office>, OU=<department code>, CN=<name>`; SAN URIs
`pprl:dept:<CODE>` and `pprl:role:<role>` (the department code is read back from the SAN
URI); optional DNS/IP SANs (`hosts`, e.g. `localhost`, `127.0.0.1` for the matcher's server
certificate); key usage digitalSignature + keyAgreement (ECDSA signatures, ECDH key wrapping);
extended key usage serverAuth + clientAuth, so one certificate serves mutual TLS both ways.
The office decides what a certificate says: from a request it takes only the public key.

The CA keeps `index.json` (serial, department, validity, revocation time) so `revoke` can
find a department's certificates and `write_crl` can list them. Private keys are written with
mode 0600 and encrypted when a passphrase is given (the CA key always is); they are never
printed or logged.

One module for the CA's whole life cycle (about 450 lines): issuing, issuing from requests,
revocation and the CRL share the index and the handling of the CA key.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from governance.certs import (
    DEPT_URI_PREFIX,
    ROLE_URI_PREFIX,
    Identity,
    Role,
    Signer,
    _key_pem,
    _now,
    certificate_from_pem,
    check_department_code,
    fingerprint,
    identity_of,
    load_certificate,
    load_crl,
    load_private_key,
    sign,
    tls_private_key_pem,
    verify_certificate,
    verify_signature,
)
from pprl.errors import GovernanceError, InputError
from pprl.files import write_atomic, write_private

__all__ = [
    "CA_CERT",
    "CA_CRL",
    "CA_KEY",
    "CertificateRequest",
    "Identity",
    "IssuedCertificate",
    "Role",
    "Signer",
    "certificate_from_pem",
    "check_department_code",
    "create_request",
    "fingerprint",
    "identity_of",
    "init_ca",
    "issue",
    "issue_from_request",
    "issued",
    "load_certificate",
    "load_crl",
    "load_private_key",
    "revoke",
    "revoked_serials",
    "sign",
    "tls_private_key_pem",
    "verify_certificate",
    "verify_signature",
    "withdraw",
    "write_crl",
]

CA_CERT = "ca.crt"
CA_KEY = "ca.key"
CA_CRL = "ca.crl"
CA_INDEX = "index.json"
CRL_LIFETIME = dt.timedelta(days=7)


@dataclass(frozen=True)
class IssuedCertificate:
    department: str
    serial: int
    certificate_path: Path
    key_path: Path | None  # None when issued from a request: the key never left its holder


@dataclass(frozen=True)
class CertificateRequest:
    department: str
    request_path: Path
    key_path: Path


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    """CA: signs certificates and CRLs. Others: ECDSA signatures and ECDH key agreement."""
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=not ca,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


# --- the CA ----------------------------------------------------------------------------------
def init_ca(
    ca_dir: str | Path,
    name: str,
    passphrase: bytes,
    *,
    now: dt.datetime | None = None,
    valid_days: int = 3650,
) -> Path:
    """Create the office's CA in `ca_dir` (must not already hold one). Returns ca.crt's path."""
    if not passphrase:
        raise GovernanceError("the CA private key needs a passphrase")
    now = _now(now)
    ca_dir = Path(ca_dir)
    ca_dir.mkdir(parents=True, exist_ok=True)
    if (ca_dir / CA_KEY).exists() or (ca_dir / CA_CERT).exists():
        raise GovernanceError(f"a CA already exists in {ca_dir}")
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{name} CA"),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    write_private(ca_dir / CA_KEY, _key_pem(key, passphrase))
    write_atomic(ca_dir / CA_CERT, cert.public_bytes(serialization.Encoding.PEM))
    write_atomic(ca_dir / CA_INDEX, b'{"certificates": []}\n')
    write_crl(ca_dir, ca_passphrase=passphrase, now=now)
    return ca_dir / CA_CERT


def _open_ca(
    ca_dir: Path, ca_passphrase: bytes
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    if not (ca_dir / CA_CERT).exists():
        raise GovernanceError(f"no CA in {ca_dir}; run `pprl pki init` first")
    return load_certificate(ca_dir / CA_CERT), load_private_key(ca_dir / CA_KEY, ca_passphrase)


def _read_index(ca_dir: Path) -> list[dict]:
    try:
        return list(json.loads((ca_dir / CA_INDEX).read_text(encoding="utf-8"))["certificates"])
    except (OSError, ValueError, KeyError):
        raise GovernanceError(f"cannot read the CA index {ca_dir / CA_INDEX}") from None


def _write_index(ca_dir: Path, entries: list[dict]) -> None:
    text = json.dumps({"certificates": entries}, indent=2, ensure_ascii=False) + "\n"
    write_atomic(ca_dir / CA_INDEX, text.encode("utf-8"))


def issue(
    ca_dir: str | Path,
    department: str,
    name: str,
    out_dir: str | Path,
    passphrase: bytes | None = None,
    *,
    ca_passphrase: bytes,
    role: Role = Role.DEPARTMENT,
    hosts: tuple[str, ...] = (),
    now: dt.datetime | None = None,
    valid_days: int = 397,
) -> IssuedCertificate:
    """Issue a certificate and key for `department`; key encrypted when `passphrase` is given."""
    out_dir = Path(out_dir)
    cert_path, key_path = out_dir / f"{department}.crt", out_dir / f"{department}.key"
    _refuse_overwrite(cert_path, key_path)
    key = ec.generate_private_key(ec.SECP256R1())
    cert_pem = _sign_certificate(
        Path(ca_dir), ca_passphrase, department, name, key.public_key(), role, hosts,
        _now(now), valid_days,
    )  # fmt: skip
    out_dir.mkdir(parents=True, exist_ok=True)
    write_private(key_path, _key_pem(key, passphrase))
    try:
        write_atomic(cert_path, cert_pem)
    except BaseException:
        key_path.unlink(missing_ok=True)
        raise
    return IssuedCertificate(
        department, load_certificate(cert_path).serial_number, cert_path, key_path
    )


def create_request(
    department: str, name: str, out_dir: str | Path, passphrase: bytes | None = None
) -> CertificateRequest:
    """Department side: a new private key (0600) and a signed request naming the department."""
    check_department_code(department)
    out_dir = Path(out_dir)
    csr_path, key_path = out_dir / f"{department}.csr", out_dir / f"{department}.key"
    _refuse_overwrite(csr_path, key_path)
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, department),
                    x509.NameAttribute(NameOID.COMMON_NAME, name),
                ]
            )
        )
        .sign(key, hashes.SHA256())
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    write_private(key_path, _key_pem(key, passphrase))
    write_atomic(csr_path, csr.public_bytes(serialization.Encoding.PEM))
    return CertificateRequest(department, csr_path, key_path)


def issue_from_request(
    ca_dir: str | Path,
    request_path: str | Path,
    department: str,
    out_dir: str | Path,
    *,
    ca_passphrase: bytes,
    name: str | None = None,
    role: Role = Role.DEPARTMENT,
    hosts: tuple[str, ...] = (),
    now: dt.datetime | None = None,
    valid_days: int = 397,
) -> IssuedCertificate:
    """Office side: certify the key in a department's request. The office names the department;
    a request that claims another code, or whose signature does not verify, is refused."""
    try:
        csr = x509.load_pem_x509_csr(Path(request_path).read_bytes())
    except (OSError, ValueError):
        raise InputError("not a readable PEM certificate request", path=str(request_path)) from None
    if not csr.is_signature_valid:
        raise GovernanceError(f"{request_path}: the request's signature does not verify")
    claimed = [
        str(a.value) for a in csr.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)
    ]
    if claimed != [department]:
        raise GovernanceError(f"{request_path}: the request is not for department {department}")
    public = csr.public_key()
    if not isinstance(public, ec.EllipticCurvePublicKey) or public.curve.name != "secp256r1":
        raise GovernanceError(f"{request_path}: the request does not hold a P-256 key")
    if name is None:
        cn = csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        name = str(cn[0].value) if cn else department
    out_dir = Path(out_dir)
    cert_path = out_dir / f"{department}.crt"
    _refuse_overwrite(cert_path)
    cert_pem = _sign_certificate(
        Path(ca_dir), ca_passphrase, department, name, public, role, hosts, _now(now), valid_days
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(cert_path, cert_pem)
    return IssuedCertificate(department, load_certificate(cert_path).serial_number, cert_path, None)


def withdraw(ca_dir: str | Path, issued: IssuedCertificate) -> None:
    """Undo an issue that never reached its holder: delete its files, forget its serial.

    For a certificate that was just written and not yet handed out (e.g. registration failed);
    one that may be in use is revoked instead.
    """
    issued.certificate_path.unlink(missing_ok=True)
    if issued.key_path is not None:
        issued.key_path.unlink(missing_ok=True)
    entries = _read_index(Path(ca_dir))
    _write_index(Path(ca_dir), [e for e in entries if e["serial"] != str(issued.serial)])


def _refuse_overwrite(*paths: Path) -> None:
    for path in paths:
        if path.exists():
            raise GovernanceError(f"{path} already exists; refusing to overwrite")


def _sign_certificate(
    ca_dir: Path,
    ca_passphrase: bytes,
    department: str,
    name: str,
    public_key: ec.EllipticCurvePublicKey,
    role: Role,
    hosts: tuple[str, ...],
    now: dt.datetime,
    valid_days: int,
) -> bytes:
    """Sign a certificate for `public_key` and record it in the CA's index; PEM bytes."""
    check_department_code(department)
    if not name:
        raise InputError("a certificate needs a name", field="name")
    ca_cert, ca_key = _open_ca(ca_dir, ca_passphrase)
    office = ca_cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, str(office)),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, department),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ]
    )
    san: list[x509.GeneralName] = [
        x509.UniformResourceIdentifier(DEPT_URI_PREFIX + department),
        x509.UniformResourceIdentifier(ROLE_URI_PREFIX + role.value),
    ]
    for host in hosts:
        try:
            san.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            san.append(x509.DNSName(host))
    serial = x509.random_serial_number()
    not_after = min(now + dt.timedelta(days=valid_days), ca_cert.not_valid_after_utc)
    eku = x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(ca=False), critical=True)
        .add_extension(eku, critical=False)
        .add_extension(x509.SubjectAlternativeName(san), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    entries = _read_index(ca_dir)
    entries.append(
        {
            "serial": str(serial),
            "department": department,
            "name": name,
            "role": role.value,
            "not_after": not_after.isoformat(),
            "revoked_at": None,
        }
    )
    _write_index(ca_dir, entries)
    return cert.public_bytes(serialization.Encoding.PEM)


def revoke(
    ca_dir: str | Path,
    target: x509.Certificate | int | str,
    *,
    ca_passphrase: bytes,
    now: dt.datetime | None = None,
) -> Path:
    """Revoke a certificate (object or serial) or every certificate of a department code."""
    now = _now(now)
    ca_dir = Path(ca_dir)
    _open_ca(ca_dir, ca_passphrase)  # check the passphrase before changing anything
    entries = _read_index(ca_dir)
    if isinstance(target, x509.Certificate):
        match = lambda e: e["serial"] == str(target.serial_number)  # noqa: E731
    elif isinstance(target, int) or (isinstance(target, str) and target.isdigit()):
        match = lambda e: e["serial"] == str(int(target))  # noqa: E731
    else:
        match = lambda e: e["department"] == target  # noqa: E731
    hits = [e for e in entries if match(e) and e["revoked_at"] is None]
    if not hits:
        raise GovernanceError(f"no unrevoked certificate matches {target}")
    for entry in hits:
        entry["revoked_at"] = now.isoformat()
    _write_index(ca_dir, entries)
    return write_crl(ca_dir, ca_passphrase=ca_passphrase, now=now)


def revoked_serials(ca_dir: str | Path) -> list[tuple[int, dt.datetime]]:
    return [
        (int(e["serial"]), dt.datetime.fromisoformat(e["revoked_at"]))
        for e in _read_index(Path(ca_dir))
        if e["revoked_at"] is not None
    ]


def issued(ca_dir: str | Path) -> list[dict]:
    """The CA's index: one dict per issued certificate (serial, department, name, role, ...)."""
    return _read_index(Path(ca_dir))


def write_crl(ca_dir: str | Path, *, ca_passphrase: bytes, now: dt.datetime | None = None) -> Path:
    """Sign a fresh revocation list of every revoked serial; valid for CRL_LIFETIME."""
    now = _now(now)
    ca_dir = Path(ca_dir)
    ca_cert, ca_key = _open_ca(ca_dir, ca_passphrase)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(now)
        .next_update(now + CRL_LIFETIME)
    )
    for serial, when in revoked_serials(ca_dir):
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build()
        )
    crl = builder.sign(ca_key, hashes.SHA256())
    write_atomic(ca_dir / CA_CRL, crl.public_bytes(serialization.Encoding.PEM))
    return ca_dir / CA_CRL
