"""The disclosure relay: sealed payloads kept for their recipient, never opened.

    disclosures/<run_id>/<recipient>/<disclosure_id>.bin   the serialized SealedPayload

The matcher stores and forwards bytes it has no key for (the payload is sealed to the
recipient's certificate key); it checks only the clear header against the agreement.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from pprl.errors import InputError
from pprl.files import write_atomic

_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$")


@dataclass(frozen=True)
class Relayed:
    payloads: int
    bytes: int
    records: int


class DisclosureRelay:
    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / "disclosures"
        self.root.mkdir(parents=True, exist_ok=True)

    def _dir(self, run_id: str, recipient: str) -> Path:
        if not (_SAFE.match(run_id) and _SAFE.match(recipient)):
            raise InputError("unsafe run id or recipient name")
        return self.root / run_id / recipient

    @staticmethod
    def new_id() -> str:
        return f"disc-{secrets.token_hex(8)}"

    def put(self, run_id: str, recipient: str, disclosure_id: str, payload: bytes) -> None:
        target = self._dir(run_id, recipient)
        target.mkdir(parents=True, exist_ok=True)
        write_atomic(target / f"{disclosure_id}.bin", payload)

    def relayed(self, run_id: str, recipient: str, count_of) -> Relayed:
        """What is already relayed for a run and recipient (`count_of` reads one payload's
        record count)."""
        payloads = self.for_recipient(run_id, recipient)
        return Relayed(
            len(payloads), sum(len(raw) for raw in payloads), sum(count_of(r) for r in payloads)
        )

    def for_recipient(self, run_id: str, recipient: str) -> list[bytes]:
        target = self._dir(run_id, recipient)
        return [p.read_bytes() for p in sorted(target.glob("disc-*.bin"))]
