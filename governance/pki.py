"""The coordinating office's certificate authority: X.509 identities for departments.

API (all paths are `str | Path`; `now` is a timezone-aware datetime, default the current time):

    init_ca(ca_dir, name, passphrase, now=None) -> Path           ca.crt, ca.key (encrypted, 0600)
    issue(ca_dir, department, name, out_dir, passphrase=None, *, ca_passphrase, role, hosts, now)
        -> IssuedCertificate                                       <dept>.crt, <dept>.key (0600)
    revoke(ca_dir, certificate_or_serial, *, ca_passphrase, now) -> Path   (rewrites ca.crl)
    write_crl(ca_dir, *, ca_passphrase, now) -> Path               ca.crl (PEM, signed by the CA)
    load_certificate(path) / load_crl(path) / load_private_key(path, passphrase)
    identity_of(certificate) -> Identity(department, name, role, serial, fingerprint)
    verify_certificate(certificate, ca_certificate, crl=None, now=None) -> Identity
        raises AuthorisationError ("permission denied", nothing more) when the certificate was
        not issued by this CA, is outside its validity, is revoked, or the CRL is not the CA's.
    tls_private_key_pem(path, passphrase) -> bytes   unencrypted PKCS#8 in memory, for grpc
    sign(private_key, data) -> bytes; verify_signature(certificate, data, signature) -> None

Certificates: EC P-256 keys; subject `O=<office>, OU=<department code>, CN=<name>`; SAN URIs
`pprl:dept:<CODE>` and `pprl:role:<role>` (the department code is read back from the SAN
URI); optional DNS/IP SANs (`hosts`, e.g. `localhost`, `127.0.0.1` for the matcher's server
certificate); key usage digitalSignature + keyAgreement (ECDSA signatures, ECDH key wrapping);
extended key usage serverAuth + clientAuth, so one certificate serves mutual TLS both ways.

The CA keeps `index.json` (serial, department, validity, revocation time) so `revoke` can
find a department's certificates and `write_crl` can list them. Private keys are written with
mode 0600 and encrypted when a passphrase is given (the CA key always is); they are never
printed or logged.
"""

from __future__ import annotations

import datetime as dt
import enum
import ipaddress
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from pprl.errors import AuthorisationError, GovernanceError, InputError, IntegrityError

CA_CERT = "ca.crt"
CA_KEY = "ca.key"
CA_CRL = "ca.crl"
CA_INDEX = "index.json"
DEPT_URI_PREFIX = "pprl:dept:"
ROLE_URI_PREFIX = "pprl:role:"
CRL_LIFETIME = dt.timedelta(days=7)
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class Role(enum.Enum):
    """What a certificate's holder does: a department, the matcher, or the coordinating office."""

    DEPARTMENT = "department"
    MATCHER = "matcher"
    OFFICE = "office"


@dataclass(frozen=True)
class IssuedCertificate:
    department: str
    serial: int
    certificate_path: Path
    key_path: Path


@dataclass(frozen=True)
class Identity:
    """Who a certificate names. `fingerprint` is the SHA-256 of the DER certificate (hex)."""

    department: str
    name: str
    role: Role
    serial: int
    fingerprint: str


def _now(now: dt.datetime | None) -> dt.datetime:
    now = now or dt.datetime.now(dt.timezone.utc)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now


def check_department_code(code: str) -> str:
    if not isinstance(code, str) or not _CODE.match(code):
        raise InputError(
            f"invalid department code {code!r}: use letters, digits, '_', '.', '-' (max 64)",
            field="department",
        )
    return code


# --- files -----------------------------------------------------------------------------------
def _write_private(path: Path, data: bytes) -> None:
    """Create a file readable by its owner only (never overwrite a key)."""
    fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _write_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(str(tmp), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _key_pem(key: ec.EllipticCurvePrivateKey, passphrase: bytes | None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def load_certificate(path: str | Path) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(Path(path).read_bytes())
    except (OSError, ValueError) as exc:
        raise InputError(
            f"not a readable PEM certificate ({type(exc).__name__})", path=str(path)
        ) from None


def certificate_from_pem(pem: bytes) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(pem)
    except ValueError:
        raise InputError("not a PEM certificate") from None


def load_crl(path: str | Path) -> x509.CertificateRevocationList:
    try:
        return x509.load_pem_x509_crl(Path(path).read_bytes())
    except (OSError, ValueError):
        raise InputError("not a readable PEM revocation list", path=str(path)) from None


def load_private_key(path: str | Path, passphrase: bytes | None) -> ec.EllipticCurvePrivateKey:
    """Open a private key. A wrong passphrase and a damaged file give the same message."""
    try:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), passphrase or None)
    except (OSError, ValueError, TypeError):
        raise GovernanceError(f"cannot open private key {path}") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise GovernanceError(f"cannot open private key {path}")
    return key


def tls_private_key_pem(path: str | Path, passphrase: bytes | None) -> bytes:
    """The key as unencrypted PKCS#8 PEM bytes, for grpc.ssl_*_credentials; keep in memory only."""
    return _key_pem(load_private_key(path, passphrase), None)


def fingerprint(certificate: x509.Certificate) -> str:
    return certificate.fingerprint(hashes.SHA256()).hex()


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
    _write_private(ca_dir / CA_KEY, _key_pem(key, passphrase))
    _write_atomic(ca_dir / CA_CERT, cert.public_bytes(serialization.Encoding.PEM))
    _write_atomic(ca_dir / CA_INDEX, b'{"certificates": []}\n')
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
    _write_atomic(ca_dir / CA_INDEX, text.encode("utf-8"))


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
    check_department_code(department)
    if not name:
        raise InputError("a certificate needs a name", field="name")
    now = _now(now)
    ca_dir, out_dir = Path(ca_dir), Path(out_dir)
    ca_cert, ca_key = _open_ca(ca_dir, ca_passphrase)
    cert_path, key_path = out_dir / f"{department}.crt", out_dir / f"{department}.key"
    for path in (cert_path, key_path):
        if path.exists():
            raise GovernanceError(f"{path} already exists; refusing to overwrite")
    key = ec.generate_private_key(ec.SECP256R1())
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
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(ca=False), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(x509.SubjectAlternativeName(san), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    _write_private(key_path, _key_pem(key, passphrase))
    try:
        _write_atomic(cert_path, cert.public_bytes(serialization.Encoding.PEM))
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
    except BaseException:
        # Nothing half-issued: a key without its certificate or index entry is removed.
        key_path.unlink(missing_ok=True)
        cert_path.unlink(missing_ok=True)
        raise
    return IssuedCertificate(department, serial, cert_path, key_path)


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
    _write_atomic(ca_dir / CA_CRL, crl.public_bytes(serialization.Encoding.PEM))
    return ca_dir / CA_CRL


# --- reading identities ------------------------------------------------------------------
def identity_of(certificate: x509.Certificate) -> Identity:
    """The department code, name and role a certificate carries (SAN URIs, else subject OU)."""
    uris: list[str] = []
    try:
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        uris = list(san.get_values_for_type(x509.UniformResourceIdentifier))
    except x509.ExtensionNotFound:
        pass
    depts = [u[len(DEPT_URI_PREFIX) :] for u in uris if u.startswith(DEPT_URI_PREFIX)]
    roles = [u[len(ROLE_URI_PREFIX) :] for u in uris if u.startswith(ROLE_URI_PREFIX)]
    if not depts:
        ou = certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)
        depts = [str(a.value) for a in ou]
    if len(depts) != 1:
        raise AuthorisationError()
    cn = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    try:
        role = Role(roles[0]) if roles else Role.DEPARTMENT
    except ValueError:
        raise AuthorisationError() from None
    return Identity(
        department=depts[0],
        name=str(cn[0].value) if cn else depts[0],
        role=role,
        serial=certificate.serial_number,
        fingerprint=fingerprint(certificate),
    )


def verify_certificate(
    certificate: x509.Certificate,
    ca_certificate: x509.Certificate,
    crl: x509.CertificateRevocationList | None = None,
    now: dt.datetime | None = None,
) -> Identity:
    """The certificate's identity if the CA issued it, it is in date and not revoked.

    Every failure raises the same AuthorisationError so a caller learns nothing from it.
    """
    now = _now(now)
    try:
        certificate.verify_directly_issued_by(ca_certificate)
        if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
            raise ValueError("outside validity")
        if crl is not None:
            if not crl.is_signature_valid(ca_certificate.public_key()):  # type: ignore[arg-type]
                raise ValueError("crl not signed by the CA")
            if crl.get_revoked_certificate_by_serial_number(certificate.serial_number) is not None:
                raise ValueError("revoked")
        return identity_of(certificate)
    except (ValueError, TypeError, InvalidSignature):
        raise AuthorisationError() from None


# --- signatures --------------------------------------------------------------------------------
def sign(private_key: ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    """ECDSA-SHA256 signature (DER) over `data`."""
    return private_key.sign(data, ec.ECDSA(hashes.SHA256()))


def verify_signature(certificate: x509.Certificate, data: bytes, signature: bytes) -> None:
    """Raise IntegrityError("signature does not verify") unless `signature` is valid."""
    key = certificate.public_key()
    try:
        if not isinstance(key, ec.EllipticCurvePublicKey):
            raise InvalidSignature()
        key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise IntegrityError("signature does not verify") from None


@dataclass(frozen=True)
class Signer:
    """A certificate with its private key: who signs approvals, anchors and manifests."""

    certificate: x509.Certificate
    private_key: ec.EllipticCurvePrivateKey = field(repr=False)

    @classmethod
    def load(cls, cert_path: str | Path, key_path: str | Path, passphrase: bytes | None) -> Signer:
        certificate = load_certificate(cert_path)
        key = load_private_key(key_path, passphrase)
        if key.public_key().public_numbers() != certificate.public_key().public_numbers():  # type: ignore[union-attr]
            raise GovernanceError(f"{key_path} is not the key of {cert_path}")
        return cls(certificate, key)

    @property
    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def sign(self, data: bytes) -> bytes:
        return sign(self.private_key, data)
