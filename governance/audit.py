"""The hash chain under the audit log, and its verification.

Each entry's hash is SHA-256 over the previous entry's hash and the canonical JSON of the
entry's own fields (sequence number included), so editing, inserting, reordering or deleting
any entry breaks the chain at that point and `verify_chain` names the first bad entry.
Deleting the newest entries leaves a valid shorter chain; two things catch that: SQLite's
AUTOINCREMENT counter (which remembers the highest number ever used) and anchors: the
office signs (sequence, head hash) and a later rewrite of the whole log no longer matches a
signed anchor.

Details hold counts, identifiers and short labels only; `check_details` refuses bytes and
long strings so that no payload, secret or identity field slips into the log.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

from pprl.errors import InputError

GENESIS = "0" * 64
MAX_DETAIL_TEXT = 200
_SCALARS = (str, int, float, bool, type(None))


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: str  # ISO-8601 UTC
    actor: str  # department code from the caller's certificate
    actor_fingerprint: str  # SHA-256 of that certificate, "" for local administrative actions
    action: str
    agreement_id: str | None
    purpose: str | None
    details: dict
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class Anchor:
    seq: int
    head_hash: str
    at: str
    signer_certificate: bytes  # PEM of the office certificate that signed
    signature: bytes


@dataclass(frozen=True)
class ChainReport:
    entries: int
    first_bad: int | None  # sequence number (or position) of the first bad entry
    reason: str | None

    @property
    def ok(self) -> bool:
        return self.first_bad is None


def check_details(details: dict) -> dict:
    """Return `details` if every value is a number, flag, short label or a list of them."""

    def ok(value) -> bool:
        if isinstance(value, list | tuple):
            return all(isinstance(v, _SCALARS) and ok(v) for v in value)
        if isinstance(value, str):
            return len(value) <= MAX_DETAIL_TEXT
        return isinstance(value, _SCALARS)

    for key, value in details.items():
        if not isinstance(key, str) or not ok(value):
            raise InputError(
                "audit details take numbers, flags and short labels only", field=str(key)
            )
    return details


def entry_hash(
    prev_hash: str,
    seq: int,
    at: str,
    actor: str,
    actor_fingerprint: str,
    action: str,
    agreement_id: str | None,
    purpose: str | None,
    details: dict,
) -> str:
    body = {
        "seq": seq,
        "at": at,
        "actor": actor,
        "actor_fingerprint": actor_fingerprint,
        "action": action,
        "agreement_id": agreement_id,
        "purpose": purpose,
        "details": details,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(bytes.fromhex(prev_hash) + canonical.encode("utf-8")).hexdigest()


def recompute(entry: AuditEntry, prev_hash: str) -> str:
    return entry_hash(
        prev_hash,
        entry.seq,
        entry.at,
        entry.actor,
        entry.actor_fingerprint,
        entry.action,
        entry.agreement_id,
        entry.purpose,
        entry.details,
    )


def anchor_message(seq: int, head_hash: str) -> bytes:
    """The bytes the office signs to anchor the chain head."""
    return f"pprl/audit-anchor/v1\0{seq}\0{head_hash}".encode("ascii")


def verify_chain(entries: Iterable[AuditEntry], highest_issued: int | None = None) -> ChainReport:
    """Walk the chain from the start; report the first entry that does not verify."""
    prev = GENESIS
    expected = 1
    count = 0
    for entry in entries:
        count += 1
        if entry.seq != expected:
            if entry.seq > expected:
                return ChainReport(count, expected, f"entry {expected} is missing (deleted)")
            return ChainReport(count, entry.seq, f"entry {entry.seq} is out of sequence")
        if entry.prev_hash != prev:
            return ChainReport(
                count,
                entry.seq,
                f"entry {entry.seq} does not follow entry {entry.seq - 1} "
                "(inserted, reordered or deleted)",
            )
        if recompute(entry, prev) != entry.hash:
            return ChainReport(count, entry.seq, f"entry {entry.seq} was modified")
        prev = entry.hash
        expected += 1
    if highest_issued is not None and highest_issued > expected - 1:
        return ChainReport(
            count, expected, f"entries from {expected} to {highest_issued} were deleted"
        )
    return ChainReport(count, None, None)


def anchor_to_json(anchor: Anchor) -> str:
    """A signed anchor the office keeps outside the matcher (`pprl audit anchor --out`)."""
    return json.dumps(
        {
            "format": "pprl-audit-anchor",
            "seq": anchor.seq,
            "head_hash": anchor.head_hash,
            "at": anchor.at,
            "signer_certificate": anchor.signer_certificate.decode("ascii"),
            "signature": base64.b64encode(anchor.signature).decode("ascii"),
        },
        indent=2,
    )


def anchor_from_json(text: str, path: str = "anchor") -> Anchor:
    try:
        d = json.loads(text)
        if d.get("format") != "pprl-audit-anchor":
            raise ValueError("not an anchor")
        return Anchor(
            int(d["seq"]),
            str(d["head_hash"]),
            str(d["at"]),
            str(d["signer_certificate"]).encode("ascii"),
            base64.b64decode(d["signature"], validate=True),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        raise InputError("not an audit anchor file", path=path) from None
