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
    # A run whose candidate pairs would pass this many fails with that reason (a threshold
    # near 0 with solver none would otherwise return all |A| x |B| pairs); and `Runs.Create`
    # refuses a threshold below `min_threshold` unless the matcher is started with a lower one.
    max_result_pairs: int = 10_000_000
    min_threshold: float = 0.3
    # Sealed payloads relayed for one run and recipient: how many, how many bytes in all, and
    # how many sealed bytes a payload may carry per record it declares (plus a fixed allowance).
    max_disclosure_payloads: int = 1024
    max_disclosure_bytes: int = 1024 * MIB
    max_disclosed_record_bytes: int = 4096

    def __post_init__(self) -> None:
        if not 1 <= self.max_streams_per_caller <= self.max_streams < self.rpc_workers:
            raise InputError(
                "need 1 <= streams per caller <= streams in all < worker threads "
                f"(got {self.max_streams_per_caller}, {self.max_streams}, {self.rpc_workers})"
            )
        if not self.stream_idle_seconds > 0:
            raise InputError("the idle stream timeout must be positive")
        if self.max_result_pairs < 1 or not 0.0 <= self.min_threshold <= 1.0:
            raise InputError("need max result pairs >= 1 and a minimum threshold in [0, 1]")


CHUNK_BYTES = 1 * MIB
SEALED_PAYLOAD_ALLOWANCE = 4096  # sealed bytes a payload may carry beyond its records' share
