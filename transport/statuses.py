"""The one place where engine errors become gRPC status codes, and back.

Each error class names its status in `pprl.errors` (`grpc_status`, a `grpc.StatusCode` member
name); this module only resolves those names to `grpc.StatusCode`.
"""

from __future__ import annotations

import grpc

from pprl.errors import ERROR_FOR_STATUS, PprlError, TransportError


def status_for(error: PprlError) -> grpc.StatusCode:
    return grpc.StatusCode[error.grpc_status]


def error_for(code: grpc.StatusCode, details: str) -> PprlError:
    """Client side: a status from the matcher as one engine error."""
    kind = ERROR_FOR_STATUS.get(code.name)
    if kind is not None:
        return kind(details or code.name.lower().replace("_", " "))
    if code == grpc.StatusCode.UNAVAILABLE:
        return TransportError(f"matcher unavailable: {details}")
    return TransportError(f"matcher refused ({code.name.lower()}): {details}")
