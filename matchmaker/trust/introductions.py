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
from matchmaker.store import Store, introductions, organisations, streams
from matchmaker.trust import notifications as notes
from matchmaker.trust.access import Viewer
from matchmaker.trust.accounts import STAFF, User, list_users
from matchmaker.trust.audit import log, now

MAX_MESSAGE = 500  # a short note to the other side, not a correspondence


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
    message: str | None = None

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


NOT_POSSIBLE = "no introduction can be asked for with stream {!r}"


def clean_message(text: str | None) -> str:
    """The request's note: trimmed, control characters other than line breaks removed, at most MAX_MESSAGE."""
    text = "".join(ch for ch in (text or "") if ch in "\n\t" or ch >= " ").strip()
    if len(text) > MAX_MESSAGE:
        raise MatchmakerError(f"the message is {len(text)} characters; at most {MAX_MESSAGE}")
    return text


def _title(conn: Connection, stream_id: str) -> str:
    return conn.execute(select(streams.c.title).where(streams.c.id == stream_id)).scalar() or stream_id


def _announce(conn: Connection, intro: Introduction, kind: str, sides: tuple[str, ...], params: dict) -> list:
    """In-app notices for the firm users on `sides` ('offer', 'need'), each about its own stream,
    and the mails to their organisations' contacts (sent by the caller after the commit)."""
    owners = {sid: r.org_id for sid, r in _streams(conn, intro.offer_id, intro.need_id).items()}
    mails: list = []
    for side in sides:
        sid = intro.offer_id if side == "offer" else intro.need_id
        org = owners.get(sid)
        if not org:
            continue
        shown = {**params, "title": _title(conn, sid)[:120], "intro": intro.id, "link": "/introductions"}
        notes.notify(conn, notes.users_of(conn, [org]), kind, shown, "/introductions")
        mails += notes.mails_for(conn, [org], kind, shown)
    return mails


def request(store: Store, actor: User, offer_id: str, need_id: str, message: str = "") -> Introduction:
    """Ask for an introduction between an offer and a need, with an optional short note.

    A firm is first checked for owning one of the two streams; about the other stream it
    then gets one answer for every refusal (missing, private, wrong direction, same owner),
    so a request cannot test who owns an anonymised stream. Every request touching another
    organisation's anonymised stream is in the audit log, refused ones too.
    """
    with store.engine.connect() as conn:
        found = _streams(conn, offer_id, need_id)
    watched = actor.role not in STAFF and any(
        r.confidentiality == "anonymised" and r.org_id != actor.org_id for r in found.values())
    try:
        found, mails = _request(store, actor, offer_id, need_id, clean_message(message))
    except MatchmakerError as exc:
        if watched:
            with store.transaction() as conn:
                log(conn, actor.username or "?", "introduction_refused", "introduction",
                    f"{offer_id[:64]} -> {need_id[:64]}: {str(exc)[:120]}")
        raise
    notes.send(store, mails)  # after the commit: a slow or failing mail server never undoes the request
    return found


def _request(store: Store, actor: User, offer_id: str, need_id: str, message: str = "") -> tuple[Introduction, list]:
    if actor.role not in STAFF and actor.role != "firm":
        raise Forbidden("log in to ask for an introduction")
    with store.transaction() as conn:
        found_streams = _streams(conn, offer_id, need_id)
        consent: dict[str, bool | None] = {"offer_consent": None, "need_consent": None}
        if actor.role == "firm":
            mine = [sid for sid in (offer_id, need_id)
                    if sid in found_streams and found_streams[sid].org_id == actor.org_id]
            if not mine:
                raise Forbidden("a firm can ask for introductions only for its own streams")
            if len(mine) == 2:
                raise MatchmakerError("both streams belong to your organisation")
            side = "offer" if mine[0] == offer_id else "need"
            if found_streams[mine[0]].direction != side:
                raise MatchmakerError(f"your stream {mine[0]} is not an {side}" if side == "offer"
                                      else f"your stream {mine[0]} is not a need")
            other_id = need_id if side == "offer" else offer_id
            other = found_streams.get(other_id)
            if (other is None or other.confidentiality == "private"
                    or other.direction != ("need" if side == "offer" else "offer")):
                raise NotFound(NOT_POSSIBLE.format(other_id[:64]))
            consent[f"{side}_consent"] = True
        else:
            for sid in (offer_id, need_id):
                if sid not in found_streams:
                    raise NotFound(f"unknown stream {sid!r}")
            for sid, direction in ((offer_id, "offer"), (need_id, "need")):
                if found_streams[sid].direction != direction:
                    raise MatchmakerError(f"stream {sid} is not an {direction}" if direction == "offer"
                                          else f"stream {sid} is not a need")
            if found_streams[offer_id].org_id == found_streams[need_id].org_id:
                raise MatchmakerError("both streams belong to the same organisation")
        found = conn.execute(select(introductions.c.id, introductions.c.status).where(
            introductions.c.offer_id == offer_id, introductions.c.need_id == need_id)).first()
        stamp = now()
        if found and found.status != "declined":
            raise MatchmakerError(f"an introduction for this match is already {found.status}")
        values = {**consent, "status": "requested", "requested_by": actor.username, "updated_at": stamp,
                  "message": message or None}
        if found:
            conn.execute(introductions.update().where(introductions.c.id == found.id).values(**values))
            intro_id = found.id
        else:
            intro_id = conn.execute(introductions.insert().values(
                offer_id=offer_id, need_id=need_id, created_at=stamp, **values)).inserted_primary_key[0]
        log(conn, actor.username, "request_introduction", f"introduction {intro_id}", f"{offer_id} -> {need_id}")
        made = _get(conn, intro_id)
        # tell the side(s) that must answer; the asker's name is not in it (see shown_requester)
        waiting = tuple(side for side in ("offer", "need") if getattr(made, f"{side}_consent") is None)
        return made, _announce(conn, made, "intro_requested", waiting, {"message": message})


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
        mails: list = []
        if intro.status == "introduced":
            mails = _announce(conn, intro, "intro_introduced", ("offer", "need"), {})
        elif intro.status == "declined":  # the side that had said yes learns it, not who said no
            other = "need" if side == "offer" else "offer"
            if getattr(intro, f"{other}_consent"):
                mails = _announce(conn, intro, "intro_declined", (other,), {})
        answered = _get(conn, intro_id)
    notes.send(store, mails)
    return answered


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


def introduce_chain(store: Store, actor: User, links: list[tuple[str, str]], message: str = "") -> dict:
    """A facilitator asks for every link of a chain in one step. Links already asked for,
    introduced or in a chain are left as they are; each refusal is reported, not raised."""
    if actor.role not in STAFF:
        raise Forbidden("only facilitators introduce a whole chain")
    note = clean_message(message)
    done: list[int] = []
    skipped: list[tuple[str, str, str]] = []
    for offer_id, need_id in dict.fromkeys(links):
        try:
            done.append(request(store, actor, offer_id, need_id, note).id)
        except MatchmakerError as exc:
            skipped.append((offer_id, need_id, str(exc)))
    return {"requested": done, "skipped": skipped}


def pending_for(store: Store, viewer: Viewer) -> int:
    """How many introductions wait for this viewer's answer (the menu's badge); 0 for non-firms."""
    if viewer.role != "firm" or not viewer.org_id:
        return 0
    with store.engine.connect() as conn:
        mine = set(conn.execute(select(streams.c.id).where(streams.c.org_id == viewer.org_id)).scalars())
        rows = conn.execute(select(introductions).where(introductions.c.status == "requested", or_(
            introductions.c.offer_id.in_(mine), introductions.c.need_id.in_(mine)))).mappings().all() if mine else []
    return sum(1 for r in rows if (r["offer_id"] in mine and r["offer_consent"] is None)
               or (r["need_id"] in mine and r["need_consent"] is None))


CONTACT_FIELDS = ("contact_person", "contact_email", "contact_phone")


def contacts_for(store: Store, viewer: Viewer, intro: Introduction, side: str | None,
                 owners: dict[str, str]) -> list[dict]:
    """The contact details the viewer may read for this introduction: a firm sees the other
    side's only once both accepted; staff see both sides'. Nobody else sees any."""
    if intro.status not in ("introduced", "in_chain"):
        return []
    if viewer.is_staff:
        wanted = [owners.get(intro.offer_id), owners.get(intro.need_id)]
    elif side in ("offer", "need"):
        wanted = [owners.get(intro.need_id if side == "offer" else intro.offer_id)]
    else:
        return []
    ids = [o for o in wanted if o]
    if not ids:
        return []
    with store.engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(select(organisations.c.id, organisations.c.name,
                                                     *(organisations.c[f] for f in CONTACT_FIELDS))
                                              .where(organisations.c.id.in_(ids)))}
    return [{"org_id": o, "org_name": rows[o].name, **{f: getattr(rows[o], f) for f in CONTACT_FIELDS}}
            for o in ids if o in rows]


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


# -- what a viewer may do with a match or an introduction (the pages offer exactly this) --------

ASKABLE = ("suggested", "declined")  # a match one may ask (again) to be introduced to


def can_request(viewer: Viewer, offer_owner: str, need_owner: str, status: str) -> bool:
    """Staff for any match, a firm for a match with one of its own streams, while none is pending."""
    own_side = viewer.org_id is not None and viewer.org_id in (offer_owner, need_owner)
    return (viewer.is_staff or own_side) and status in ASKABLE


def can_answer(intro: Introduction, side: str | None) -> bool:
    """The firm on `side` answers once, while the introduction is requested."""
    return bool(side) and intro.status == "requested" and getattr(intro, f"{side}_consent") is None


def can_chain(viewer: Viewer, intro: Introduction) -> bool:
    return viewer.is_staff and intro.status == "introduced"


def shown_requester(intro: Introduction, viewer: Viewer, asker: User | None) -> str:
    """Who asked, as the viewer may know it: until both agree, a firm user's name could
    identify an anonymised owner, so a firm learns only which side asked."""
    if viewer.is_staff or intro.requested_by == viewer.username or intro.status in ("introduced", "in_chain"):
        return intro.requested_by
    if asker is not None and asker.org_id == viewer.org_id:
        return "your organisation"
    return "the other firm" if asker and asker.role == "firm" else "a facilitator"


def introductions_for(store: Store, viewer: Viewer) -> list[dict]:
    """The introductions the viewer may see (staff: all; a firm: its own), each with the side
    the viewer is on, the requester as it may be shown, and what the viewer may do next."""
    found = list_introductions(store, None if viewer.is_staff else viewer.org_id)
    with store.engine.connect() as conn:
        rows = _streams(conn, *{sid for i in found for sid in (i.offer_id, i.need_id)}) if found else {}
    owners = {sid: r.org_id for sid, r in rows.items()}
    users = {u.username: u for u in list_users(store)}
    out = []
    for i in found:
        side = i.side_of(owners, viewer.org_id)
        out.append({**i.__dict__, "requested_by": shown_requester(i, viewer, users.get(i.requested_by)),
                    "side": side, "can_answer": can_answer(i, side), "can_chain": can_chain(viewer, i),
                    "contacts": contacts_for(store, viewer, i, side, owners)})
    return out


def statuses_for(store: Store, viewer: Viewer) -> dict[tuple[str, str], str]:
    """The introduction status of each match the viewer may know of (a visitor: none)."""
    if not viewer.signed_in:
        return {}
    return statuses(store, None if viewer.is_staff else viewer.org_id)


def revealed_for(store: Store, viewer: Viewer) -> frozenset[str]:
    """The streams a firm sees in full because both sides agreed; nothing more for anyone else."""
    if viewer.role == "firm" and viewer.org_id:
        return frozenset(revealed_to(store, viewer.org_id))
    return frozenset()


def asks_from_search(viewer: Viewer) -> bool:
    """A firm user asks from search results for its own streams; staff ask from a stream's page."""
    return viewer.role == "firm" and viewer.org_id is not None


def asking_streams(viewer: Viewer, shown: dict, direction: str) -> list[str]:
    """The viewer's own streams it may ask an introduction for from a search in `direction`
    (a firm's offers when it offers, its needs when it needs); none for anyone else."""
    if viewer.role != "firm" or not viewer.org_id:
        return []
    return sorted(sid for sid, s in shown.items() if s.org_id == viewer.org_id and s.direction == direction)
