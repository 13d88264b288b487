"""The SQLite plumbing under the governance store: one connection, one lock, transactions.

Every change runs in `_transaction()` together with its audit entry (`_append_audit`), so a
change and its record are committed together or not at all. Reads go through `_one`/`_all`
under the same lock, so no thread reads another thread's unfinished transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from governance.audit import GENESIS, AuditEntry, check_details, entry_hash
from governance.migrations import migrate
from pprl.errors import GovernanceError

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _iso(when: dt.datetime) -> str:
    return when.astimezone(dt.timezone.utc).isoformat()


def _parse(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text)


class StoreBase:
    """Connection, lock, transactions, settings and the audit append every change shares."""

    def __init__(self, db_path: str | Path, *, clock: Clock = utc_now) -> None:
        self.path = Path(db_path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._clock = clock
        self._lock = threading.RLock()
        try:
            self._conn = sqlite3.connect(
                str(self.path), isolation_level=None, check_same_thread=False, timeout=30
            )
            self._conn.execute("PRAGMA foreign_keys = ON")
            self._conn.execute("PRAGMA journal_mode = WAL")
            migrate(self._conn)
        except sqlite3.DatabaseError as exc:
            raise GovernanceError(f"cannot open governance database {self.path}: {exc}") from None

    # --- plumbing ------------------------------------------------------------------------
    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def now(self) -> dt.datetime:
        return self._clock()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; rolled back entirely on any error."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            else:
                self._conn.execute("COMMIT")

    def _one(self, sql: str, params: tuple | list = ()) -> tuple | None:
        """One row, read under the store's lock (never inside another thread's transaction)."""
        with self._lock:
            return self._conn.execute(sql, params).fetchone()

    def _all(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def _meta(self, key: str) -> str | None:
        row = self._one("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else row[0]

    def _set_meta(self, conn: sqlite3.Connection, key: str, value: str) -> None:
        conn.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def _append_audit(
        self,
        conn: sqlite3.Connection,
        actor: str,
        fingerprint: str,
        action: str,
        agreement_id: str | None,
        purpose: str | None,
        details: dict,
    ) -> AuditEntry:
        details = json.loads(json.dumps(check_details(details)))  # canonical JSON types
        last = conn.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (1, GENESIS) if last is None else (last[0] + 1, last[1])
        at = _iso(self.now())
        digest = entry_hash(
            prev, seq, at, actor, fingerprint, action, agreement_id, purpose, details
        )
        conn.execute(
            "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                seq,
                at,
                actor,
                fingerprint,
                action,
                agreement_id,
                purpose,
                json.dumps(details, sort_keys=True, ensure_ascii=False),
                prev,
                digest,
            ),
        )
        return AuditEntry(
            seq, at, actor, fingerprint, action, agreement_id, purpose, details, prev, digest
        )
