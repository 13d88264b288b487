"""Wrapping the linkage secret to one department's certificate (hybrid encryption).

    wrap(secret_bytes, key_id, recipient_certificate) -> bytes        the office / a key holder
    unwrap(blob, recipient_signer) -> bytes                          the recipient department only
    governance.envelope.envelope_header(blob) -> EnvelopeHeader       anyone (no secret involved)

The box is sealed with `pprl.sealing` (ECDH P-256, HKDF-SHA256, AES-256-GCM) for the purpose
SECRET_WRAP, so it never opens as a disclosure payload. The header (format, key id, recipient
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
import hmac
import json

from cryptography import x509

from governance import pki
from governance.envelope import FORMAT, VERSION
from pprl import sealing
from pprl.errors import GovernanceError, IntegrityError, SecretError

_HEADER_FIELDS = ("format", "version", "key_id", "recipient", "recipient_fingerprint", "ephemeral")


def _aad(header: dict) -> bytes:
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode("ascii")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def wrap(secret: bytes, key_id: str, recipient: x509.Certificate) -> bytes:
    """Encrypt `secret` so that only the holder of `recipient`'s private key can open it."""
    ident = pki.identity_of(recipient)
    if ident.role is not pki.Role.DEPARTMENT:
        raise GovernanceError(
            f"{ident.department} is the {ident.role.value}, not a department: "
            "the linkage secret is wrapped to departments only"
        )
    header: dict = {
        "format": FORMAT,
        "version": VERSION,
        "key_id": key_id,
        "recipient": ident.department,
        "recipient_fingerprint": ident.fingerprint,
    }
    # The ephemeral point is part of the authenticated header, so the key is made first.
    ephemeral = sealing.new_ephemeral_key()
    header["ephemeral"] = _b64(sealing.public_point(ephemeral.public_key()))
    box = sealing.seal(
        recipient.public_key(),
        bytes(secret),
        _aad(header),
        sealing.Purpose.SECRET_WRAP,
        ephemeral=ephemeral,
    )
    document = dict(
        header,
        cipher=sealing.CIPHER,
        nonce=_b64(box.nonce),
        ciphertext=_b64(box.ciphertext),
    )
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("ascii")


def unwrap(blob: bytes, recipient: pki.Signer) -> bytes:
    """Open an envelope with the recipient's certificate and private key."""
    try:
        doc = json.loads(blob.decode("ascii"))
        header = {k: doc[k] for k in _HEADER_FIELDS}
        if header["format"] != FORMAT or header["version"] != VERSION:
            raise ValueError("not a wrapped secret")
        if not hmac.compare_digest(
            str(header["recipient_fingerprint"]), pki.fingerprint(recipient.certificate)
        ):
            raise ValueError("addressed to another certificate")
        box = sealing.SealedBox(
            base64.b64decode(header["ephemeral"], validate=True),
            base64.b64decode(doc["nonce"], validate=True),
            base64.b64decode(doc["ciphertext"], validate=True),
        )
        return sealing.unseal(recipient.private_key, box, _aad(header), sealing.Purpose.SECRET_WRAP)
    except (ValueError, KeyError, TypeError, UnicodeDecodeError, AttributeError, IntegrityError):
        raise SecretError("cannot unwrap the linkage secret") from None
