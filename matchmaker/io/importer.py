"""Import: any number of files, validated together, written as one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, or_, select

from matchmaker.errors import MatchmakerError, NotFound, Problem, ValidationFailed
from matchmaker.freshness import mark_stale
from matchmaker.io.readers import Table, read_file
from matchmaker.io.validate import parse_organisation, parse_stream
from matchmaker.model import Organisation, Stream
from matchmaker.store import Store, _to_row, introductions, organisations, streams


@dataclass
class ImportReport:
    organisations: int
    streams: int
    inserted: int
    updated: int
    unchanged: int
    changed_streams: list[str]


def parse_tables(tables: list[Table], problems: list[Problem]) -> tuple[list[Organisation], list[Stream], list]:
    """Validate every row. Returns the valid records and, for every stream row
    (valid or not), its (source, row, org_id) so owners can be checked."""
    orgs: list[Organisation] = []
    strs: list[Stream] = []
    seen: dict[tuple[str, str], str] = {}
    owners: list[tuple[str, int, str]] = []
    for table in tables:
        parse = parse_organisation if table.kind == "organisations" else parse_stream
        for row_no, raw in table.rows:
            record, row_problems = parse(raw, table.decimal_comma)
            problems.extend(Problem(table.source, row_no, col, msg) for col, msg in row_problems)
            raw_id = str(raw.get("id") or "").strip()
            if raw_id:
                key = (table.kind, raw_id)
                if key in seen:
                    problems.append(Problem(table.source, row_no, "id",
                                            f"duplicate id {raw_id!r} (first seen in {seen[key]})"))
                    continue
                seen[key] = f"{table.source}, row {row_no}"
            if table.kind == "streams" and str(raw.get("org_id") or "").strip():
                owners.append((table.source, row_no, str(raw["org_id"]).strip()))
            if record is not None:
                (orgs if table.kind == "organisations" else strs).append(record)
    return orgs, strs, owners


def import_files(store: Store, paths: list[Path], uploads: dict[str, bytes] | None = None,
                 dry_run: bool = False, conn=None) -> ImportReport:
    """Validate all files and write them in one transaction, or raise ValidationFailed.

    `uploads` maps file names to bytes (for the web upload page); `dry_run`
    validates against the store but writes nothing; `conn` joins a caller's transaction.
    """
    problems: list[Problem] = []
    tables: list[Table] = []
    for path in paths:
        tables += read_file(Path(path), problems)
    for name, data in (uploads or {}).items():
        tables += read_file(Path(name), problems, data)
    orgs, strs, owners = parse_tables(tables, problems)
    if conn is not None:
        return _write(store, conn, orgs, strs, owners, problems, dry_run)
    with store.transaction() as conn:
        return _write(store, conn, orgs, strs, owners, problems, dry_run)


def _write(store: Store, conn, orgs, strs, owners, problems: list[Problem], dry_run: bool) -> ImportReport:
    known_orgs = store.ids(conn, organisations) | {o.id for o in orgs}
    for source, row_no, org_id in owners:
        if org_id not in known_orgs:
            problems.append(Problem(source, row_no, "org_id",
                                    f"owner organisation {org_id!r} is neither in the store nor in the files"))
    if problems:
        raise ValidationFailed(problems)
    changed_orgs = _changed_organisations(conn, orgs)
    counts = store.upsert(conn, orgs, strs)
    if dry_run:
        conn.rollback()
    else:  # in the import's transaction: a crash before the matches are updated leaves them marked stale
        mark_stale(conn, counts["changed_streams"], changed_orgs)
    return ImportReport(len(orgs), len(strs), **counts)


def _changed_organisations(conn, orgs: list[Organisation]) -> list[str]:
    """Ids of the organisations this import adds or changes (their streams' matches move with them)."""
    if not orgs:
        return []
    existing = {r["id"]: dict(r) for r in conn.execute(
        select(organisations).where(organisations.c.id.in_([o.id for o in orgs]))).mappings()}
    changed = []
    for o in orgs:
        row, old = _to_row(o), existing.get(o.id)
        if old is None or any(old.get(k) != v for k, v in row.items()):
            changed.append(o.id)
    return changed


def remove_streams(store: Store, stream_ids: list[str]) -> int:
    """Delete streams (all or nothing); their place in stored matches is marked stale in the same transaction.
    A stream named in an introduction stays: the introduction is the record of who agreed to what."""
    with store.transaction() as conn:
        found = set(conn.execute(select(streams.c.id).where(streams.c.id.in_(stream_ids))).scalars())
        missing = [s for s in stream_ids if s not in found]
        if missing:
            raise NotFound(f"unknown stream {missing[0]!r}")
        used = conn.execute(select(introductions.c.id).where(or_(
            introductions.c.offer_id.in_(stream_ids), introductions.c.need_id.in_(stream_ids)))).first()
        if used:
            raise MatchmakerError(f"introduction {used.id} names one of these streams; it cannot be removed")
        mark_stale(conn, stream_ids)
        conn.execute(delete(streams).where(streams.c.id.in_(stream_ids)))
    return len(found)
