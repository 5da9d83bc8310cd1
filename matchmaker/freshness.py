"""Which stored match lists a write has made stale.

Every write that changes streams or organisations marks, in its own transaction, the
streams whose stored matches it affects (`mark_stale`). The stored matches are brought
up to date afterwards (matchmaker.matching.stored.sync); if that step is killed the
mark survives and the next command or request repairs the lists. A generation counter
lets a repair clear only the marks it has seen, never one a later write added.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.engine import Connection

from matchmaker.store import meta, streams

STALE_KEY = "matches_stale"


def _read(conn: Connection) -> dict | None:
    raw = conn.execute(select(meta.c.value).where(meta.c.key == STALE_KEY)).scalar()
    return json.loads(raw) if raw else None


def mark_stale(conn: Connection, stream_ids: Iterable[str], org_ids: Iterable[str] = ()) -> None:
    """Record, in the caller's transaction, that these streams (and every stream of these
    organisations) changed, so the lists they are in must be recomputed."""
    ids = set(stream_ids)
    org_ids = list(org_ids)
    if org_ids:
        ids |= set(conn.execute(select(streams.c.id).where(streams.c.org_id.in_(org_ids))).scalars())
    if not ids:
        return
    doc = _read(conn)
    value = json.dumps({"generation": (doc["generation"] + 1) if doc else 1,
                        "streams": sorted(set(doc["streams"] if doc else ()) | ids)}, ensure_ascii=False)
    if doc is None:
        conn.execute(meta.insert().values(key=STALE_KEY, value=value))
    else:
        conn.execute(meta.update().where(meta.c.key == STALE_KEY).values(value=value))


def stale(conn: Connection) -> tuple[int, set[str]] | None:
    """(generation, changed stream ids) when some stored lists are stale, else None."""
    doc = _read(conn)
    return (int(doc["generation"]), set(doc["streams"])) if doc else None


def clear_stale(conn: Connection, generation: int) -> bool:
    """Drop the mark if no write has added to it since `generation` was read."""
    doc = _read(conn)
    if doc is None:
        return True
    if int(doc["generation"]) != generation:
        return False
    conn.execute(meta.delete().where(meta.c.key == STALE_KEY))
    return True


TOKEN_KEY = "matches_token"


def matches_token(conn: Connection) -> str | None:
    """Names the stored lists as a whole: every write of them sets a new one, so a process
    holding an index of an older state (matching/stored.py) sees that another wrote since."""
    return conn.execute(select(meta.c.value).where(meta.c.key == TOKEN_KEY)).scalar()


def new_matches_token(conn: Connection) -> str:
    import secrets
    token = secrets.token_hex(8)
    conn.execute(meta.delete().where(meta.c.key == TOKEN_KEY))
    conn.execute(meta.insert().values(key=TOKEN_KEY, value=token))
    return token


def swap_matches_token(conn: Connection, expected: str | None) -> str | None:
    """A new token, in the caller's transaction, only if the stored one is still `expected`
    (what the sync read before it computed): None when another process wrote lists since."""
    import secrets
    token = secrets.token_hex(8)
    if expected is None:
        if matches_token(conn) is not None:
            return None
        conn.execute(meta.insert().values(key=TOKEN_KEY, value=token))
        return token
    done = conn.execute(meta.update().where(meta.c.key == TOKEN_KEY, meta.c.value == expected).values(value=token))
    return token if done.rowcount == 1 else None
