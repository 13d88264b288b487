"""The store's file: versioned migrations, refusal of newer or foreign files."""

from __future__ import annotations

import sqlite3

import pytest

from governance.migrations import MIGRATIONS
from governance.store import GovernanceStore
from pprl.errors import GovernanceError


def test_new_store_is_at_the_latest_version(tmp_path):
    with GovernanceStore(tmp_path / "g.sqlite"):
        pass
    conn = sqlite3.connect(tmp_path / "g.sqlite")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"departments", "catalogue_entries", "agreements", "approvals", "audit_log"} <= tables
    conn.close()
    with GovernanceStore(tmp_path / "g.sqlite"):  # reopening applies nothing twice
        pass


def test_newer_schema_is_refused(tmp_path):
    conn = sqlite3.connect(tmp_path / "g.sqlite")
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.close()
    with pytest.raises(GovernanceError, match="newer than this software"):
        GovernanceStore(tmp_path / "g.sqlite")


def test_not_a_database(tmp_path):
    (tmp_path / "g.sqlite").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(GovernanceError, match="cannot open governance database"):
        GovernanceStore(tmp_path / "g.sqlite")


def test_failed_migration_leaves_the_file_unchanged(tmp_path, monkeypatch):
    import governance.migrations as migrations

    broken = (*MIGRATIONS, "CREATE TABLE meta (x);")  # clashes with migration 1's table
    monkeypatch.setattr(migrations, "MIGRATIONS", broken)
    with pytest.raises(GovernanceError):
        GovernanceStore(tmp_path / "g.sqlite")
    conn = sqlite3.connect(tmp_path / "g.sqlite")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    conn.close()
