"""Size and concurrency limits the matcher enforces (a frozen dataclass, set once at start)."""

from __future__ import annotations

from dataclasses import dataclass

from pprl.errors import InputError

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
    # Streams (uploads' chunks, watches, results, disclosure fetches) each hold a worker thread
    # while open (transport/streams.py): at most this many per caller, and in all, always
    # fewer than the server's workers so that other calls find one.
    max_streams_per_caller: int = 4
    max_streams: int = 16
    rpc_workers: int = 32
    # A client stream with no message for this long is closed (an upload then resumes).
    stream_idle_seconds: float = 30.0

    def __post_init__(self) -> None:
        if not 1 <= self.max_streams_per_caller <= self.max_streams < self.rpc_workers:
            raise InputError(
                "need 1 <= streams per caller <= streams in all < worker threads "
                f"(got {self.max_streams_per_caller}, {self.max_streams}, {self.rpc_workers})"
            )
        if not self.stream_idle_seconds > 0:
            raise InputError("the idle stream timeout must be positive")


CHUNK_BYTES = 1 * MIB
