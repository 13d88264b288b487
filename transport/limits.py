"""Size limits the matcher enforces (options are a frozen dataclass, set once at start)."""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    # One gRPC message (an upload chunk, a sealed payload); larger messages are refused by
    # gRPC itself with RESOURCE_EXHAUSTED before any of our code runs.
    max_message_bytes: int = 8 * MIB
    # The whole Arrow IPC stream of one upload.
    max_upload_bytes: int = 2048 * MIB
    max_records: int = 50_000_000
    # Uploads not yet committed, per department (so nobody fills the disk with partial data).
    max_open_uploads: int = 16
    # An unfinished upload untouched this long is dropped (its id is then unknown).
    upload_ttl_seconds: int = 24 * 3600


CHUNK_BYTES = 1 * MIB
