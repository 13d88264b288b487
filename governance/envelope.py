"""Reading the public header of a wrapped linkage secret, without any way to open it.

The matcher side (governance store, transport relay) imports this module only; opening an
envelope needs `governance.keywrap.unwrap` and the recipient's private key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from pprl.errors import InputError

FORMAT = "pprl-wrapped-secret"
VERSION = 1


@dataclass(frozen=True)
class EnvelopeHeader:
    key_id: str
    recipient: str  # department code
    recipient_fingerprint: str  # SHA-256 of the recipient's certificate


def envelope_header(blob: bytes) -> EnvelopeHeader:
    """Who an envelope is for and which key id it carries (nothing secret)."""
    try:
        doc = json.loads(blob.decode("ascii"))
        if doc.get("format") != FORMAT or doc.get("version") != VERSION:
            raise ValueError("not a wrapped secret")
        return EnvelopeHeader(
            str(doc["key_id"]), str(doc["recipient"]), str(doc["recipient_fingerprint"])
        )
    except (ValueError, KeyError, TypeError, UnicodeDecodeError, AttributeError):
        raise InputError("not a wrapped linkage secret") from None
