"""The one error hierarchy of the engine.

    PprlError                      every error the engine raises on purpose
    ├── InputError                 bad user input: names the file, row and field where known
    │   ├── SchemaError            a schema file that does not validate (all problems listed)
    │   ├── EncodedFormatError     an encoded dataset that cannot be read or is not ours
    │   ├── NotFound               an upload, dataset or run id the matcher does not know
    │   ├── LimitExceeded          over a configured size limit
    │   └── MissingExtraError      an optional part is not installed (names the pip extra)
    ├── NotReady                   exists, but not in a state that allows this
    ├── IncompatibleEncodingsError schema fingerprints or key ids differ: never compare
    ├── SecretError                a linkage secret cannot be opened (wrong passphrase, damaged)
    ├── GovernanceError            refused by the catalogue, agreements or PKI
    │   └── AuthorisationError     the caller may not do this (message says nothing more)
    ├── IntegrityError             a signature, hash or audit chain does not verify
    └── TransportError             the matcher could not be reached or answered with an error

The CLI prints `str(error)` on one line and exits with the class's `exit_code`; it never
shows a traceback for these. Messages for signature and authorisation failures are
deliberately uninformative.

Each class also names its gRPC status code as data, `grpc_status` (a `grpc.StatusCode` member
name, inherited like `exit_code`), so this contracts layer needs no gRPC: `transport.statuses`
resolves the names. `ERROR_FOR_STATUS` is the way back, for a client: the class a status comes
back as. A status that several unrelated classes share (FAILED_PRECONDITION) is not in it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = [
    "ERROR_FOR_STATUS",
    "AuthorisationError",
    "EncodedFormatError",
    "GovernanceError",
    "IncompatibleEncodingsError",
    "InputError",
    "IntegrityError",
    "LimitExceeded",
    "MissingExtraError",
    "NotFound",
    "NotReady",
    "PprlError",
    "SchemaError",
    "SecretError",
    "TransportError",
]


class PprlError(Exception):
    """Base of every error the engine raises on purpose."""

    exit_code = 1
    grpc_status = "FAILED_PRECONDITION"


class InputError(PprlError):
    """Bad user input. Carries the file, row and field where they are known."""

    exit_code = 2
    grpc_status = "INVALID_ARGUMENT"

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.path = path
        self.row = row
        self.field = field
        self.reason = message
        where = []
        if path is not None:
            where.append(str(path))
        if row is not None:
            where.append(f"row {row}")
        if field is not None:
            where.append(f"field {field!r}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


class SchemaError(InputError):
    """A schema that does not validate; `problems` lists every (path, message) at once."""

    def __init__(self, problems: list[tuple[str, str]], *, path: str | None = None) -> None:
        self.problems = problems
        lines = "; ".join(f"{p}: {m}" for p, m in problems)
        super().__init__(f"invalid schema ({len(problems)} problem(s)): {lines}", path=path)


class EncodedFormatError(InputError):
    """An encoded dataset that cannot be read or was not written by this engine."""


class NotFound(InputError):
    """An upload, dataset or run id the matcher does not know (or the caller may not see)."""

    grpc_status = "NOT_FOUND"


class LimitExceeded(InputError):
    """Over a configured size limit."""

    grpc_status = "RESOURCE_EXHAUSTED"


class NotReady(PprlError):
    """The thing exists but is not in a state that allows this (e.g. results of a failed run)."""

    grpc_status = "FAILED_PRECONDITION"


class MissingExtraError(InputError):
    """An optional module is not installed; the message names the extra that installs it."""

    def __init__(self, module: str, extra: str, reason: str = "") -> None:
        self.module = module
        self.extra = extra
        problem = f"cannot be imported ({reason})" if reason else "is not installed"
        super().__init__(f"{module} {problem}: pip install 'pprl-engine[{extra}]'")


class IncompatibleEncodingsError(PprlError):
    """Two encodings made with different schema fingerprints or key ids."""

    grpc_status = "FAILED_PRECONDITION"


class SecretError(PprlError):
    """A linkage secret that cannot be opened. Never says why beyond 'cannot be opened'."""


class GovernanceError(PprlError):
    """Refused by the catalogue, the agreements or the PKI."""

    grpc_status = "FAILED_PRECONDITION"


class AuthorisationError(GovernanceError):
    """The caller may not do this. The message is the same whatever the reason."""

    grpc_status = "PERMISSION_DENIED"

    def __init__(self, message: str = "permission denied") -> None:
        super().__init__(message)


class IntegrityError(PprlError):
    """A signature, content hash or audit chain that does not verify."""

    grpc_status = "DATA_LOSS"


class TransportError(PprlError):
    """The matcher could not be reached or answered with an error."""


# Client side: the class an error with this status comes back as (the status's own family).
ERROR_FOR_STATUS: Mapping[str, type[PprlError]] = MappingProxyType(
    {
        "INVALID_ARGUMENT": InputError,
        "NOT_FOUND": NotFound,
        "RESOURCE_EXHAUSTED": LimitExceeded,
        "PERMISSION_DENIED": AuthorisationError,
        "DATA_LOSS": IntegrityError,
    }
)
