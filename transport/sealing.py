"""End-to-end sealing of disclosed fields to the consumer's certificate key.

seal: an ephemeral P-256 key agrees (ECDH) with the recipient's certificate key, HKDF-SHA256
derives a one-time AES-256-GCM key, and the header (run, agreement, sender, recipient, fields,
record count) is bound as associated data. The sender signs header and ciphertext with its
certificate key, so the relaying matcher can neither read nor forge nor re-address a payload.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from governance.pki import sign, verify_signature
from pprl.errors import IntegrityError

_INFO = b"pprl/disclosure/v1"
_CANNOT_OPEN = "sealed payload cannot be opened"


@dataclass(frozen=True)
class SealHeader:
    run_id: str
    agreement_id: str
    sender: str
    recipient: str
    fields: tuple[str, ...]
    record_count: int

    def associated_data(self) -> bytes:
        data = {
            "run_id": self.run_id,
            "agreement_id": self.agreement_id,
            "sender": self.sender,
            "recipient": self.recipient,
            "fields": list(self.fields),
            "record_count": self.record_count,
        }
        return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Sealed:
    header: SealHeader
    ephemeral_public_key: bytes
    nonce: bytes
    ciphertext: bytes
    signature: bytes

    def signed_bytes(self) -> bytes:
        return signed_bytes(self.header, self.ephemeral_public_key, self.nonce, self.ciphertext)


def signed_bytes(header: SealHeader, epk: bytes, nonce: bytes, ciphertext: bytes) -> bytes:
    parts = [header.associated_data(), epk, nonce, ciphertext]
    return b"".join(len(p).to_bytes(8, "big") + p for p in parts)


def _key(shared: bytes, epk: bytes, header: SealHeader) -> bytes:
    hkdf = HKDF(hashes.SHA256(), 32, salt=epk, info=_INFO + b"\0" + header.associated_data())
    return hkdf.derive(shared)


def seal(
    plaintext: bytes,
    header: SealHeader,
    recipient: x509.Certificate,
    sender_key: ec.EllipticCurvePrivateKey,
) -> Sealed:
    recipient_key = recipient.public_key()
    if not isinstance(recipient_key, ec.EllipticCurvePublicKey):
        raise IntegrityError("recipient certificate has no EC key")
    ephemeral = ec.generate_private_key(recipient_key.curve)
    epk = ephemeral.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    key = _key(ephemeral.exchange(ec.ECDH(), recipient_key), epk, header)
    nonce = os.urandom(12)
    ciphertext = AESGCM(key).encrypt(nonce, plaintext, header.associated_data())
    signature = sign(sender_key, signed_bytes(header, epk, nonce, ciphertext))
    return Sealed(header, epk, nonce, ciphertext, signature)


def open_sealed(
    sealed: Sealed, recipient_key: ec.EllipticCurvePrivateKey, sender: x509.Certificate
) -> bytes:
    """Check the sender's signature, then decrypt. Raises IntegrityError on any failure."""
    verify_signature(sender, sealed.signed_bytes(), sealed.signature)
    try:
        epk = ec.EllipticCurvePublicKey.from_encoded_point(
            recipient_key.curve, sealed.ephemeral_public_key
        )
        key = _key(
            recipient_key.exchange(ec.ECDH(), epk), sealed.ephemeral_public_key, sealed.header
        )
        return AESGCM(key).decrypt(sealed.nonce, sealed.ciphertext, sealed.header.associated_data())
    except (ValueError, InvalidTag):
        raise IntegrityError(_CANNOT_OPEN) from None
