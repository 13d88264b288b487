"""The one place where engine errors become gRPC status codes."""

from __future__ import annotations

import grpc

from pprl.errors import (
    AuthorisationError,
    GovernanceError,
    IncompatibleEncodingsError,
    InputError,
    IntegrityError,
    PprlError,
    TransportError,
)

_CODES: tuple[tuple[type[PprlError], grpc.StatusCode], ...] = (
    (AuthorisationError, grpc.StatusCode.PERMISSION_DENIED),
    (GovernanceError, grpc.StatusCode.FAILED_PRECONDITION),
    (IncompatibleEncodingsError, grpc.StatusCode.FAILED_PRECONDITION),
    (IntegrityError, grpc.StatusCode.DATA_LOSS),
    (InputError, grpc.StatusCode.INVALID_ARGUMENT),
)


class NotFound(InputError):
    """An upload, dataset or run id the matcher does not know (or the caller may not see)."""


class LimitExceeded(InputError):
    """Over a configured size limit."""


class NotReady(PprlError):
    """The thing exists but is not in a state that allows this (e.g. results of a failed run)."""


def status_for(error: PprlError) -> grpc.StatusCode:
    if isinstance(error, NotFound):
        return grpc.StatusCode.NOT_FOUND
    if isinstance(error, LimitExceeded):
        return grpc.StatusCode.RESOURCE_EXHAUSTED
    for kind, code in _CODES:
        if isinstance(error, kind):
            return code
    return grpc.StatusCode.FAILED_PRECONDITION


def error_for(code: grpc.StatusCode, details: str) -> PprlError:
    """Client side: a status from the matcher as one engine error."""
    if code == grpc.StatusCode.PERMISSION_DENIED:
        return AuthorisationError(details or "permission denied")
    if code == grpc.StatusCode.DATA_LOSS:
        return IntegrityError(details)
    if code in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND):
        return InputError(details)
    if code == grpc.StatusCode.UNAVAILABLE:
        return TransportError(f"matcher unavailable: {details}")
    return TransportError(f"matcher refused ({code.name.lower()}): {details}")
