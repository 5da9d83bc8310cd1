"""Behaviour that differs between SQLite and PostgreSQL, run on both (PostgreSQL is real or skipped)."""

from __future__ import annotations

import pytest

from matchmaker.io.backup import backup, restore
from matchmaker.trust import introductions as intro
from matchmaker.trust.accounts import User, add_user
from matchmaker.trust.audit import audit_log, log

FAC = User("fac", "facilitator")


def test_pg_store_is_a_real_postgresql(pg_store):
    assert pg_store.engine.dialect.name == "postgresql"
    assert pg_store.is_empty() and pg_store.schema_version >= 3


@pytest.mark.both_stores
def test_ids_keep_counting_after_a_restore(small_store, new_store, tmp_path):
    """Issue 16 finding 7: restored rows carry their ids, so PostgreSQL's sequences must move past them,
    or the first login after a restore fails with a unique violation on the audit table."""
    add_user(small_store, "fac", "facilitator", "correct horse battery")
    first = intro.request(small_store, FAC, "S1", "S2")
    with small_store.transaction() as conn:
        for i in range(3):
            log(conn, "fac", "login", f"user fac {i}")
    backup(small_store, tmp_path / "b.json")
    restored_ids = {row["id"] for row in audit_log(small_store)}

    fresh = new_store()
    restore(fresh, tmp_path / "b.json")
    with fresh.transaction() as conn:
        log(conn, "fac", "login", "user fac after restore")   # the unique violation happened here
    second = intro.request(fresh, FAC, "S3", "S4")
    newest = audit_log(fresh)[0]
    assert newest["id"] > max(restored_ids)
    assert second.id > first.id

    restore(fresh, tmp_path / "b.json", replace=True)          # replace: sequences move past the ids again
    with fresh.transaction() as conn:
        log(conn, "fac", "login", "after replace")
    assert audit_log(fresh)[0]["id"] == max(restored_ids) + 1
