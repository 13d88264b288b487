"""Who acts on the governance store, and the signature it made on its own machine.

The store never signs for a party: it checks a signature over the message it would check
anyway (the application, an approval, a warning step, an audit anchor) against the acting
party's certificate. Two kinds of actor carry that signature:

    pki.Signer                       the party's certificate and key, in the party's own process
                                     (tests, provisioning): it signs the message right there
    Signed(certificate, signature)   what arrives over the network: the certificate the caller
                                     presented over mutual TLS and the signature its client
                                     made with its own key (`transport.client_governance`)

Where the store checks only who acts (catalogue entries, revocations, relayed secrets), the
certificate is all it reads and `signature` may be empty.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509

from governance import pki

__all__ = ["Actor", "Signed", "signature_of"]


@dataclass(frozen=True)
class Signed:
    """A signature made elsewhere by the holder of `certificate`'s key."""

    certificate: x509.Certificate
    signature: bytes = b""


Actor = pki.Signer | Signed


def signature_of(actor: Actor, message: bytes) -> bytes:
    """The actor's signature over `message`: made by its own key if it is here, else as sent."""
    if isinstance(actor, Signed):
        return actor.signature
    return actor.sign(message)
