"""End-to-end sealing of disclosed fields to the consumer's certificate key.

seal: `pprl.sealing` (ECDH P-256, HKDF-SHA256, AES-256-GCM) for the purpose DISCLOSURE, so a
payload never opens as a wrapped secret; the header (run, agreement, sender, recipient, fields,
record count) is bound as associated data. The sender signs header and ciphertext with its
certificate key, so the relaying matcher can neither read nor forge nor re-address a payload.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from governance.pki import sign, verify_signature
from pprl import sealing
from pprl.errors import InputError, IntegrityError


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


def seal(
    plaintext: bytes,
    header: SealHeader,
    recipient: x509.Certificate,
    sender_key: ec.EllipticCurvePrivateKey,
) -> Sealed:
    try:
        box = sealing.seal(
            recipient.public_key(),  # type: ignore[arg-type]
            plaintext,
            header.associated_data(),
            sealing.Purpose.DISCLOSURE,
        )
    except InputError as exc:
        raise IntegrityError(str(exc)) from None
    signature = sign(
        sender_key, signed_bytes(header, box.ephemeral_public_key, box.nonce, box.ciphertext)
    )
    return Sealed(header, box.ephemeral_public_key, box.nonce, box.ciphertext, signature)


def open_sealed(
    sealed: Sealed, recipient_key: ec.EllipticCurvePrivateKey, sender: x509.Certificate
) -> bytes:
    """Check the sender's signature, then decrypt. Raises IntegrityError on any failure."""
    verify_signature(sender, sealed.signed_bytes(), sealed.signature)
    box = sealing.SealedBox(sealed.ephemeral_public_key, sealed.nonce, sealed.ciphertext)
    return sealing.unseal(
        recipient_key, box, sealed.header.associated_data(), sealing.Purpose.DISCLOSURE
    )
