"""Backup and restore: the whole store (organisations, streams, stored matches, accounts,
introductions and the audit log) in one JSON file.

A backup is written to a temporary file and renamed into place, so a crash
never leaves half a backup; a restore is one transaction into an empty store
(or, with `replace`, after clearing it in that same transaction).
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from sqlalchemy import Integer, delete, select, text

from matchmaker.errors import MatchmakerError
from matchmaker.freshness import new_matches_token
from matchmaker.io.importer import import_files
from matchmaker.store import (
    SCHEMA_VERSION,
    Store,
    audit,
    case_elements,
    case_events,
    case_links,
    case_members,
    cases,
    feedback,
    introductions,
    kpi_entries,
    matches,
    metadata,
    notifications,
    organisations,
    pending_changes,
    saved_searches,
    streams,
    text_models,
    users,
)

# Kept verbatim (password hashes stay hashes); restored after the organisations and streams they refer to.
EXTRA_TABLES = {"users": users, "introductions": introductions, "audit": audit, "cases": cases, "case_members": case_members,
                "case_links": case_links, "case_elements": case_elements, "case_events": case_events, "kpi_entries": kpi_entries,
                "feedback": feedback, "pending_changes": pending_changes, "notifications": notifications,
                "saved_searches": saved_searches}

FORMAT = "matchmaker-backup"


def backup(store: Store, path: Path) -> dict[str, int]:
    with store.engine.connect() as conn:
        stored = [dict(r._mapping) for r in conn.execute(select(matches).order_by(matches.c.stream_id, matches.c.rank))]
        extra = {name: [dict(r._mapping) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]
                 for name, t in EXTRA_TABLES.items()}
    doc = {"format": FORMAT, "schema_version": SCHEMA_VERSION,
           "organisations": [asdict(o) for o in store.organisations()],
           "streams": [asdict(s) for s in store.streams()], "matches": stored, **extra}
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, ensure_ascii=False)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return {"organisations": len(doc["organisations"]), "streams": len(doc["streams"]), "matches": len(stored),
            **{name: len(rows) for name, rows in extra.items()}}


def reset_sequences(conn) -> None:
    """On PostgreSQL, move each serial id's sequence past the ids a restore wrote explicitly.

    Rows restored with their ids leave the sequences at 1, so the next audit entry or
    introduction would collide with a restored one (a unique violation on the first login).
    SQLite takes max(id) + 1 by itself.
    """
    if conn.dialect.name != "postgresql":
        return
    for table in metadata.sorted_tables:
        for column in table.primary_key.columns:
            if column.autoincrement is True or (column.autoincrement == "auto" and isinstance(column.type, Integer)
                                                and len(table.primary_key.columns) == 1):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', '{column.name}'), "
                                  f'COALESCE((SELECT MAX("{column.name}") FROM "{table.name}"), 0) + 1, false)'))


def _match_problems(row: dict) -> list[str]:
    ok = (isinstance(row.get("stream_id"), str) and isinstance(row.get("other_id"), str)
          and isinstance(row.get("rank"), int) and not isinstance(row.get("rank"), bool)
          and isinstance(row.get("score"), (int, float)) and math.isfinite(row["score"])
          and isinstance(row.get("detail"), str))
    return [] if ok else ["needs text stream_id, other_id and detail, a whole rank and a finite score"]


def record_problems(doc: dict, check_records: dict[str, Callable[[dict], list[str]]]) -> list[str]:
    """Every record of the tables kept verbatim, checked one by one before anything is written:
    each must be an object with the table's columns and valid values (`check_records` adds the
    rules of higher layers, e.g. the accounts' roles and password hash format)."""
    problems = []
    checks = {"matches": _match_problems, **check_records}
    for name, table in {"matches": matches, **EXTRA_TABLES}.items():
        rows = doc.get(name) or []
        if not isinstance(rows, list):
            problems.append(f"{name!r} must be a list")
            continue
        columns = {c.name for c in table.columns}
        required = {c.name for c in table.columns if not c.nullable and c.default is None and c.autoincrement is not True}
        for number, row in enumerate(rows, start=1):
            if not isinstance(row, dict):
                problems.append(f"{name} record {number}: not an object")
                continue
            unknown, missing = sorted(set(row) - columns), sorted(required - set(row))
            if unknown:
                problems.append(f"{name} record {number}: unknown fields {', '.join(unknown)}")
            if missing:
                problems.append(f"{name} record {number}: missing {', '.join(missing)}")
            if name in checks and not unknown and not missing:
                problems += [f"{name} record {number}: {p}" for p in checks[name](row)]
    return problems


def restore(store: Store, path: Path, replace: bool = False,
            check_records: dict[str, Callable[[dict], list[str]]] | None = None) -> dict[str, int]:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise MatchmakerError(f"cannot read backup {path}: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise MatchmakerError(f"{path} is not a Matchmaker backup")
    version = doc.get("schema_version", 0)
    if isinstance(version, bool) or not isinstance(version, int) and not (isinstance(version, str) and version.isdigit()):
        raise MatchmakerError(f"{path}: schema_version must be a whole number, got {str(version)[:20]!r}")
    if int(version) > SCHEMA_VERSION:
        raise MatchmakerError(f"backup has schema version {doc['schema_version']}, newer than this Matchmaker")
    problems = record_problems(doc, check_records or {})
    if problems:
        raise MatchmakerError(f"{path} holds records that cannot be restored (nothing was written): "
                              + "; ".join(problems[:20]) + (f"; and {len(problems) - 20} more" if len(problems) > 20 else ""))
    if not store.is_empty() and not replace:
        raise MatchmakerError("the store is not empty: restore into an empty store, or pass --replace")
    records = json.dumps({"organisations": doc.get("organisations", []), "streams": doc.get("streams", [])})
    with store.transaction() as conn:
        if replace:
            for table in (saved_searches, notifications,
                          pending_changes, feedback, kpi_entries, case_events, case_elements, case_links, case_members, cases,
                          audit, introductions, users, matches, streams, organisations):
                conn.execute(delete(table))
        report = import_files(store, [], uploads={Path(path).name + ".json": records.encode("utf-8")}, conn=conn)
        if doc.get("matches"):
            conn.execute(matches.insert(), doc["matches"])
        # the restored lists were scored with a text model the backup does not hold, and no
        # process's index of the store before describes them: the next update starts afresh
        conn.execute(delete(text_models))
        new_matches_token(conn)
        for name, table in EXTRA_TABLES.items():
            if doc.get(name):
                conn.execute(table.insert(), doc[name])
        reset_sequences(conn)
    return {"organisations": report.organisations, "streams": report.streams, "matches": len(doc.get("matches", [])),
            **{name: len(doc.get(name) or []) for name in EXTRA_TABLES}}
