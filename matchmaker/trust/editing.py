"""Editing one organisation or stream, with the role checks and an audit entry in the same transaction."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Container
from dataclasses import asdict, replace
from typing import Any

from sqlalchemy import delete, select

from matchmaker.errors import Forbidden, NotFound, Problem, ValidationFailed
from matchmaker.freshness import mark_stale
from matchmaker.io.exporter import cell
from matchmaker.io.validate import parse_organisation, parse_stream
from matchmaker.model import ORG_FIELDS, STREAM_FIELDS, Organisation, Stream
from matchmaker.store import Store, organisations, pending_changes, streams
from matchmaker.trust.accounts import STAFF, User
from matchmaker.trust.audit import log, now
from matchmaker.trust.permissions import may

# Fields a firm may not change about itself: the facilitator vouches for them.
LOCKED_FOR_FIRMS = {"organisation": ("id", "kind", "invented"), "stream": ("id", "org_id", "invented")}
# Fields the eligibility checks read (programmes.rules): a firm may propose new values, but they
# stay pending until a facilitator confirms them; the checks keep reading the confirmed ones.
NEEDS_CONFIRMATION = ("in_difficulty", "de_minimis_eur", "de_minimis_regulation", "de_minimis_declared",
                      "employees", "turnover_eur", "balance_sheet_eur", "closed_financial_years",
                      "primary_production", "last_accounts_year", "equity_eur", "group_employees",
                      "group_turnover_eur", "group_balance_sheet_eur")


def form_values(record: Organisation | Stream | None, kind: str) -> dict[str, str]:
    """Every field as the text an edit form shows (the same text an import file would hold)."""
    names = ORG_FIELDS if kind == "organisation" else STREAM_FIELDS
    values = asdict(record) if record else {}
    return {n: cell(values.get(n)) for n in names}


def new_stream_id() -> str:
    """A fresh id that says nothing about the owner (ids are shown even for anonymised streams)."""
    return f"S-{secrets.token_hex(5).upper()}"


def may_edit(actor: User, org_id: str | None) -> bool:
    return actor.role in STAFF or (actor.role == "firm" and org_id is not None and actor.org_id == org_id)


def locked_fields(actor: User, kind: str) -> tuple[str, ...]:
    """The fields the edit form shows read-only to this actor."""
    return () if actor.role in STAFF else LOCKED_FOR_FIRMS[kind]


def check_may_open(actor: User, kind: str, record_id: str | None, current: Organisation | Stream | None,
                   org_id: str | None, visible: Callable[[str], Container[str]]) -> None:
    """Raise unless `actor` may open the edit form for this record (or for a new one, under
    `org_id`). A record that is missing (`record_id` given, `current` None) and one the actor
    may not even see both answer NotFound. `visible(kind)` gives the ids of that kind the actor
    sees; it is asked on every call, allowed or not, missing or not, so "not yours" costs the
    same work as "missing" and the answer's timing tells nothing either."""
    owner = (current.id if kind == "organisation" else current.org_id) if current else org_id
    shown = visible("organisation" if kind == "organisation" or not record_id else "stream")
    if record_id and current is None:
        raise NotFound(f"unknown {kind} {record_id!r}")
    if not ((owner and not may_edit(actor, owner)) or (owner is None and actor.role not in STAFF)):
        return
    target = record_id or owner
    if target and target not in shown:  # hidden and missing look the same
        raise NotFound(f"unknown {kind} {target!r}")
    raise Forbidden("you may edit only your own organisation and its streams")


def save(store: Store, actor: User, kind: str, raw: dict[str, Any], current: Organisation | Stream | None) -> str:
    """Validate and write one record (new when `current` is None). Returns its id.

    Firm users edit only their own organisation and its streams and cannot change
    the locked fields; any problem raises ValidationFailed and writes nothing.
    """
    if kind not in ("organisation", "stream"):
        raise ValueError(kind)
    raw = {k: ("" if v is None else str(v)) for k, v in raw.items()}
    if current is not None and actor.role not in STAFF:
        for name in LOCKED_FOR_FIRMS[kind]:
            raw[name] = cell(getattr(current, name))
    if current is None and actor.role not in STAFF:  # firms do not choose ids or the demo marker
        raw.update(id=new_stream_id(), invented="false")
    owner = raw.get("id") if kind == "organisation" else raw.get("org_id")
    if not may_edit(actor, (current.id if kind == "organisation" else current.org_id) if current else owner):
        raise Forbidden("you may edit only your own organisation and its streams")
    if current is None and kind == "organisation" and actor.role not in STAFF:
        raise Forbidden("only facilitators register new organisations")
    record, column_problems = (parse_organisation if kind == "organisation" else parse_stream)(raw)
    problems = [Problem(f"{kind} form", None, col, msg) for col, msg in column_problems]
    table = organisations if kind == "organisation" else streams
    with store.transaction() as conn:
        exists = record is not None and conn.execute(select(table.c.id).where(table.c.id == record.id)).first()
        if record is not None and current is None and exists:
            problems.append(Problem(f"{kind} form", None, "id", f"id {record.id!r} is taken"))
        if record is not None and current is not None and record.id != current.id:
            problems.append(Problem(f"{kind} form", None, "id", "the id cannot change"))
        if kind == "stream" and record is not None and conn.execute(
                select(organisations.c.id).where(organisations.c.id == record.org_id)).first() is None:
            problems.append(Problem(f"{kind} form", None, "org_id", f"unknown organisation {record.org_id!r}"))
        if problems:
            raise ValidationFailed(problems)
        assert record is not None
        if kind == "stream" and not may_edit(actor, record.org_id):
            raise Forbidden("you may edit only your own organisation and its streams")
        if kind == "organisation" and current is not None and actor.role not in STAFF:
            record = _hold_for_confirmation(conn, actor, current, record)
        store.upsert(conn, [record] if kind == "organisation" else [], [record] if kind == "stream" else [])
        mark_stale(conn, [record.id] if kind == "stream" else [], [record.id] if kind == "organisation" else [])
        log(conn, actor.username, f"{'add' if current is None else 'edit'}_{kind}", f"{kind} {record.id}")
    return record.id


def load(store: Store, kind: str, record_id: str) -> Organisation | Stream:
    found = find(store, kind, record_id)
    if found is None:
        raise NotFound(f"unknown {kind} {record_id!r}")
    return found


def find(store: Store, kind: str, record_id: str) -> Organisation | Stream | None:
    """The stored record, or None when there is none (check_may_open then answers NotFound)."""
    return store.organisation(record_id) if kind == "organisation" else store.stream(record_id)


def _hold_for_confirmation(conn, actor: User, current: Organisation, proposed: Organisation) -> Organisation:
    """Keep the confirmed eligibility figures in the record and store the firm's new ones as
    pending (one per field, the latest proposal replacing an earlier one); a value typed back
    to the confirmed one withdraws its proposal."""
    kept = {}
    for name in NEEDS_CONFIRMATION:
        old, new = getattr(current, name), getattr(proposed, name)
        conn.execute(delete(pending_changes).where(pending_changes.c.org_id == current.id,
                                                   pending_changes.c.field == name,
                                                   pending_changes.c.status == "pending"))
        if new != old:
            conn.execute(pending_changes.insert().values(org_id=current.id, field=name, value=cell(new),
                                                         proposed_by=actor.username, at=now(), status="pending"))
            log(conn, actor.username, "propose_change", f"organisation {current.id}", f"{name}={cell(new)}")
            kept[name] = old
    return replace(proposed, **kept)


def pending(store: Store, org_id: str | None = None) -> list[dict]:
    """Proposed eligibility figures awaiting a facilitator, oldest first (one organisation's, or all)."""
    query = select(pending_changes).where(pending_changes.c.status == "pending")
    if org_id is not None:
        query = query.where(pending_changes.c.org_id == org_id)
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(query.order_by(pending_changes.c.id)).mappings()]


def decide(store: Store, actor: User, change_id: int, confirm: bool) -> dict:
    """A facilitator confirms (the value goes into the organisation, its streams' matches are
    refreshed) or rejects one pending change; either is audited. Returns the change."""
    if not may(actor.role, "confirm_changes"):
        raise Forbidden("only facilitators confirm eligibility figures")
    with store.engine.connect() as conn:
        row = conn.execute(select(pending_changes.c.org_id).where(pending_changes.c.id == change_id)).first()
    current = store.organisation(row[0]) if row else None
    with store.transaction() as conn:
        row = conn.execute(select(pending_changes).where(pending_changes.c.id == change_id,
                                                         pending_changes.c.status == "pending")).mappings().first()
        if row is None:
            raise NotFound(f"no pending change {change_id!r}")
        change = dict(row)
        if current is None or current.id != change["org_id"]:
            raise NotFound(f"unknown organisation {change['org_id']!r}")
        if confirm:
            raw = {**form_values(current, "organisation"), change["field"]: change["value"]}
            record, problems = parse_organisation(raw)
            if record is None or problems:
                raise ValidationFailed([Problem("pending change", None, col, msg) for col, msg in problems])
            store.upsert(conn, [record], [])
            mark_stale(conn, [], [record.id])
        status = "confirmed" if confirm else "rejected"
        conn.execute(pending_changes.update().where(pending_changes.c.id == change_id)
                     .values(status=status, decided_by=actor.username, decided_at=now()))
        log(conn, actor.username, f"{'confirm' if confirm else 'reject'}_change", f"organisation {change['org_id']}",
            f"{change['field']}={change['value']}")
    return {**change, "status": status}
