"""The demo programme's history (data/demo/cases.json, invented like the rest of the demo): cases
saved and moved through their phases on their dates by the same functions a facilitator uses,
so every demo date passes the lifecycle's checks."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import delete, select

from matchmaker.errors import MatchmakerError
from matchmaker.paths import DEMO_DIR
from matchmaker.programmes import cases as C
from matchmaker.programmes.lifecycle import Change
from matchmaker.store import Store, case_elements, case_events, case_links, case_members, cases, kpi_entries

DEMO_CASES = DEMO_DIR / "cases.json"
ACTOR = "demo"


def has_cases(store: Store) -> bool:
    with store.engine.connect() as conn:
        return conn.execute(select(cases.c.id).limit(1)).first() is not None


def _clear(store: Store, programme_id: str) -> None:
    with store.transaction() as conn:
        ids = select(cases.c.id).where(cases.c.programme_id == programme_id)
        for table in (case_events, case_elements, case_links, case_members):
            conn.execute(delete(table).where(table.c.case_id.in_(ids)))
        conn.execute(delete(cases).where(cases.c.programme_id == programme_id))
        conn.execute(delete(kpi_entries).where(kpi_entries.c.programme_id == programme_id, kpi_entries.c.entered_by == ACTOR))


def load_demo_cases(store: Store, path: Path = DEMO_CASES) -> int:
    """Load the demo cases into a store that has none; returns how many (0 if it had cases).
    If any case fails its checks, what this call wrote is removed again and the error names the case."""
    if has_cases(store):
        return 0
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    programme_id = doc["programme"]
    try:
        for i, c in enumerate(doc["cases"], start=1):
            try:
                case = C.create_case(store, ACTOR, programme_id, c["title"], [tuple(m) for m in c["members"]],
                                     [tuple(x) for x in c.get("links", [])], c.get("elements", []), c.get("budget_dkk"),
                                     c.get("grant_dkk"), c.get("sector"), c.get("notes", ""), on=c["proposed"])
                for e in c.get("events", []):
                    case = C.advance(store, ACTOR, case.id, Change(e["phase"], e["date"], e.get("track"), e.get("round"),
                                                                   e.get("decision"), e.get("reason")))
                if c.get("public"):
                    C.update_case(store, ACTOR, case.id, {"public": True})
            except MatchmakerError as exc:
                raise MatchmakerError(f"{path}, case {i} ({c.get('title', '?')[:40]}): {exc}") from None
        for e in doc.get("kpi_entries", []):
            C.enter_kpi(store, ACTOR, programme_id, e["kpi"], e["value"], e["as_of"], e.get("source", ""))
    except Exception:
        _clear(store, programme_id)
        raise
    return len(doc["cases"])
