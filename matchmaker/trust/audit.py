"""The audit log: who did what, when, written in the same transaction as the change."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from matchmaker.store import Store, audit


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def log(conn: Connection, actor: str, action: str, subject: str, detail: str = "") -> None:
    """Append to the audit log inside the caller's transaction, so the entry and the change land together."""
    conn.execute(audit.insert().values(at=now(), actor=actor, action=action, subject=subject[:200], detail=detail))


def audit_log(store: Store, limit: int = 200) -> list[dict]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(audit).order_by(audit.c.id.desc()).limit(limit)).mappings()
        return [dict(r) for r in rows]
