"""Saved searches with alerts: "tell me when someone offers coffee grounds within 100 km".

A signed-in user keeps a search; after an import or an edit, each changed stream the user may
see (trust.access) that now ranks among the search's best ALERT_TOP partners, within its
distance, creates one notification (and a mail to the user's organisation). A stream is
reported once per search: the search remembers what it has shown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import delete, select

from matchmaker import reference
from matchmaker.errors import Forbidden, MatchmakerError, NotFound
from matchmaker.matching.index import MatchIndex
from matchmaker.model import DIRECTIONS, MATERIALS, UNITS, Organisation, Stream
from matchmaker.store import Store, saved_searches, users
from matchmaker.trust import notifications as notes
from matchmaker.trust.access import Viewer, world_for
from matchmaker.trust.accounts import User
from matchmaker.trust.audit import now
from matchmaker.trust.introductions import revealed_for

ALERT_TOP = 20          # a new stream must rank this high in the saved search to be news
MAX_SEARCHES = 20       # per user
MAX_TEXT = 2000


@dataclass
class SavedSearch:
    id: int
    username: str
    text: str
    direction: str
    postcode: str | None = None
    ewc: str | None = None
    quantity: float | None = None
    unit: str | None = None
    material: str | None = None
    max_km: float | None = None
    min_score: float | None = None
    seen: str = "[]"
    created_at: str = ""

    @property
    def seen_ids(self) -> set[str]:
        try:
            return set(json.loads(self.seen or "[]"))
        except ValueError:
            return set()


def save_search(store: Store, actor: User, text: str, direction: str, postcode: str | None = None,
                ewc: str | None = None, quantity: float | None = None, unit: str | None = None,
                material: str | None = None, max_km: float | None = None, seen: list[str] | None = None) -> int:
    """Keep a search for alerts; `seen`: the partners the user has already been shown."""
    if not actor.username or actor.role == "anonymous":
        raise Forbidden("log in to save a search")
    text = (text or "").strip()
    if not text or len(text) > MAX_TEXT:
        raise MatchmakerError(f"a saved search needs a description of 1 to {MAX_TEXT} characters")
    if direction not in DIRECTIONS:
        raise MatchmakerError("direction must be 'offer' or 'need'")
    ewc = reference.search_codes(postcode, ewc)
    if unit and unit not in UNITS or material and material not in MATERIALS:
        raise MatchmakerError("unknown unit or material")
    if max_km is not None and not 0 < max_km <= 2000:
        raise MatchmakerError("the distance must be between 0 and 2000 km")
    if max_km is not None and not postcode:
        raise MatchmakerError("give a postcode to be told about partners within a distance")
    with store.transaction() as conn:
        have = conn.execute(select(saved_searches.c.id).where(saved_searches.c.username == actor.username)).all()
        if len(have) >= MAX_SEARCHES:
            raise MatchmakerError(f"at most {MAX_SEARCHES} saved searches per user; delete one first")
        return conn.execute(saved_searches.insert().values(
            username=actor.username, text=text, direction=direction, postcode=postcode or None, ewc=ewc or None,
            quantity=quantity, unit=unit if quantity else None, material=material, max_km=max_km,
            seen=json.dumps(sorted(set(seen or []))), created_at=now())).inserted_primary_key[0]


def searches_of(store: Store, username: str) -> list[SavedSearch]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(saved_searches).where(saved_searches.c.username == username)
                            .order_by(saved_searches.c.id)).mappings().all()
    return [SavedSearch(**r) for r in rows]


def delete_search(store: Store, actor: User, search_id: int) -> None:
    with store.transaction() as conn:
        found = conn.execute(select(saved_searches.c.username).where(saved_searches.c.id == search_id)).scalar()
        if found is None or found != actor.username:  # another user's search looks like a missing one
            raise NotFound(f"unknown saved search {search_id}")
        conn.execute(delete(saved_searches).where(saved_searches.c.id == search_id))


def run_alerts(store: Store, index: MatchIndex, orgs: dict[str, Organisation], streams: dict[str, Stream],
               pairs: dict[str, list[tuple[str, float]]], secret: bytes, changed: list[str]) -> int:
    """After a write: notify each saved search of the changed streams that now match it. Returns
    the number of notifications made."""
    changed_set = set(changed)
    if not changed_set:
        return 0
    with store.engine.connect() as conn:
        searches = [SavedSearch(**r) for r in conn.execute(select(saved_searches)).mappings()]
        accounts = {r.username: User(r.username, r.role, r.org_id) for r in conn.execute(select(users))}
    made = 0
    mails: list = []
    for s in searches:
        user = accounts.get(s.username)
        if user is None:
            continue
        viewer = Viewer.of(user)
        world = world_for(viewer, orgs, streams, pairs, secret, revealed_for(store, viewer))
        wanted = "need" if s.direction == "offer" else "offer"
        fresh = {sid for sid in changed_set - s.seen_ids
                 if sid in world.streams and world.streams[sid].direction == wanted
                 and world.streams[sid].org_id != viewer.org_id}
        if not fresh:
            continue
        found = index.match_text(s.text, s.direction, postcode=s.postcode, ewc=s.ewc, quantity=s.quantity,
                                 unit=s.unit, material=s.material or "other", top=ALERT_TOP + len(streams) - len(world.streams),
                                 coarse=world.approx)
        shown = [m for m in found if (m.need_id if s.direction == "offer" else m.offer_id) in world.streams][:ALERT_TOP]
        hits = []
        for m in shown:
            other = m.need_id if s.direction == "offer" else m.offer_id
            if other in fresh and (s.max_km is None or (m.km is not None and other not in world.approx
                                                        and m.km <= s.max_km)):
                hits.append((other, m.km))
        if not hits:
            continue
        with store.transaction() as conn:
            for other, km in hits:
                params = {"text": s.text[:80], "title": world.streams[other].title[:120],
                          "km": "" if km is None or other in world.approx else f"{km:.0f}",
                          "link": f"/streams/{world.shown_id(other)}"}  # an anonymised one by its neutral id
                made += notes.notify(conn, [s.username], "search_alert", params, params["link"])
                if user.org_id:
                    mails += notes.mails_for(conn, [user.org_id], "search_alert", params)
            conn.execute(saved_searches.update().where(saved_searches.c.id == s.id).values(
                seen=json.dumps(sorted(s.seen_ids | {o for o, _ in hits}))))
    notes.send(store, mails)
    return made


def has_searches(store: Store) -> bool:
    """Whether any alert could fire (so a write without saved searches builds nothing more)."""
    with store.engine.connect() as conn:
        return conn.execute(select(saved_searches.c.id).limit(1)).first() is not None
