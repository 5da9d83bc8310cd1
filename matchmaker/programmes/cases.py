"""Stored value-chain cases: a proposal (or a chain built by hand) saved with a readable number
such as CØ101, its members and their roles, flows, non-flow elements, money, notes, and every
phase change with its date.

Every write is one transaction that also writes the audit log; every change keeps a snapshot of
the case before it, so a facilitator can undo the last change. Who may do what is decided in
matchmaker/trust/cases_access.py; these functions take the acting user's name.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.engine import Connection

from matchmaker.chains.impact import link_impact
from matchmaker.errors import MatchmakerError, NotFound, Problem, ValidationFailed
from matchmaker.i18n import N_
from matchmaker.model import Organisation, Stream
from matchmaker.programmes import lifecycle
from matchmaker.programmes.portfolio import Portfolio, get_portfolio, parse_date
from matchmaker.programmes.proposals import Proposal, _km
from matchmaker.store import Store, case_elements, case_events, case_links, case_members, cases, kpi_entries, organisations, streams
from matchmaker.trust.audit import log, now

ROLES = ("lead", "economic_partner", "knowledge_partner", "off_taker")
ROLE_LABELS = {"lead": N_("lead applicant"), "economic_partner": N_("economic partner"),
               "knowledge_partner": N_("knowledge partner"), "off_taker": N_("off-taker")}
ECONOMIC_ROLES = ("lead", "economic_partner", "off_taker")
ELEMENT_KINDS = ("take_back", "data_platform", "design", "service", "product_development", "test_demonstration", "other")
ELEMENT_LABELS = {"take_back": N_("take-back scheme"), "data_platform": N_("data platform"), "design": N_("design work"),
                  "service": N_("service"), "product_development": N_("product development"),
                  "test_demonstration": N_("test and demonstration"), "other": N_("other")}
INNOVATION_KINDS = ("product_development", "test_demonstration")
NUMBER = re.compile(r"^[A-ZÆØÅ]{1,4}\d{1,5}$")
EDITABLE = ("title", "notes", "budget_dkk", "grant_dkk", "public", "sector", "elements")
MAX_TITLE = 200


@dataclass
class Member:
    org_id: str
    role: str


@dataclass
class CaseLink:
    offer_id: str
    need_id: str
    score: float | None = None
    flow: float | None = None
    unit: str | None = None
    tonnes: float | None = None
    co2e: float | None = None
    assumptions: list[str] = field(default_factory=list)


@dataclass
class Element:
    kind: str
    description: str = ""
    tonnes: float | None = None
    co2e: float | None = None


@dataclass
class Event:
    id: int
    date: str
    at: str
    actor: str
    from_phase: str | None
    to_phase: str
    detail: str
    undone_at: str | None


@dataclass
class Case:
    id: int
    programme_id: str
    number: str
    title: str
    phase: str
    phase_date: str
    created_at: str
    updated_at: str
    due_date: str | None = None
    track: str | None = None
    round_id: str | None = None
    sector: str | None = None
    budget_dkk: float | None = None
    grant_dkk: float | None = None
    decision: str | None = None
    decision_reason: str | None = None
    decision_date: str | None = None
    drop_reason: str | None = None
    public: bool = False
    notes: str = ""
    proposal_id: str | None = None
    members: list[Member] = field(default_factory=list)
    links: list[CaseLink] = field(default_factory=list)
    elements: list[Element] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    @property
    def lead_id(self) -> str | None:
        return next((m.org_id for m in self.members if m.role == "lead"), None)

    def member_ids(self, *roles: str) -> list[str]:
        return [m.org_id for m in self.members if not roles or m.role in roles]

    @property
    def economic_ids(self) -> list[str]:
        return self.member_ids(*ECONOMIC_ROLES)

    @property
    def tonnes(self) -> float:
        return round(sum(x.tonnes or 0.0 for x in [*self.links, *self.elements]), 1)

    @property
    def co2e(self) -> float:
        return round(sum(x.co2e or 0.0 for x in [*self.links, *self.elements]), 1)

    @property
    def cofinancing_dkk(self) -> float | None:
        if self.budget_dkk is None or self.grant_dkk is None:
            return None
        return self.budget_dkk - self.grant_dkk

    @property
    def cofinancing_share(self) -> float | None:
        if self.cofinancing_dkk is None or not self.budget_dkk:
            return None
        return round(self.cofinancing_dkk / self.budget_dkk, 4)

    @property
    def granted(self) -> bool:
        return self.decision == "granted" and self.phase in ("decision", "running", "completed")

    def live_events(self) -> list[Event]:
        return [e for e in self.events if e.undone_at is None]

    def reached(self, phase: str) -> str | None:
        """The date the case (last) entered `phase`, undone changes not counted."""
        dates = [e.date for e in self.live_events() if e.to_phase == phase and e.from_phase != e.to_phase]
        return dates[-1] if dates else None

    def phase_dates(self) -> dict[str, str]:
        return {p: d for p in lifecycle.PHASES if (d := self.reached(p))}

    def state(self) -> lifecycle.State:
        return lifecycle.State(**{k: getattr(self, k) for k in lifecycle.State.__dataclass_fields__})

    def overdue(self, today: date | None = None) -> bool:
        return bool(self.due_date and self.phase not in lifecycle.CLOSED and parse_date(self.due_date) < (today or date.today()))

    def as_dict(self, names: dict[str, str] | None = None) -> dict:
        d = asdict(self)
        d.update(lead_id=self.lead_id, tonnes=self.tonnes, co2e=self.co2e, cofinancing_dkk=self.cofinancing_dkk,
                 cofinancing_share=self.cofinancing_share, phase_dates=self.phase_dates(),
                 allowed_next=lifecycle.allowed(self.state()), overdue=self.overdue())
        if names is not None:
            for m in d["members"]:
                m["name"] = names.get(m["org_id"], m["org_id"])
        return d


# -- reading ---------------------------------------------------------------------------------

def _load(conn: Connection, where) -> list[Case]:
    rows = [dict(r) for r in conn.execute(select(cases).where(where).order_by(cases.c.id)).mappings()]
    if not rows:
        return []
    ids = [r["id"] for r in rows]
    by_id = {r["id"]: Case(**r) for r in rows}
    for r in conn.execute(select(case_members).where(case_members.c.case_id.in_(ids))
                          .order_by(case_members.c.case_id, case_members.c.position)).mappings():
        by_id[r["case_id"]].members.append(Member(r["org_id"], r["role"]))
    for r in conn.execute(select(case_links).where(case_links.c.case_id.in_(ids))
                          .order_by(case_links.c.case_id, case_links.c.position)).mappings():
        by_id[r["case_id"]].links.append(CaseLink(r["offer_id"], r["need_id"], r["score"], r["flow"], r["unit"], r["tonnes"], r["co2e"],
                                                  json.loads(r["assumptions"] or "[]")))
    for r in conn.execute(select(case_elements).where(case_elements.c.case_id.in_(ids))
                          .order_by(case_elements.c.case_id, case_elements.c.position)).mappings():
        by_id[r["case_id"]].elements.append(Element(r["kind"], r["description"], r["tonnes"], r["co2e"]))
    for r in conn.execute(select(case_events).where(case_events.c.case_id.in_(ids)).order_by(case_events.c.id)).mappings():
        by_id[r["case_id"]].events.append(Event(r["id"], r["date"], r["at"], r["actor"], r["from_phase"], r["to_phase"],
                                                r["detail"], r["undone_at"]))
    return list(by_id.values())


def list_cases(store: Store, programme_id: str | None = None) -> list[Case]:
    with store.engine.connect() as conn:
        return _load(conn, cases.c.programme_id == programme_id if programme_id else cases.c.id > 0)


def _get(conn: Connection, case_id: int) -> Case:
    found = _load(conn, cases.c.id == case_id) if 0 < case_id < 2**62 else []
    if not found:
        raise NotFound(f"unknown case {case_id}")
    return found[0]


def get_case(store: Store, case_id: int) -> Case:
    with store.engine.connect() as conn:
        return _get(conn, case_id)


def find_case(store: Store, ref: str, programme_id: str | None = None) -> Case:
    """A case by its id (42) or its number (CØ101; CO101 is read as CØ101)."""
    ref = (ref or "").strip()
    if ref.isdigit():
        return get_case(store, int(ref))
    number = ref.upper().replace("CO", "CØ", 1) if ref.upper().startswith("CO") else ref.upper()
    with store.engine.connect() as conn:
        where = cases.c.number == number
        if programme_id:
            where = where & (cases.c.programme_id == programme_id)
        found = _load(conn, where)
    if not found:
        raise NotFound(f"unknown case {ref!r}")
    if len(found) > 1:
        raise MatchmakerError(f"case number {number} exists in several programmes; give --programme")
    return found[0]


# -- writing ---------------------------------------------------------------------------------

def _snapshot(case: Case) -> str:
    keep = {k: v for k, v in asdict(case).items() if k not in ("id", "events", "created_at")}
    return json.dumps(keep, ensure_ascii=False)


def _write_parts(conn: Connection, case_id: int, members: list[Member], links: list[CaseLink], elements: list[Element]) -> None:
    for table in (case_members, case_links, case_elements):
        conn.execute(delete(table).where(table.c.case_id == case_id))
    if members:
        conn.execute(case_members.insert(), [{"case_id": case_id, "org_id": m.org_id, "role": m.role, "position": i}
                                             for i, m in enumerate(members)])
    if links:
        conn.execute(case_links.insert(), [{"case_id": case_id, "position": i, "offer_id": l.offer_id, "need_id": l.need_id, "score": l.score,
                                             "flow": l.flow, "unit": l.unit, "tonnes": l.tonnes, "co2e": l.co2e,
                                             "assumptions": json.dumps(l.assumptions, ensure_ascii=False)}
                                            for i, l in enumerate(links)])
    if elements:
        conn.execute(case_elements.insert(), [{"case_id": case_id, "position": i, "kind": e.kind, "description": e.description,
                                               "tonnes": e.tonnes, "co2e": e.co2e} for i, e in enumerate(elements)])


def _event(conn: Connection, case: Case, actor: str, on: str, from_phase: str | None, to_phase: str, detail: str) -> None:
    conn.execute(case_events.insert().values(case_id=case.id, date=on, at=now(), actor=actor, from_phase=from_phase,
                                             to_phase=to_phase, detail=detail, before=_snapshot(case)))


def _number(value: float | None, what: str, problems: list[Problem], low: float | None = 0.0) -> float | None:
    if value is None or value == "":
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        problems.append(Problem("case", None, what, f"must be a number, got {str(value)[:30]!r}"))
        return None
    if x != x or (low is not None and x < low) or abs(x) > 1e12:
        problems.append(Problem("case", None, what, f"must be a number of at least {low:g}" if low is not None else "out of range"))
        return None
    return x


def check_elements(raw: list, problems: list[Problem]) -> list[Element]:
    out = []
    for i, e in enumerate(raw or [], start=1):
        e = asdict(e) if isinstance(e, Element) else dict(e)
        kind = (e.get("kind") or "").strip()
        if kind not in ELEMENT_KINDS:
            problems.append(Problem("case", None, f"elements[{i}].kind", f"unknown kind {kind!r}; kinds: {', '.join(ELEMENT_KINDS)}"))
            continue
        out.append(Element(kind, (e.get("description") or "").strip()[:2000], _number(e.get("tonnes"), f"elements[{i}].tonnes", problems),
                           _number(e.get("co2e"), f"elements[{i}].co2e", problems, low=None)))
    return out


def _past_date(raw: str | None, record: str, column: str, problems: list[Problem]) -> date:
    """A date given as YYYY-MM-DD (today when not given) that is not in the future; a bad one
    adds a problem naming the column and stands in as today so the other checks still run."""
    when = date.today()
    if raw:
        try:
            when = parse_date(raw, column)
        except MatchmakerError as exc:
            problems.append(Problem(record, None, column, str(exc)))
    if when > date.today():
        problems.append(Problem(record, None, column, f"{when} is in the future"))
    return when


def _check_money(budget: float | None, grant: float | None, problems: list[Problem]) -> None:
    if budget is not None and grant is not None and grant > budget:
        problems.append(Problem("case", None, "grant_dkk", f"grant DKK {grant:,.0f} exceeds the budget DKK {budget:,.0f}"))


def _links(conn: Connection, pairs: list, members: dict[str, str], problems: list[Problem]) -> list[CaseLink]:
    """Flows between members with their impact (flow, tonnes, t CO2e and the assumptions)."""
    out = []
    ids = {x for p in pairs for x in (p[0], p[1])}
    found = {r["id"]: r for r in conn.execute(select(streams).where(streams.c.id.in_(ids))).mappings()} if ids else {}
    orgs = {r["id"]: r for r in conn.execute(select(organisations).where(
        organisations.c.id.in_({r["org_id"] for r in found.values()}))).mappings()} if found else {}
    for i, pair in enumerate(pairs, start=1):
        offer_id, need_id = pair[0], pair[1]
        score = float(pair[2]) if len(pair) > 2 and pair[2] is not None else None
        o, n = found.get(offer_id), found.get(need_id)
        if o is None or n is None or o["direction"] != "offer" or n["direction"] != "need":
            problems.append(Problem("case", None, f"links[{i}]", f"{offer_id} -> {need_id} must name an offer and a need in the store"))
            continue
        if o["org_id"] not in members or n["org_id"] not in members:
            problems.append(Problem("case", None, f"links[{i}]", f"{offer_id} -> {need_id} joins organisations that are not members"))
            continue
        offer, need = (Stream(**{**dict(r), "months": json.loads(r["months"] or "[]")}) for r in (o, n))
        a, b = (Organisation(**{**dict(orgs[r["org_id"]]), "competences": []}) for r in (o, n))
        try:
            km = round(_km(a, b), 1)
        except KeyError:
            km = None
        li = link_impact(offer, need, km)
        out.append(CaseLink(offer_id, need_id, score, li.flow, li.unit, li.tonnes, li.co2e, li.assumptions))
    return out


def create_case(store: Store, actor: str, programme_id: str, title: str, members: list[tuple[str, str]],
                links: list[tuple[str, str]] = (), elements: list = (), budget_dkk: float | None = None,
                grant_dkk: float | None = None, sector: str | None = None, notes: str = "", number: str | None = None,
                on: str | None = None, public: bool = False, proposal_id: str | None = None) -> Case:
    """Save a case in phase 'proposed' (all or nothing); `members` are (organisation id, role) pairs."""
    portfolio = get_portfolio(programme_id)
    problems: list[Problem] = []
    title = (title or "").strip()
    if not title or len(title) > MAX_TITLE:
        problems.append(Problem("case", None, "title", f"give a title of 1-{MAX_TITLE} characters"))
    when = _past_date(on, "case", "date", problems)
    budget = _number(budget_dkk, "budget_dkk", problems)
    grant = _number(grant_dkk, "grant_dkk", problems)
    _check_money(budget, grant, problems)
    parts = check_elements(list(elements), problems)
    with store.transaction() as conn:
        ids = [m for m, _ in members]
        kinds = {r.id: r.kind for r in conn.execute(select(organisations.c.id, organisations.c.kind)
                                                       .where(organisations.c.id.in_(ids)))} if ids else {}
        seen: set[str] = set()
        for org_id, role in members:
            if org_id not in kinds:
                problems.append(Problem("case", None, "members", f"unknown organisation {org_id!r}"))
            elif role not in ROLES:
                problems.append(Problem("case", None, "members", f"unknown role {role!r} for {org_id}; roles: {', '.join(ROLES)}"))
            elif role in ("lead", "economic_partner") and kinds[org_id] != "firm":
                problems.append(Problem("case", None, "members", f"{org_id} is a {kinds[org_id].replace('_', ' ')}, "
                                        f"not a firm: it cannot be {ROLE_LABELS[role]}"))
            if org_id in seen:
                problems.append(Problem("case", None, "members", f"{org_id} is listed twice"))
            seen.add(org_id)
        if sum(role == "lead" for _, role in members) != 1:
            problems.append(Problem("case", None, "members", "a case needs exactly one lead applicant"))
        flows = _links(conn, list(links), {m: r for m, r in members}, problems)
        existing = [r.number for r in conn.execute(select(cases.c.number).where(cases.c.programme_id == programme_id))]
        if number:
            number = number.strip().upper()
            if not NUMBER.match(number):
                problems.append(Problem("case", None, "number", f"{number!r}: letters then digits, like CØ101"))
            elif number in existing:
                problems.append(Problem("case", None, "number", f"{number} exists already in {programme_id}"))
        else:
            number = next_number(portfolio, existing)
        if proposal_id:
            dup = conn.execute(select(cases.c.number).where(cases.c.programme_id == programme_id, cases.c.proposal_id == proposal_id,
                                                            cases.c.phase != "dropped")).scalar()
            if dup:
                problems.append(Problem("case", None, "proposal", f"this proposal is saved already as {dup}"))
        if problems:
            raise ValidationFailed(problems)
        stamp = now()
        row = {"programme_id": programme_id, "number": number, "title": title, "phase": "proposed", "phase_date": when.isoformat(),
               "due_date": lifecycle.due(lifecycle.State("proposed", when.isoformat()), when, portfolio), "sector": sector,
               "budget_dkk": budget, "grant_dkk": grant, "public": bool(public), "notes": (notes or "").strip()[:10000],
               "proposal_id": proposal_id, "created_at": stamp, "updated_at": stamp}
        row["due_date"] = row["due_date"].isoformat() if row["due_date"] else None
        case_id = conn.execute(cases.insert().values(**row)).inserted_primary_key[0]
        _write_parts(conn, case_id, [Member(m, r) for m, r in members], flows, parts)
        case = _get(conn, case_id)
        _event(conn, case, actor, when.isoformat(), None, "proposed",
               f"saved from proposal {proposal_id}" if proposal_id else "built by hand")
        log(conn, actor, "case_create", f"case {number}", f"{programme_id}: {title}"[:500])
        return _get(conn, case_id)


def next_number(portfolio: Portfolio, existing: list[str]) -> str:
    used = [int(m.group(1)) for n in existing if (m := re.match(re.escape(portfolio.case_prefix) + r"(\d+)$", n))]
    return f"{portfolio.case_prefix}{max(used + [portfolio.first_case_number - 1]) + 1}"


def roles_for(proposal: Proposal, orgs: dict[str, Organisation]) -> list[tuple[str, str]]:
    """Lead as chosen, the chain's last receiver (if not the lead) as off-taker, other firms as
    economic partners, knowledge institutions, clusters and hubs as knowledge partners."""
    c = proposal.chain
    sink = c.links[-1].to_org if c.links else None
    out = []
    for m in c.members:
        if m == c.lead_id:
            out.append((m, "lead"))
        elif orgs[m].kind != "firm":
            out.append((m, "knowledge_partner"))
        elif m == sink:
            out.append((m, "off_taker"))
        else:
            out.append((m, "economic_partner"))
    if c.lead_id is None and out:
        firms = [i for i, (m, _) in enumerate(out) if orgs[m].kind == "firm"]
        if firms:
            out[firms[0]] = (out[firms[0]][0], "lead")
    return out + [(k, "knowledge_partner") for k in c.knowledge_partners if k not in c.members]


def from_proposal(store: Store, actor: str, programme_id: str, proposal: Proposal, orgs: dict[str, Organisation],
                  title: str | None = None, on: str | None = None, notes: str = "", number: str | None = None) -> Case:
    """Save a proposed chain as a case: its members with roles, its flows and impact, its money."""
    c = proposal.chain
    names = [orgs[m].name for m in c.members]
    title = title or (" → ".join(names) if len(names) <= 4 else f"{names[0]} → … → {names[-1]} ({len(names)} firms)")
    return create_case(store, actor, programme_id, title[:MAX_TITLE], roles_for(proposal, orgs),
                       [(l.offer_id, l.need_id, l.score) for l in c.links], budget_dkk=c.budget_dkk, grant_dkk=c.grant_dkk,
                       sector=c.sector, notes=notes, on=on, number=number, proposal_id=c.id)


def advance(store: Store, actor: str, case_id: int, change: lifecycle.Change, today: date | None = None) -> Case:
    """Move a case to its next phase (or drop it); a change the lifecycle forbids writes nothing."""
    with store.transaction() as conn:
        case = _get(conn, case_id)
        portfolio = get_portfolio(case.programme_id)
        new = lifecycle.plan_change(case.state(), change, portfolio, today)
        detail = {k: v for k, v in (("track", new.track if change.to_phase == "application" else None),
                                    ("round", new.round_id if change.to_phase == "application" else None),
                                    ("decision", change.decision if change.to_phase == "decision" else None),
                                    ("reason", (change.reason or "").strip() or None)) if v}
        _event(conn, case, actor, new.phase_date, case.phase, new.phase, json.dumps(detail, ensure_ascii=False))
        conn.execute(cases.update().where(cases.c.id == case_id).values(**new.__dict__, updated_at=now()))
        log(conn, actor, f"case_{new.phase}", f"case {case.number}",
            f"{case.phase} -> {new.phase} on {new.phase_date}" + (f"; {json.dumps(detail, ensure_ascii=False)}" if detail else ""))
        return _get(conn, case_id)


def update_case(store: Store, actor: str, case_id: int, changes: dict) -> Case:
    """Edit a case's title, notes, money, publication, sector or elements; undoable like a phase change."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise MatchmakerError(f"cannot edit {', '.join(sorted(unknown))}; editable: {', '.join(EDITABLE)}")
    problems: list[Problem] = []
    values: dict = {}
    if "title" in changes:
        values["title"] = (changes["title"] or "").strip()
        if not values["title"] or len(values["title"]) > MAX_TITLE:
            problems.append(Problem("case", None, "title", f"give a title of 1-{MAX_TITLE} characters"))
    if "notes" in changes:
        values["notes"] = (changes["notes"] or "").strip()[:10000]
    for key in ("budget_dkk", "grant_dkk"):
        if key in changes:
            values[key] = _number(changes[key], key, problems)
    if "public" in changes:
        values["public"] = bool(changes["public"])
    if "sector" in changes:
        values["sector"] = changes["sector"] or None
    elements = check_elements(changes["elements"], problems) if "elements" in changes else None
    with store.transaction() as conn:
        case = _get(conn, case_id)
        _check_money(values.get("budget_dkk", case.budget_dkk), values.get("grant_dkk", case.grant_dkk), problems)
        if problems:
            raise ValidationFailed(problems)
        _event(conn, case, actor, date.today().isoformat(), case.phase, case.phase,
               json.dumps({"edited": sorted(changes)}, ensure_ascii=False))
        if values:
            conn.execute(cases.update().where(cases.c.id == case_id).values(**values, updated_at=now()))
        if elements is not None:
            conn.execute(delete(case_elements).where(case_elements.c.case_id == case_id))
            if elements:
                conn.execute(case_elements.insert(), [{"case_id": case_id, "position": i, **asdict(e)} for i, e in enumerate(elements)])
        log(conn, actor, "case_edit", f"case {case.number}", ", ".join(sorted(changes)))
        return _get(conn, case_id)


def undo(store: Store, actor: str, case_id: int) -> Case:
    """Undo the case's last change (phase change or edit): the case returns to its state before it."""
    with store.transaction() as conn:
        case = _get(conn, case_id)
        live = case.live_events()
        if not live or live[-1].from_phase is None:
            raise MatchmakerError(f"nothing to undo on {case.number}: it has not changed since it was saved (drop it instead)")
        last = live[-1]
        before = json.loads(conn.execute(select(case_events.c.before).where(case_events.c.id == last.id)).scalar())
        parts = {k: before.pop(k) for k in ("members", "links", "elements")}
        before.pop("updated_at", None)
        conn.execute(cases.update().where(cases.c.id == case_id).values(**before, updated_at=now()))
        _write_parts(conn, case_id, [Member(**m) for m in parts["members"]], [CaseLink(**x) for x in parts["links"]],
                     [Element(**e) for e in parts["elements"]])
        conn.execute(case_events.update().where(case_events.c.id == last.id).values(undone_at=now()))
        what = "edit" if last.from_phase == last.to_phase else f"{last.from_phase} -> {last.to_phase}"
        log(conn, actor, "case_undo", f"case {case.number}", f"undid {what} of {last.date}")
        return _get(conn, case_id)


# -- figures a facilitator enters -------------------------------------------------------------

def manual_kpis(portfolio: Portfolio) -> list[str]:
    return [k.id for k in portfolio.kpis + portfolio.green_kpis if k.measure == "manual"]


def enter_kpi(store: Store, actor: str, programme_id: str, kpi: str, value: float | str, as_of: str | None = None,
              source: str = "") -> dict:
    """Record a figure the store cannot count (course participants), with its date and source."""
    portfolio = get_portfolio(programme_id)
    allowed_ids = manual_kpis(portfolio)
    if kpi not in allowed_ids:
        raise MatchmakerError(f"{kpi!r} is counted from the store or unknown; enter only: {', '.join(allowed_ids)}")
    problems: list[Problem] = []
    x = _number(value, "value", problems)
    if x is None and not problems:
        problems.append(Problem("case", None, "value", "give a value"))
    when = _past_date(as_of, "kpi", "as_of", problems)
    if problems:
        raise ValidationFailed(problems)
    row = {"programme_id": programme_id, "kpi": kpi, "value": x, "as_of": when.isoformat(), "source": (source or "").strip()[:500],
           "entered_by": actor, "at": now()}
    with store.transaction() as conn:
        conn.execute(kpi_entries.insert().values(**row))
        log(conn, actor, "kpi_enter", f"kpi {programme_id}/{kpi}", f"{x:g} as of {row['as_of']}")
    return row


def import_kpis(store: Store, actor: str, programme_id: str, text: str, name: str = "upload.csv") -> int:
    """A CSV with columns kpi,value,as_of,source: every row checked first, then all written in one transaction."""
    portfolio = get_portfolio(programme_id)
    allowed_ids = manual_kpis(portfolio)
    rows, problems = [], []
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"kpi", "value", "as_of"} <= set(reader.fieldnames):
        raise ValidationFailed([Problem(name, 1, None, "needs the columns kpi, value, as_of (and optionally source)")])
    for n, r in enumerate(reader, start=2):
        sub: list[Problem] = []
        if r["kpi"] not in allowed_ids:
            sub.append(Problem(name, n, "kpi", f"{r['kpi']!r} cannot be entered; only: {', '.join(allowed_ids)}"))
        x = _number(r["value"], "value", sub)
        try:
            when = parse_date(r["as_of"], "as_of")
            if when > date.today():
                sub.append(Problem(name, n, "as_of", f"{when} is in the future"))
        except MatchmakerError as exc:
            sub.append(Problem(name, n, "as_of", str(exc)))
        problems += [Problem(name, n, p.column, p.message) for p in sub]
        if not sub:
            rows.append({"programme_id": programme_id, "kpi": r["kpi"], "value": x, "as_of": when.isoformat(),
                         "source": (r.get("source") or name).strip()[:500], "entered_by": actor, "at": now()})
    if problems:
        raise ValidationFailed(problems)
    with store.transaction() as conn:
        if rows:
            conn.execute(kpi_entries.insert(), rows)
        log(conn, actor, "kpi_import", f"kpi {programme_id}", f"{len(rows)} figures from {name}")
    return len(rows)


def kpi_figures(store: Store, programme_id: str) -> list[dict]:
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(kpi_entries).where(kpi_entries.c.programme_id == programme_id)
                                              .order_by(kpi_entries.c.as_of, kpi_entries.c.id)).mappings()]
