"""Bounds on streams: how many a caller and everybody may hold, and how long one may sit idle.

Every call the server runs holds one of its worker threads until it returns, and a stream
returns only when it ends: a caller that opens streams and sends nothing would otherwise hold
the whole pool and every other caller would wait (DEADLINE_EXCEEDED) until it let go. So
(`transport.limits.Limits`):
- a caller (one peer certificate) holds at most `max_streams_per_caller` streams at once and
  everybody together at most `max_streams`, fewer than the pool's workers, so unary calls
  always find a thread; the excess is refused at once with RESOURCE_EXHAUSTED;
- a client stream (an upload's chunks) that brings no message for `stream_idle_seconds` is
  closed with RESOURCE_EXHAUSTED; the chunks already verified are kept, so the upload resumes.

The interceptor applies both before any servicer code runs (`transport.interceptor`).
"""

from __future__ import annotations

import hashlib
import queue
import threading
from collections.abc import Iterator

from pprl.errors import LimitExceeded

_ITEM, _END, _ERROR = "item", "end", "error"


def caller_key(context) -> str:
    """Who holds a stream: the peer certificate mutual TLS verified (one per department)."""
    certs = context.auth_context().get("x509_pem_cert") or [b""]
    return hashlib.sha256(certs[0]).hexdigest()


class StreamSlots:
    """Counts the streams each caller holds; refuses one over either bound."""

    def __init__(self, per_caller: int, total: int) -> None:
        if per_caller < 1 or total < per_caller:
            raise ValueError("need 1 <= streams per caller <= streams in all")
        self.per_caller = per_caller
        self.total = total
        self._held: dict[str, int] = {}
        self._lock = threading.Lock()

    def acquire(self, caller: str) -> None:
        with self._lock:
            if self._held.get(caller, 0) >= self.per_caller:
                raise LimitExceeded(
                    f"too many open streams: at most {self.per_caller} per caller at once"
                )
            if sum(self._held.values()) >= self.total:
                raise LimitExceeded("the matcher is busy with other streams; try again shortly")
            self._held[caller] = self._held.get(caller, 0) + 1

    def release(self, caller: str) -> None:
        with self._lock:
            self._held[caller] -= 1
            if not self._held[caller]:
                del self._held[caller]


class IdleGuard:
    """A client stream's messages, refused (`LimitExceeded`) after `seconds` without one.

    gRPC's request iterator blocks until the client sends; a helper thread reads it so the
    worker can stop waiting. When the call ends the iterator ends too, and so does the thread.
    """

    def __init__(self, messages: Iterator, seconds: float) -> None:
        self._messages = messages
        self._seconds = seconds
        self._queue: queue.Queue = queue.Queue(maxsize=1)
        self._closed = threading.Event()
        threading.Thread(target=self._pump, name="stream-reader", daemon=True).start()

    def _put(self, item: tuple) -> bool:
        while not self._closed.is_set():
            try:
                self._queue.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def _pump(self) -> None:
        try:
            for message in self._messages:
                if not self._put((_ITEM, message)):
                    return
            self._put((_END, None))
        except Exception as exc:  # the client went away: the worker re-raises it
            self._put((_ERROR, exc))

    def __iter__(self) -> Iterator:
        while True:
            try:
                kind, value = self._queue.get(timeout=self._seconds)
            except queue.Empty:
                raise LimitExceeded(f"stream closed: no message for {self._seconds:g} s") from None
            if kind == _END:
                return
            if kind == _ERROR:
                raise value
            yield value

    def close(self) -> None:
        """The worker is done with the stream: the reader stops at its next message."""
        self._closed.set()
