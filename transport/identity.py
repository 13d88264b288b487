"""Who is calling: the registered department behind a verified peer certificate.

Mutual TLS (`require_client_auth=True`) has already checked that the certificate chains to the
CA. `GovernanceStore.identify` checks it again with its validity, the CA's latest revocation
list and the certificate registered for that department, and says nothing about what failed.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509

from governance import pki
from pprl.errors import AuthorisationError


@dataclass(frozen=True)
class Caller:
    """An authenticated department: its code, identity and certificate."""

    department: str
    identity: pki.Identity
    certificate: x509.Certificate


class StoreIdentities:
    """Turns a peer certificate (PEM) into a Caller through the governance store."""

    def __init__(self, store) -> None:
        self._store = store

    def caller(self, pem: bytes) -> Caller:
        try:
            cert = x509.load_pem_x509_certificate(pem)
        except ValueError:
            raise AuthorisationError() from None
        identity = self._store.identify(cert)
        return Caller(identity.department, identity, cert)
