"""Hybrid encryption to a certificate's P-256 key: the one scheme the engine seals with.

    seal(recipient_public_key, plaintext, aad, purpose) -> SealedBox    anyone with the certificate
    unseal(private_key, box, aad, purpose) -> bytes                     the key's holder only

A fresh ephemeral P-256 key agrees a shared point with the recipient's key (ECDH); HKDF-SHA256,
salted with both public points and labelled with the purpose, turns it into a one-time
AES-256-GCM key; `aad` (the caller's header) is authenticated with the ciphertext. Each purpose
derives a different key from the same exchange, so a wrapped linkage secret can never be opened
as a disclosure payload, nor a payload as a secret, even with the same header bytes.
Every failure to unseal is the same IntegrityError, whatever its cause.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from pprl.errors import InputError, IntegrityError

CIPHER = "ECDH-P256+HKDF-SHA256+AES-256-GCM"
_NONCE_BYTES = 12
CANNOT_OPEN = "sealed payload cannot be opened"


class Purpose(enum.Enum):
    """What a box is for; the value is the HKDF info string, distinct per purpose."""

    SECRET_WRAP = b"pprl/keywrap/v1"  # the linkage secret, to a department
    DISCLOSURE = b"pprl/disclosure/v1"  # disclosed fields, provider to consumer


@dataclass(frozen=True)
class SealedBox:
    ephemeral_public_key: bytes  # X9.62 uncompressed point
    nonce: bytes
    ciphertext: bytes  # with the GCM tag


def public_point(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


def _p256(key: object) -> bool:
    return isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp256r1"


def _content_key(shared: bytes, ephemeral: bytes, recipient: bytes, purpose: Purpose) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=hashlib.sha256(ephemeral + recipient).digest(),
        info=purpose.value,
    ).derive(shared)


def new_ephemeral_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def seal(
    recipient: ec.EllipticCurvePublicKey,
    plaintext: bytes,
    aad: bytes,
    purpose: Purpose,
    *,
    ephemeral: ec.EllipticCurvePrivateKey | None = None,
) -> SealedBox:
    """Encrypt `plaintext` so that only the holder of `recipient`'s private key can open it.

    `ephemeral` is made here unless the caller needs its public point in `aad` beforehand;
    it must be fresh for every box.
    """
    if not _p256(recipient):
        raise InputError("the recipient certificate does not hold a P-256 key")
    if ephemeral is None:
        ephemeral = new_ephemeral_key()
    if not _p256(ephemeral.public_key()):
        raise InputError("the ephemeral key is not a P-256 key")
    epk = public_point(ephemeral.public_key())
    key = _content_key(
        ephemeral.exchange(ec.ECDH(), recipient), epk, public_point(recipient), purpose
    )
    nonce = secrets.token_bytes(_NONCE_BYTES)
    return SealedBox(epk, nonce, AESGCM(key).encrypt(nonce, bytes(plaintext), aad))


def unseal(
    private_key: ec.EllipticCurvePrivateKey, box: SealedBox, aad: bytes, purpose: Purpose
) -> bytes:
    """Open a box sealed to `private_key` for `purpose` with the same `aad`."""
    try:
        own = private_key.public_key()
        if not _p256(own):
            raise ValueError("not a P-256 key")
        ephemeral = ec.EllipticCurvePublicKey.from_encoded_point(
            ec.SECP256R1(), box.ephemeral_public_key
        )
        shared = private_key.exchange(ec.ECDH(), ephemeral)
        key = _content_key(shared, box.ephemeral_public_key, public_point(own), purpose)
        return AESGCM(key).decrypt(box.nonce, box.ciphertext, aad)
    except (ValueError, TypeError, AttributeError, InvalidTag):
        raise IntegrityError(CANNOT_OPEN) from None
