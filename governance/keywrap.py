"""Wrapping the linkage secret to one department's certificate (hybrid encryption).

    wrap(secret_bytes, key_id, recipient_certificate) -> bytes        the office / a key holder
    unwrap(blob, recipient_signer) -> bytes                          the recipient department only
    governance.envelope.envelope_header(blob) -> EnvelopeHeader       anyone (no secret involved)

A fresh ephemeral P-256 key agrees a shared point with the recipient certificate's public key
(ECDH); HKDF-SHA256 turns it into an AES-256-GCM key. The header (format, key id, recipient
department and certificate fingerprint, ephemeral public key) is the associated data, so an
envelope re-addressed to another department or relabelled with another key id fails to open.
The blob is ASCII JSON, safe to relay and store; the matcher keeps it opaque and has no code
that calls `unwrap` (the governance store and transport import only `governance.envelope`).
Only a department's certificate can be a recipient: the matcher and the office never hold the
secret, so `wrap` refuses their certificates.
Every failure to unwrap is the same SecretError, whatever its cause.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from governance import pki
from governance.envelope import FORMAT, VERSION
from pprl.errors import GovernanceError, InputError, SecretError

_HKDF_INFO = b"pprl/keywrap/v1"


def _point(public_key: ec.EllipticCurvePublicKey) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


def _aad(header: dict) -> bytes:
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode("ascii")


def _kek(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=hashlib.sha256(ephemeral + recipient).digest(),
        info=_HKDF_INFO,
    ).derive(shared)


def wrap(secret: bytes, key_id: str, recipient: x509.Certificate) -> bytes:
    """Encrypt `secret` so that only the holder of `recipient`'s private key can open it."""
    public = recipient.public_key()
    if not isinstance(public, ec.EllipticCurvePublicKey) or public.curve.name != "secp256r1":
        raise InputError("the recipient certificate does not hold a P-256 key")
    ident = pki.identity_of(recipient)
    if ident.role is not pki.Role.DEPARTMENT:
        raise GovernanceError(
            f"{ident.department} is the {ident.role.value}, not a department: "
            "the linkage secret is wrapped to departments only"
        )
    ephemeral = ec.generate_private_key(ec.SECP256R1())
    eph_point, rcpt_point = _point(ephemeral.public_key()), _point(public)
    header = {
        "format": FORMAT,
        "version": VERSION,
        "key_id": key_id,
        "recipient": ident.department,
        "recipient_fingerprint": ident.fingerprint,
        "ephemeral": base64.b64encode(eph_point).decode("ascii"),
    }
    kek = _kek(ephemeral.exchange(ec.ECDH(), public), eph_point, rcpt_point)
    nonce = secrets.token_bytes(12)
    ciphertext = AESGCM(kek).encrypt(nonce, bytes(secret), _aad(header))
    document = dict(
        header,
        cipher="ECDH-P256+HKDF-SHA256+AES-256-GCM",
        nonce=base64.b64encode(nonce).decode("ascii"),
        ciphertext=base64.b64encode(ciphertext).decode("ascii"),
    )
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("ascii")


def unwrap(blob: bytes, recipient: pki.Signer) -> bytes:
    """Open an envelope with the recipient's certificate and private key."""
    try:
        doc = json.loads(blob.decode("ascii"))
        header = {
            k: doc[k] for k in ("format", "version", "key_id", "recipient", "recipient_fingerprint")
        }
        header["ephemeral"] = doc["ephemeral"]
        if header["format"] != FORMAT or header["version"] != VERSION:
            raise ValueError("not a wrapped secret")
        if not hmac.compare_digest(
            str(header["recipient_fingerprint"]), pki.fingerprint(recipient.certificate)
        ):
            raise ValueError("addressed to another certificate")
        eph_point = base64.b64decode(header["ephemeral"], validate=True)
        ephemeral = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), eph_point)
        rcpt_point = _point(recipient.private_key.public_key())
        shared = recipient.private_key.exchange(ec.ECDH(), ephemeral)
        kek = _kek(shared, eph_point, rcpt_point)
        return AESGCM(kek).decrypt(
            base64.b64decode(doc["nonce"], validate=True),
            base64.b64decode(doc["ciphertext"], validate=True),
            _aad(header),
        )
    except (ValueError, KeyError, TypeError, UnicodeDecodeError, InvalidTag, AttributeError):
        raise SecretError("cannot unwrap the linkage secret") from None
