"""Reading, checking and using certificates: what every party needs, CA or not.

    load_certificate(path) / certificate_from_pem(pem) / load_crl(path)
    load_private_key(path, passphrase) -> EC private key (same error for wrong passphrase or damage)
    tls_private_key_pem(path, passphrase) -> bytes   unencrypted PKCS#8 in memory, for grpc
    identity_of(certificate) -> Identity(department, name, role, serial, fingerprint)
    verify_certificate(certificate, ca_certificate, crl=None, now=None) -> Identity
        raises AuthorisationError ("permission denied", nothing more) when the certificate was
        not issued by this CA, is outside its validity, is revoked, or the CRL is not the CA's.
    sign(private_key, data) -> bytes; verify_signature(certificate, data, signature) -> None
    Signer.load(cert_path, key_path, passphrase): a certificate with its key, `.sign(data)`

The department code is read from the SAN URI `pprl:dept:<CODE>` (else the subject OU), the
role from `pprl:role:<role>`.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from pprl.errors import AuthorisationError, GovernanceError, InputError, IntegrityError

DEPT_URI_PREFIX = "pprl:dept:"
ROLE_URI_PREFIX = "pprl:role:"
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class Role(enum.Enum):
    """What a certificate's holder does: a department, the matcher, or the coordinating office."""

    DEPARTMENT = "department"
    MATCHER = "matcher"
    OFFICE = "office"


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
