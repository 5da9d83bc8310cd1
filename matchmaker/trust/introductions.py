"""Introductions with consent.

A match starts as `suggested`. A firm (for one of its own streams) or a
facilitator asks for an introduction: `requested`. Each side's firm accepts or
declines; only when both have accepted is it `introduced` and the two firms see
each other's names. A facilitator can then mark it `in_chain`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.engine import Connection

from matchmaker.errors import Forbidden, MatchmakerError, NotFound
from matchmaker.store import Store, introductions, streams
from matchmaker.trust.accounts import STAFF, User
from matchmaker.trust.audit import log, now


@dataclass
class Introduction:
    id: int
    offer_id: str
    need_id: str
    status: str
    offer_consent: bool | None
    need_consent: bool | None
    requested_by: str
    created_at: str
    updated_at: str

    def side_of(self, stream_owner: dict[str, str], org_id: str | None) -> str | None:
        """'offer' or 'need' if `org_id` owns that side of the match."""
        if org_id and stream_owner.get(self.offer_id) == org_id:
            return "offer"
        if org_id and stream_owner.get(self.need_id) == org_id:
            return "need"
        return None


def _streams(conn: Connection, *stream_ids: str) -> dict:
    """id -> row with org_id, direction and confidentiality, for the streams that exist."""
    rows = conn.execute(select(streams.c.id, streams.c.org_id, streams.c.direction, streams.c.confidentiality)
                        .where(streams.c.id.in_(stream_ids))).all()
    return {r.id: r for r in rows}


def _status(offer: bool | None, need: bool | None) -> str:
    if offer is False or need is False:
        return "declined"
    return "introduced" if offer and need else "requested"


def _get(conn: Connection, intro_id: int) -> Introduction:
    if not 0 < intro_id < 2**62:
        raise NotFound(f"unknown introduction {intro_id}")
    row = conn.execute(select(introductions).where(introductions.c.id == intro_id)).mappings().first()
    if row is None:
        raise NotFound(f"unknown introduction {intro_id}")
    return Introduction(**row)


def request(store: Store, actor: User, offer_id: str, need_id: str) -> Introduction:
    """Ask for an introduction between an offer and a need."""
    with store.transaction() as conn:
        found_streams = _streams(conn, offer_id, need_id)
        for sid in (offer_id, need_id):
            row = found_streams.get(sid)
            # a firm may not even learn that another organisation's private stream exists
            if row is None or (actor.role not in STAFF and row.confidentiality == "private"
                               and row.org_id != actor.org_id):
                raise NotFound(f"unknown stream {sid!r}")
        owners = {sid: (r.org_id, r.direction) for sid, r in found_streams.items()}
        for sid, direction in ((offer_id, "offer"), (need_id, "need")):
            if owners[sid][1] != direction:
                raise MatchmakerError(f"stream {sid} is not an {direction}" if direction == "offer"
                                      else f"stream {sid} is not a need")
        if owners[offer_id][0] == owners[need_id][0]:
            raise MatchmakerError("both streams belong to the same organisation")
        consent: dict[str, bool | None] = {"offer_consent": None, "need_consent": None}
        if actor.role == "firm":
            side = "offer" if owners[offer_id][0] == actor.org_id else "need" if owners[need_id][0] == actor.org_id else None
            if side is None:
                raise Forbidden("a firm can ask for introductions only for its own streams")
            consent[f"{side}_consent"] = True
        elif actor.role not in STAFF:
            raise Forbidden("log in to ask for an introduction")
        found = conn.execute(select(introductions.c.id, introductions.c.status).where(
            introductions.c.offer_id == offer_id, introductions.c.need_id == need_id)).first()
        stamp = now()
        if found and found.status != "declined":
            raise MatchmakerError(f"an introduction for this match is already {found.status}")
        values = {**consent, "status": "requested", "requested_by": actor.username, "updated_at": stamp}
        if found:
            conn.execute(introductions.update().where(introductions.c.id == found.id).values(**values))
            intro_id = found.id
        else:
            intro_id = conn.execute(introductions.insert().values(
                offer_id=offer_id, need_id=need_id, created_at=stamp, **values)).inserted_primary_key[0]
        log(conn, actor.username, "request_introduction", f"introduction {intro_id}", f"{offer_id} -> {need_id}")
        return _get(conn, intro_id)


def respond(store: Store, actor: User, intro_id: int, accept: bool) -> Introduction:
    """The firm on one side accepts or declines; the status follows from both answers."""
    with store.transaction() as conn:
        intro = _get(conn, intro_id)
        owners = {sid: r.org_id for sid, r in _streams(conn, intro.offer_id, intro.need_id).items()}
        side = intro.side_of(owners, actor.org_id) if actor.role == "firm" else None
        if side is None:
            raise Forbidden("only the firms on either side of a match answer an introduction")
        if intro.status != "requested":
            raise MatchmakerError(f"this introduction is {intro.status}; nothing to answer")
        if getattr(intro, f"{side}_consent") is not None:
            raise MatchmakerError("your side has answered already")
        setattr(intro, f"{side}_consent", accept)
        intro.status = _status(intro.offer_consent, intro.need_consent)
        conn.execute(introductions.update().where(introductions.c.id == intro_id).values(
            offer_consent=intro.offer_consent, need_consent=intro.need_consent, status=intro.status, updated_at=now()))
        log(conn, actor.username, "accept_introduction" if accept else "decline_introduction",
            f"introduction {intro_id}", f"{side} side; now {intro.status}")
        return _get(conn, intro_id)


def mark_in_chain(store: Store, actor: User, intro_id: int, chain_id: str = "") -> Introduction:
    if actor.role not in STAFF:
        raise Forbidden("only facilitators put introduced partners in a chain")
    with store.transaction() as conn:
        intro = _get(conn, intro_id)
        if intro.status != "introduced":
            raise MatchmakerError(f"only an introduced match can join a chain; this one is {intro.status}")
        conn.execute(introductions.update().where(introductions.c.id == intro_id)
                     .values(status="in_chain", updated_at=now()))
        log(conn, actor.username, "mark_in_chain", f"introduction {intro_id}", chain_id[:64])
        return _get(conn, intro_id)


def list_introductions(store: Store, org_id: str | None = None) -> list[Introduction]:
    """Every introduction, or those touching one organisation's streams."""
    query = select(introductions).order_by(introductions.c.id.desc())
    if org_id is not None:
        own = select(streams.c.id).where(streams.c.org_id == org_id)
        query = query.where(or_(introductions.c.offer_id.in_(own), introductions.c.need_id.in_(own)))
    with store.engine.connect() as conn:
        return [Introduction(**r) for r in conn.execute(query).mappings()]


def statuses(store: Store, org_id: str | None = None) -> dict[tuple[str, str], str]:
    """(offer_id, need_id) -> status, for the pairs that have left `suggested`."""
    return {(i.offer_id, i.need_id): i.status for i in list_introductions(store, org_id)}


def revealed_to(store: Store, org_id: str) -> set[str]:
    """The counterpart streams an organisation may see in full: both sides agreed."""
    shown: set[str] = set()
    with store.engine.connect() as conn:
        mine = set(conn.execute(select(streams.c.id).where(streams.c.org_id == org_id)).scalars())
    for i in list_introductions(store, org_id):
        if i.status in ("introduced", "in_chain"):
            shown |= {i.offer_id, i.need_id} - mine
    return shown
