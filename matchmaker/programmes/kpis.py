"""The programme against its targets, counted live from the stored cases, introductions and firms.

Each KPI of the programme file names a measure; every measure is computed "as of" a date from
the dated, not-undone phase changes, so the same code gives today's figure and the quarterly
series. Figures the store cannot hold (course participants) come from facilitator entries.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from matchmaker.model import Organisation
from matchmaker.programmes import lifecycle, rules
from matchmaker.programmes.cases import ELEMENT_LABELS, INNOVATION_KINDS, Case, kpi_figures, list_cases
from matchmaker.programmes.portfolio import Kpi, Portfolio, get_portfolio, parse_date
from matchmaker.programmes.proposals import Proposal
from matchmaker.reference import postcodes
from matchmaker.store import Store, introductions, organisations, streams

OPEN_STATUSES = ("introduced", "in_chain")


@dataclass
class Milestones:
    """When a case first reached each phase, and when (if) it was granted, from its live history."""

    case: Case
    reached: dict[str, date] = field(default_factory=dict)
    granted: date | None = None
    rejected: date | None = None
    dropped: date | None = None

    @classmethod
    def of(cls, case: Case) -> Milestones:
        m = cls(case)
        for e in case.live_events():
            if e.from_phase == e.to_phase:
                continue  # an edit
            d = parse_date(e.date)
            m.reached.setdefault(e.to_phase, d)
            if e.to_phase == "decision":
                outcome = json.loads(e.detail or "{}").get("decision")
                if outcome == "granted":
                    m.granted = m.granted or d
                elif outcome == "rejected":
                    m.rejected = d
            if e.to_phase == "dropped":
                m.dropped = d
        return m

    def by(self, phase: str, on: date) -> bool:
        d = self.reached.get(phase)
        return d is not None and d <= on

    def granted_by(self, on: date) -> bool:
        return self.granted is not None and self.granted <= on

    def supported_by(self, on: date) -> bool:
        """Clarification grants (about DKK 100,000 per firm) or a granted application."""
        return self.by("clarification", on) or self.granted_by(on)


class Counts:
    """Every measure of the programme file, as of one date."""

    def __init__(self, ms: list[Milestones], orgs: dict[str, Organisation], intro_firms: list[tuple[date, str]], on: date):
        self.ms, self.orgs, self.on = ms, orgs, on
        self.intro_firms = {org for d, org in intro_firms if d <= on}

    def firms(self, case: Case) -> set[str]:
        return {m for m in case.economic_ids if m in self.orgs and self.orgs[m].kind == "firm"}

    def smes(self, ids: set[str]) -> set[str]:
        return {i for i in ids if rules.sme_status(self.orgs[i])[0] == rules.PASS}

    def union(self, cases: list[Case]) -> set[str]:
        return set().union(*(self.firms(c) for c in cases)) if cases else set()

    @property
    def granted(self) -> list[Case]:
        return [m.case for m in self.ms if m.granted_by(self.on)]

    @property
    def supported(self) -> list[Case]:
        return [m.case for m in self.ms if m.supported_by(self.on)]

    def value_chains(self) -> float:
        return float(sum(c.track == "collaboration" for c in self.granted))

    def matchmaking_firms(self) -> set[str]:
        started = [m.case for m in self.ms if m.by("partners_contacted", self.on) or m.supported_by(self.on)
                   or m.by("application", self.on)]
        return self.union(started) | self.intro_firms

    def firms_in_matchmaking(self) -> float:
        return float(len(self.matchmaking_firms()))

    def feasibility_firms(self) -> float:
        return float(len(self.union([m.case for m in self.ms if m.by("feasibility_done", self.on)])))

    def firms_supported(self) -> float:
        return float(len(self.union(self.supported)))

    def committed_budget(self) -> float:
        return float(sum(c.budget_dkk or 0.0 for c in self.supported))

    def smes_supported(self) -> float:
        return float(len(self.smes(self.union(self.supported))))

    def innovation_smes(self) -> float:
        innovative = [c for c in self.granted if any(e.kind in INNOVATION_KINDS for e in c.elements)]
        return float(len(self.smes(self.union(innovative))))

    def cofinancing_share(self) -> float | None:
        money = [c for c in self.granted if c.budget_dkk and c.grant_dkk is not None]
        budget = sum(c.budget_dkk for c in money)
        return round(sum(c.budget_dkk - c.grant_dkk for c in money) / budget, 4) if budget else None

    def resource_savings(self) -> float:
        return round(sum(c.co2e for c in self.granted), 1)

    def measure(self, name: str) -> float | None:
        return getattr(self, name)()


def _intro_firms(store: Store) -> list[tuple[date, str]]:
    """(date agreed, firm) for both sides of every introduction both sides agreed to."""
    with store.engine.connect() as conn:
        owner = {r.id: r.org_id for r in conn.execute(select(streams.c.id, streams.c.org_id))}
        firms = set(conn.execute(select(organisations.c.id).where(organisations.c.kind == "firm")).scalars())
        rows = conn.execute(select(introductions.c.offer_id, introductions.c.need_id, introductions.c.updated_at)
                            .where(introductions.c.status.in_(OPEN_STATUSES))).all()
    out = []
    for r in rows:
        d = parse_date(r.updated_at[:10])
        out += [(d, owner[s]) for s in (r.offer_id, r.need_id) if owner.get(s) in firms]
    return out


def quarter_of(d: date) -> tuple[int, int]:
    return d.year, (d.month - 1) // 3 + 1


def quarter_end(year: int, q: int) -> date:
    return (date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1)) - timedelta(days=1)


def quarters(start: date, end: date) -> list[tuple[str, date, date]]:
    out = []
    y, q = quarter_of(start)
    while True:
        first = date(y, 3 * q - 2, 1)
        if first > end:
            return out
        out.append((f"{y}-Q{q}", first, quarter_end(y, q)))
        y, q = (y + 1, 1) if q == 4 else (y, q + 1)


def region_of(org: Organisation | None) -> str:
    pc = postcodes().get(org.postcode) if org else None
    return pc.region if pc else "unknown"


def _manual(entries: list[dict], kpi: str, on: date) -> dict | None:
    found = [e for e in entries if e["kpi"] == kpi and parse_date(e["as_of"]) <= on]
    return found[-1] if found else None


def _kpi_row(k: Kpi, counts: Counts, entries: list[dict], portfolio: Portfolio, n_cases: int) -> dict:
    if k.measure == "manual":
        e = _manual(entries, k.id, counts.on)
        actual = e["value"] if e else None
        where = (f"entered by {e['entered_by']} for {e['as_of']}" + (f" ({e['source']})" if e["source"] else "")) if e \
            else "not entered yet: a facilitator enters or imports it (the store holds no course records)"
        origin = "entered"
    else:
        actual = counts.measure(k.measure)
        where = f"counted live from {n_cases} stored cases" + (" and agreed introductions" if k.measure == "firms_in_matchmaking" else "")
        origin = "counted"
    period = portfolio.period(k.reported_period)
    target = k.target
    return {"id": k.id, "label": k.label, "label_da": k.label_da, "unit": k.unit, "definition": k.definition,
            "actual": actual, "target": target, "target_note": k.target_note, "reported": k.reported,
            "reported_period": period, "origin": origin, "where": where,
            "progress": round(actual / target, 4) if actual is not None and target else None,
            "gap": round(target - actual, 2) if actual is not None and target is not None else None}


def _green_row(k: Kpi, counts: Counts, pipeline: list[Case]) -> dict:
    row = {"id": k.id, "label": k.label, "label_da": k.label_da, "unit": k.unit, "definition": k.definition,
           "origin": "counted", "where": f"counted live from {len(counts.ms)} stored cases"}
    if k.measure == "resource_savings":
        row.update(actual=counts.resource_savings(), tonnes=round(sum(c.tonnes for c in counts.granted), 1),
                   pipeline_co2e=round(sum(c.co2e for c in pipeline), 1), pipeline_tonnes=round(sum(c.tonnes for c in pipeline), 1),
                   where=f"summed over the flows and elements of {len(counts.granted)} granted cases; pipeline: {len(pipeline)} open cases")
    else:
        row["actual"] = counts.measure(k.measure)
    return row


def _brief(c: Case, orgs: dict[str, Organisation]) -> dict:
    return {"id": c.id, "number": c.number, "title": c.title, "phase": c.phase, "phase_label": lifecycle.PHASE_LABELS[c.phase],
            "phase_date": c.phase_date, "due_date": c.due_date, "track": c.track, "round_id": c.round_id,
            "lead": orgs[c.lead_id].name if c.lead_id in orgs else None}


def gap_proposals(proposals: list[Proposal], found: list[Case], orgs: dict[str, Organisation], in_matchmaking: set[str],
                  top: int = 5) -> dict:
    """Candidate chains not yet saved that would add the most new firms (SMEs) to matchmaking, or the most t CO2e and tonnes."""
    saved_ids = {c.proposal_id for c in found if c.proposal_id}
    saved_sets = {frozenset(c.economic_ids) for c in found}
    rows = []
    for p in proposals:
        firms = {m for m in p.chain.members if orgs[m].kind == "firm"}
        if p.chain.id in saved_ids or frozenset(firms) in saved_sets:
            continue
        new = firms - in_matchmaking
        new_smes = {m for m in new if rules.sme_status(orgs[m])[0] == rules.PASS}
        rows.append({"id": p.chain.id, "names": [orgs[m].name for m in p.chain.members], "members": p.chain.members,
                     "new_firms": len(new), "new_smes": len(new_smes), "tonnes": p.totals["tonnes"], "co2e": p.totals["co2e"],
                     "eligibility": p.eligibility, "rank_score": round(p.rank_score, 4)})
    by_firms = sorted(rows, key=lambda r: (-r["new_smes"], -r["new_firms"], -r["rank_score"], r["id"]))[:top]
    by_impact = sorted(rows, key=lambda r: (-r["co2e"], -r["tonnes"], r["id"]))[:top]
    return {"new_firms": by_firms, "impact": by_impact, "candidates": len(rows)}


def dashboard(store: Store, programme_id: str, today: date | None = None, proposals: list[Proposal] | None = None) -> dict:
    """Everything the dashboard, its JSON twin and the workbook show."""
    today = today or date.today()
    portfolio = get_portfolio(programme_id)
    found = list_cases(store, programme_id)
    orgs = {o.id: o for o in store.organisations()}
    entries = kpi_figures(store, programme_id)
    ms = [Milestones.of(c) for c in found]
    intro = _intro_firms(store)
    counts = Counts(ms, orgs, intro, today)
    open_cases = [c for c in found if c.phase not in lifecycle.CLOSED and c.decision != "rejected"]

    by_phase = Counter(c.phase for c in found)
    sectors: dict[str, dict] = defaultdict(lambda: {"cases": 0, "firms": set(), "co2e": 0.0})
    regions: dict[str, dict] = defaultdict(lambda: {"cases": 0, "firms": set(), "co2e": 0.0})
    for c in found:
        for key, table in ((c.sector or "unknown", sectors), (region_of(orgs.get(c.lead_id)), regions)):
            table[key]["cases"] += 1
            table[key]["firms"] |= counts.firms(c)
            table[key]["co2e"] += c.co2e if c.phase != "dropped" else 0.0

    def rows(table: dict) -> list[dict]:
        return [{"key": k, "cases": v["cases"], "firms": len(v["firms"]), "co2e": round(v["co2e"], 1)}
                for k, v in sorted(table.items(), key=lambda kv: (-kv[1]["cases"], kv[0]))]

    start = min([portfolio.start] + [m for x in ms for m in x.reached.values()])
    series = []
    for label, first, last in quarters(start, today):
        at = Counts(ms, orgs, intro, min(last, today))
        entered = Counter(ph for x in ms for ph, d in x.reached.items() if first <= d <= last)
        granted = sum(1 for x in ms if x.granted and first <= x.granted <= last)
        series.append({"quarter": label, "end": min(last, today).isoformat(), "value_chains": at.value_chains(),
                       "firms_in_matchmaking": at.firms_in_matchmaking(), "firms_supported": at.firms_supported(),
                       "feasibility_firms": at.feasibility_firms(), "co2e_granted": at.resource_savings(),
                       "entered": dict(entered), "granted": granted})

    soon = today + timedelta(days=portfolio.soon_days)
    result = {
        "programme": {"id": portfolio.id, "name": portfolio.name, "source": portfolio.source, "start": portfolio.start.isoformat(),
                      "end": portfolio.end.isoformat() if portfolio.end else None, "end_note": portfolio.end_note,
                      "tracks": portfolio.tracks},
        "as_of": today.isoformat(),
        "cases": len(found),
        "kpis": [_kpi_row(k, counts, entries, portfolio, len(found)) for k in portfolio.kpis],
        "green": [_green_row(k, counts, open_cases) for k in portfolio.green_kpis],
        "breakdowns": {
            "phase": [{"key": p, "label": lifecycle.PHASE_LABELS[p], "cases": by_phase.get(p, 0)} for p in lifecycle.PHASES],
            "sector": rows(sectors), "region": rows(regions),
            "track": [{"key": k, "cases": v} for k, v in sorted(Counter(c.track or "none" for c in found).items())],
            "elements": [{"key": k, "label": ELEMENT_LABELS[k], "cases": v}
                         for k, v in sorted(Counter(e.kind for c in found for e in {x.kind: x for x in c.elements}.values()).items())],
        },
        "series": series,
        "overdue": [_brief(c, orgs) for c in found if c.overdue(today)],
        "ending_soon": [_brief(c, orgs) for c in found if c.phase == "clarification" and c.due_date
                        and today <= parse_date(c.due_date) <= soon],
        "rounds": [{"round_id": r.round_id, "track": r.track, "opens": r.opens.isoformat(), "closes": r.closes.isoformat(),
                    "decision_by": r.decision_by.isoformat(), "source": r.source,
                    "open": r.is_open(today)} for r in portfolio.rounds if r.decision_by >= today],
        "manual_entries": entries,
    }
    if proposals is not None:
        result["gap_proposals"] = gap_proposals(proposals, found, orgs, counts.matchmaking_firms())
    return result
