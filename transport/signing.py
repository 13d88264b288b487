"""Manifest signatures: ECDSA-SHA256 by the department's certificate key.

The department signs `Manifest.signing_bytes()` (everything but the signature) before upload;
the matcher checks it against the certificate the caller presented over mutual TLS. The
signature travels in the manifest as base64 of its DER encoding. Any failure raises the same
IntegrityError, so a forger learns nothing about what was wrong.
"""

from __future__ import annotations

import base64
import dataclasses

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from governance import pki
from pprl.encoded import Manifest
from pprl.errors import IntegrityError

_BAD_SIGNATURE = "signature does not verify"


def sign_manifest(manifest: Manifest, key: ec.EllipticCurvePrivateKey) -> Manifest:
    signature = base64.b64encode(pki.sign(key, manifest.signing_bytes())).decode("ascii")
    return dataclasses.replace(manifest, signature=signature)


def verify_manifest(manifest: Manifest, cert: x509.Certificate) -> None:
    try:
        raw = base64.b64decode(manifest.signature or "", validate=True)
    except ValueError:
        raise IntegrityError(_BAD_SIGNATURE) from None
    if not raw:
        raise IntegrityError(_BAD_SIGNATURE)
    pki.verify_signature(cert, manifest.signing_bytes(), raw)
