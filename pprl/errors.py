"""The one error hierarchy of the engine.

    PprlError                      every error the engine raises on purpose
    ├── InputError                 bad user input: names the file, row and field where known
    │   ├── SchemaError            a schema file that does not validate (all problems listed)
    │   └── EncodedFormatError     an encoded dataset that cannot be read or is not ours
    ├── IncompatibleEncodingsError schema fingerprints or key ids differ: never compare
    ├── SecretError                a linkage secret cannot be opened (wrong passphrase, damaged)
    ├── GovernanceError            refused by the catalogue, agreements or PKI
    │   └── AuthorisationError     the caller may not do this (message says nothing more)
    ├── IntegrityError             a signature, hash or audit chain does not verify
    └── TransportError             the matcher could not be reached or answered with an error

The CLI prints `str(error)` on one line and exits non-zero; it never shows a traceback for
these. Messages for signature and authorisation failures are deliberately uninformative.
"""

from __future__ import annotations

__all__ = [
    "AuthorisationError",
    "EncodedFormatError",
    "GovernanceError",
    "IncompatibleEncodingsError",
    "InputError",
    "IntegrityError",
    "PprlError",
    "SchemaError",
    "SecretError",
    "TransportError",
]


class PprlError(Exception):
    """Base of every error the engine raises on purpose."""

    exit_code = 1


class InputError(PprlError):
    """Bad user input. Carries the file, row and field where they are known."""

    exit_code = 2

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


class IncompatibleEncodingsError(PprlError):
    """Two encodings made with different schema fingerprints or key ids."""


class SecretError(PprlError):
    """A linkage secret that cannot be opened. Never says why beyond 'cannot be opened'."""


class GovernanceError(PprlError):
    """Refused by the catalogue, the agreements or the PKI."""


class AuthorisationError(GovernanceError):
    """The caller may not do this. The message is the same whatever the reason."""

    def __init__(self, message: str = "permission denied") -> None:
        super().__init__(message)


class IntegrityError(PprlError):
    """A signature, content hash or audit chain that does not verify."""


class TransportError(PprlError):
    """The matcher could not be reached or answered with an error."""
