"""Programme rules as data (data/programmes/*.json, data/programmes/common/*.json) and the
checks of an application (a value chain, or one firm's investment) against them.

Every check answers pass, fail, unknown (data missing: never a silent pass) or warning
(a guide or an approximate window the facilitator may accept with a reason), with a
reason that names the rule, what it read and the numbers. Boundaries are as written:
EUR 300,000 of de minimis aid is allowed; 250 employees is not an SME.

`check(app, prog)` is the entry point; `overall` folds the results (a warning does not
lower eligibility, it stays visible).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from matchmaker.chains.impact import LinkImpact
from matchmaker.errors import ConfigError, NotFound
from matchmaker.model import SECTORS, Organisation, Stream
from matchmaker.paths import DATA_DIR
from matchmaker.reference import postcodes

PASS, FAIL, UNKNOWN, WARN = "pass", "fail", "unknown", "warning"
SME_MAX_EMPLOYEES = 250          # fewer than 250
SME_MAX_TURNOVER_EUR = 50_000_000
SME_MAX_BALANCE_EUR = 43_000_000
NON_ECONOMIC_KINDS = ("knowledge_institution", "cluster", "business_hub", "public_body")
SCORE_KEYS = ("circular_focus", "commercial_investment", "maturity")
OVERRIDABLE = ("primary_production", "theme")  # decisions a facilitator may take with a reason
KNOWN_KEYS = {"id", "name", "model", "source", "duration_months", "sectors", "min_economic_partners",
              "lead_must_be_sme", "exclude_primary_production", "de_minimis_ceiling_eur",
              "de_minimis_declaration_max_age_days", "exclude_in_difficulty", "budget_dkk", "max_aid_intensity",
              "grant_per_firm_guide_dkk", "investment", "dkk_per_eur", "tracks", "capacity", "flows"}
COMMON_DIR = DATA_DIR / "programmes" / "common"


@dataclass
class Programme:
    id: str
    name: str
    model: str
    source: str
    sectors: list[str] | None        # None: no sector restriction
    min_economic_partners: int = 2
    lead_must_be_sme: bool = True
    exclude_primary_production: bool = True
    de_minimis_ceiling_eur: float | None = 300_000
    de_minimis_declaration_max_age_days: int | None = 365
    exclude_in_difficulty: bool = True
    budget_dkk: dict[str, Any] | None = None          # {"min", "max", "approximate"}
    max_aid_intensity: float | None = None
    grant_per_firm_guide_dkk: float | None = None     # a guide ("about"), not a cap
    investment: dict[str, Any] | None = None
    duration_months: int | None = None
    dkk_per_eur: float = 7.46
    tracks: dict[str, dict[str, Any]] | None = None   # models inside one frame project (check, collaboration)
    capacity: dict[str, Any] | None = None            # hours_per_fte_year, accounts_max_age_years
    flows: dict[str, Any] | None = None               # min_link_score, require_quantified_effect, flag_energy_only

    @property
    def min_link_score(self) -> float | None:
        return (self.flows or {}).get("min_link_score")


@dataclass
class CheckResult:
    rule: str
    status: str
    reason: str


@dataclass
class Flow:
    """One link of a chain as the rules read it: who sends what to whom, how plausible, its impact."""

    offer: Stream
    need: Stream
    sender: Organisation
    receiver: Organisation
    score: float
    impact: LinkImpact


@dataclass
class Application:
    """What is checked: the economic partners, the lead, money, flows and the facilitator's inputs."""

    firms: list[Organisation]
    lead_id: str | None
    sector: str | None
    budget_dkk: float | None = None
    grant_dkk: float | None = None
    grants_dkk: dict[str, float] = field(default_factory=dict)   # per firm; else the grant is split evenly
    scores: dict[str, float] = field(default_factory=dict)       # circular_focus, commercial_investment, maturity
    others: list[Organisation] = field(default_factory=list)     # non-economic members and knowledge partners
    flows: list[Flow] = field(default_factory=list)
    inputs: dict[str, Any] = field(default_factory=dict)         # overrides, staff, track, investment, criteria
    kind: str = "chain"                                          # chain or investment
    as_of: date = field(default_factory=date.today)

    def grant_of(self, org_id: str) -> float | None:
        if org_id in self.grants_dkk:
            return self.grants_dkk[org_id]
        if self.grant_dkk is None or not self.firms:
            return None
        return self.grant_dkk / len(self.firms)

    def override(self, rule: str) -> dict[str, Any] | None:
        found = (self.inputs.get("overrides") or {}).get(rule)
        return found if isinstance(found, dict) else None


def load_programme(path: Path) -> Programme:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        unknown = set(doc) - KNOWN_KEYS
        if unknown:
            raise ValueError(f"unknown keys {sorted(unknown)}")
        return Programme(**doc)
    except (OSError, ValueError, TypeError) as exc:
        raise ConfigError(f"bad programme file {path}: {exc}") from None


@lru_cache(maxsize=1)
def programmes() -> dict[str, Programme]:
    found = [load_programme(p) for p in sorted((DATA_DIR / "programmes").glob("*.json"))]
    return {p.id: p for p in found}


def get_programme(programme_id: str) -> Programme:
    known = programmes()
    if programme_id not in known:
        raise NotFound(f"unknown programme {programme_id!r}; known: {', '.join(sorted(known))}")
    return known[programme_id]


@lru_cache(maxsize=8)
def common(name: str) -> dict[str, Any]:
    """A shared rule table in data/programmes/common/ (de minimis ceilings, primary production, themes, criteria)."""
    path = COMMON_DIR / f"{name}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"bad rule table {path}: {exc}") from None


def _money(x: float) -> str:
    return f"{x:,.0f}"


def _lead(app: Application) -> Organisation | None:
    return next((o for o in app.firms + app.others if o.id == app.lead_id), None)


# -- partners and lead ------------------------------------------------------

def check_partners(app: Application, prog: Programme) -> CheckResult:
    n = len(app.firms)
    if app.kind == "investment":
        return CheckResult("economic_partners", PASS if n == 1 else FAIL,
                           f"{n} firm(s); an investment application is one firm's")
    status = PASS if n >= prog.min_economic_partners else FAIL
    return CheckResult("economic_partners", status,
                       f"{n} economic partner(s) (firms); the call requires at least {prog.min_economic_partners}; "
                       "knowledge institutions, clusters and hubs do not count")


def sme_status(org: Organisation) -> tuple[str, str]:
    """EU SME test (Recommendation 2003/361/EC). Uses the figures incl. linked and partner
    enterprises (group_*) when the data has them, else the firm's own."""
    if org.kind in NON_ECONOMIC_KINDS:
        return FAIL, f"{org.name} is a {org.kind.replace('_', ' ')}, not an enterprise: it cannot be an SME"
    grouped = any(v is not None for v in (org.group_employees, org.group_turnover_eur, org.group_balance_sheet_eur))
    emp = org.group_employees if org.group_employees is not None else org.employees
    t = org.group_turnover_eur if org.group_turnover_eur is not None else org.turnover_eur
    b = org.group_balance_sheet_eur if org.group_balance_sheet_eur is not None else org.balance_sheet_eur
    basis = " incl. linked and partner enterprises" if grouped else ""
    if emp is None:
        return UNKNOWN, f"{org.name}: employees unknown"
    if emp >= SME_MAX_EMPLOYEES:
        return FAIL, f"{org.name}: {emp:g} employees{basis}, an SME has fewer than {SME_MAX_EMPLOYEES}"
    if (t is not None and t <= SME_MAX_TURNOVER_EUR) or (b is not None and b <= SME_MAX_BALANCE_EUR):
        which = (f"turnover EUR {_money(t)} <= {_money(SME_MAX_TURNOVER_EUR)}" if t is not None and t <= SME_MAX_TURNOVER_EUR
                 else f"balance sheet EUR {_money(b)} <= {_money(SME_MAX_BALANCE_EUR)}")
        return PASS, f"{org.name}: {emp:g} employees (< {SME_MAX_EMPLOYEES}) and {which}{basis}"
    if t is not None and b is not None:
        return FAIL, (f"{org.name}: turnover EUR {_money(t)} > {_money(SME_MAX_TURNOVER_EUR)} and balance sheet "
                      f"EUR {_money(b)} > {_money(SME_MAX_BALANCE_EUR)}{basis}")
    return UNKNOWN, f"{org.name}: {emp:g} employees, but turnover or balance sheet unknown"


def check_lead_sme(app: Application, prog: Programme) -> CheckResult:
    lead = _lead(app)
    if lead is None:
        return CheckResult("lead_sme", UNKNOWN, "no lead applicant chosen")
    status, reason = sme_status(lead)
    if status == PASS and lead.group_employees is None and lead.group_turnover_eur is None:
        reason += " (own figures: linked and partner enterprises not in the data)"
    return CheckResult("lead_sme", status, f"lead applicant must be an SME (EU definition): {reason}")


# -- theme --------------------------------------------------------------------

def focus_theme(flows: list[Flow]) -> tuple[str | None, str]:
    """The chain's theme from its plausible resource flows: each link's material (weighted by
    credited tonnes, else 1), or, for a material of no theme, the receiver's then the sender's sector."""
    table = common("themes")["material_theme"]
    votes: dict[str, float] = {}
    why = []
    for f in flows:
        if not f.impact.counted:
            continue
        weight = f.impact.gross_tonnes or 1.0
        theme = table.get(f.offer.material)
        basis = f"material {f.offer.material}"
        if theme is None:
            theme = f.receiver.sector if f.receiver.sector != "other" else f.sender.sector
            basis = f"{f.offer.material} has no theme: receiver {f.receiver.name}'s sector"
        votes[theme] = votes.get(theme, 0.0) + weight
        why.append(f"{f.offer.id} -> {f.need.id}: {theme} ({basis}, weight {weight:g})")
    if not votes:
        return None, "no plausible flow to read a theme from"
    best = max(sorted(votes), key=lambda k: votes[k])
    return best, "; ".join(why)


def check_sector(app: Application, prog: Programme) -> CheckResult:
    if prog.sectors is None:
        return CheckResult("sector_scope", PASS, "the call has no sector restriction")
    theme, why = (focus_theme(app.flows) if app.flows else (None, ""))
    source = f"the chain's focus ({why})" if theme else ""
    if theme is None:
        theme, source = app.sector, "the chain's stated sector" if app.sector else ""
    override = app.override("theme")
    if override is not None:
        note = f"; computed: {theme or 'none'}" if theme else ""
        theme, source = override.get("value"), f"set by the facilitator: {override.get('reason')}{note}"
    if theme is None:
        return CheckResult("sector_scope", UNKNOWN, "the chain's theme is unknown: no plausible flow and no sector set")
    status = PASS if theme in prog.sectors else FAIL
    return CheckResult("sector_scope", status, f"theme {theme} from {source}; the call covers {', '.join(prog.sectors)}")


# -- primary production -------------------------------------------------------

def primary_kind(org: Organisation) -> str | None:
    """agriculture or fisheries when the firm is a primary producer (NACE 01/03 or flagged), '' when not, None unknown."""
    divisions = common("primary_production")["nace_divisions"]
    if org.nace:
        kind = divisions.get(org.nace[:2])
        if kind:
            return kind
        if org.primary_production:
            return "agriculture"
        return ""
    if org.primary_production is None:
        return None
    return "agriculture" if org.primary_production else ""


def flow_is_primary(f: Flow) -> tuple[bool | None, str]:
    """Is this flow used in primary production? Read from the receiving activity (NACE) and the use."""
    table = common("primary_production")
    r = f.receiver
    if r.nace and r.nace[:2] in table["nace_divisions"]:
        return True, f"{r.name} receives it, NACE {r.nace} ({table['nace_divisions'][r.nace[:2]]}: primary production)"
    words = table["feed_phrases"] + table["field_phrases"]
    hit = next((w for w in words if re.search(r"(?<!\w)" + re.escape(w), f.need.text.lower())), None)
    if r.nace:
        extra = f"; the need mentions {hit!r}, a processing step, not primary production" if hit else ""
        return False, f"{r.name} receives it, NACE {r.nace} (not primary production){extra}"
    if r.primary_production or hit:
        what = "a primary producer" if r.primary_production else f"its need says {hit!r} (feed or field use)"
        return True, f"{r.name} receives it: {what}"
    if r.primary_production is False:
        return False, f"{r.name} receives it and is not a primary producer"
    return None, f"{r.name} receives it: NACE unknown, use not stated"


def check_primary(app: Application, prog: Programme) -> CheckResult:
    rule = "no_primary_production"
    producers = [f"{o.name} ({kind})" for o in app.firms if (kind := primary_kind(o))]
    partners = (f"; primary producers among the partners: {', '.join(producers)} (their aid falls under the "
                "agricultural or fishery de minimis regulation)") if producers else ""
    counted = [f for f in app.flows if f.impact.counted]
    if counted:
        verdicts = [(f, *flow_is_primary(f)) for f in counted]
        weight = {id(f): (f.impact.gross_tonnes or 1.0) for f in counted}
        total = sum(weight.values())
        primary = sum(weight[id(f)] for f, p, _ in verdicts if p)
        unknown = [f for f, p, _ in verdicts if p is None]
        why = "; ".join(f"{f.offer.id} -> {f.need.id}: {text}" for f, _, text in verdicts)
        share = primary / total if total else 0.0
        status = FAIL if share >= 0.5 else UNKNOWN if unknown else PASS
        reason = (f"the focus is decided by where the flows go: {share:.0%} of the flow is used in primary "
                  f"production ({why})")
    else:
        firm = _lead(app) if app.kind == "investment" else None
        kind = primary_kind(firm) if firm is not None else None
        status = UNKNOWN if kind is None else FAIL if kind else PASS
        reason = ("no plausible flow to read the focus from" if firm is None else
                  f"the applicant {firm.name} {'is' if kind else 'is not' if kind == '' else 'may be'} a primary producer "
                  f"(NACE {firm.nace or 'unknown'})")
    override = app.override("primary_production")
    if override is not None:
        status = FAIL if override.get("value") else PASS
        reason = (f"the facilitator {'confirms' if override.get('value') else 'rules out'} a primary-production focus: "
                  f"{override.get('reason')} (computed: {reason})")
    return CheckResult(rule, status, reason + partners)


# -- de minimis -----------------------------------------------------------------

def _declared(org: Organisation) -> date | None:
    try:
        return date.fromisoformat(org.de_minimis_declared) if org.de_minimis_declared else None
    except ValueError:
        return None


def check_de_minimis(app: Application, prog: Programme) -> CheckResult:
    table = common("de_minimis")
    regs = table["regulations"]
    max_age = prog.de_minimis_declaration_max_age_days
    worst, parts = PASS, []

    def lower(to: str) -> None:
        nonlocal worst
        worst = FAIL if FAIL in (worst, to) else UNKNOWN if UNKNOWN in (worst, to) else PASS

    for f in app.firms:
        missing = []
        expected = table["primary_producer_regulation"].get(primary_kind(f) or "", "general")
        reg = f.de_minimis_regulation
        if reg is None:
            missing.append(f"which regulation (expected {expected})")
        elif reg not in regs:
            missing.append(f"a known regulation (got {reg!r})")
        elif reg != expected:
            missing.append(f"a declaration under the {expected} regulation (declared under {reg})")
        declared = _declared(f)
        if declared is None:
            missing.append("the declaration's date")
        elif max_age is not None and (app.as_of - declared).days > max_age:
            missing.append(f"a current declaration (dated {declared.isoformat()}, older than {max_age} days)")
        if f.de_minimis_eur is None:
            missing.append("aid received in the last three years")
        grant = app.grant_of(f.id)
        if grant is None:
            missing.append("its share of the grant")
        use = regs.get(reg if reg in regs else expected)
        ceiling = min(c for c in (use["ceiling_eur"], prog.de_minimis_ceiling_eur) if c is not None)
        if f.de_minimis_eur is not None and grant is not None:
            total = f.de_minimis_eur + grant / prog.dkk_per_eur
            ok = total <= ceiling
            if not ok:
                lower(FAIL)
            parts.append(f"{f.name}: EUR {_money(f.de_minimis_eur)} + DKK {_money(grant)} / {prog.dkk_per_eur} = "
                         f"EUR {_money(total)} {'<=' if ok else '>'} {_money(ceiling)} ({use['name']})"
                         + (f"; missing: {', '.join(missing)}" if missing else ""))
        else:
            parts.append(f"{f.name}: missing {', '.join(missing)}")
        if missing:
            lower(UNKNOWN)
    return CheckResult("de_minimis", worst, "sector-relevant de minimis declaration and aid over any three years "
                       "incl. this grant: " + "; ".join(parts))


def check_grant_split(app: Application, prog: Programme) -> CheckResult:
    if not app.grants_dkk:
        return CheckResult("grant_split", PASS, "no per-firm grants given: the case grant is split evenly")
    firms = {f.id for f in app.firms}
    strangers = sorted(set(app.grants_dkk) - firms)
    if strangers:
        return CheckResult("grant_split", FAIL, f"per-firm grants name organisations that are not economic partners: "
                           f"{', '.join(strangers)}")
    total = sum(app.grants_dkk.values())
    if app.grant_dkk is None:
        return CheckResult("grant_split", UNKNOWN, f"per-firm grants add up to DKK {_money(total)}, the case grant is not set")
    ok = abs(total - app.grant_dkk) < 1.0
    missing = sorted(firms - set(app.grants_dkk))
    note = f"; no grant for {', '.join(missing)}" if missing else ""
    return CheckResult("grant_split", PASS if ok else FAIL,
                       f"per-firm grants add up to DKK {_money(total)}, {'equal to' if ok else 'not'} the case grant "
                       f"DKK {_money(app.grant_dkk)}{note}")


def check_difficulty(app: Application, prog: Programme) -> CheckResult:
    hit = [f.name for f in app.firms if f.in_difficulty]
    missing = [f.name for f in app.firms if f.in_difficulty is None]
    if hit:
        return CheckResult("not_in_difficulty", FAIL, f"firm(s) in difficulty: {', '.join(hit)}")
    if missing:
        return CheckResult("not_in_difficulty", UNKNOWN, f"unknown whether in difficulty: {', '.join(missing)}")
    return CheckResult("not_in_difficulty", PASS, f"none of the {len(app.firms)} firms is in difficulty")


# -- capacity -------------------------------------------------------------------

def _months(app: Application, prog: Programme) -> float:
    track = resolve_track(app, prog)[0]
    months = (track or {}).get("duration_months") or prog.duration_months or 12
    return float(months)


def check_capacity(app: Application, prog: Programme) -> list[CheckResult]:
    cap = prog.capacity
    if not cap:
        return []
    out = []
    hours_fte = cap["hours_per_fte_year"]
    months = _months(app, prog)
    staff = app.inputs.get("staff") or {}
    parts, status = [], PASS
    if not staff:
        out.append(CheckResult("staff_capacity", UNKNOWN, "wage costs applied for are not stated (hours and hourly "
                               "rate per firm): staff capacity cannot be checked"))
    else:
        wages = 0.0
        for org_id, row in staff.items():
            firm = next((f for f in app.firms if f.id == org_id), None)
            hours, rate = row.get("hours"), row.get("rate_dkk")
            if firm is None:
                status = FAIL
                parts.append(f"{org_id} is not an economic partner")
                continue
            wages += (hours or 0) * (rate or 0)
            if firm.employees is None:
                status = FAIL if status == FAIL else UNKNOWN
                parts.append(f"{firm.name}: {hours:g} hours applied for, employees unknown")
                continue
            can = firm.employees * hours_fte * months / 12
            ok = hours <= can
            status = status if ok else FAIL
            parts.append(f"{firm.name}: {hours:g} h x DKK {_money(rate)} = DKK {_money(hours * rate)}; "
                         f"{firm.employees:g} FTE x {hours_fte} h/yr x {months:g}/12 = {can:,.0f} h {'>=' if ok else '<'} "
                         f"{hours:g} h")
        if app.budget_dkk is not None and wages > app.budget_dkk:
            status = FAIL
            parts.append(f"wages DKK {_money(wages)} exceed the budget DKK {_money(app.budget_dkk)}")
        out.append(CheckResult("staff_capacity", status, "staff enough to carry the wage costs applied for: " + "; ".join(parts)))
    newest = app.as_of.year - cap["accounts_max_age_years"]
    old = [f"{f.name} ({f.last_accounts_year})" for f in app.firms if f.last_accounts_year is not None and f.last_accounts_year < newest]
    missing = [f.name for f in app.firms if f.last_accounts_year is None]
    status = FAIL if old else UNKNOWN if missing else PASS
    reason = f"last closed accounts no older than {newest}"
    reason += f"; too old: {', '.join(old)}" if old else ""
    reason += f"; year of the last accounts unknown: {', '.join(missing)}" if missing else ""
    out.append(CheckResult("accounts_recent", status, reason))
    negative = [f"{f.name} (EUR {_money(f.equity_eur)})" for f in app.firms if f.equity_eur is not None and f.equity_eur < 0]
    missing = [f.name for f in app.firms if f.equity_eur is None]
    status = FAIL if negative else UNKNOWN if missing else PASS
    reason = "economic capacity: positive equity in the last accounts"
    reason += f"; negative equity (losses exceed the capital): {', '.join(negative)}" if negative else ""
    reason += f"; equity unknown: {', '.join(missing)}" if missing else ""
    out.append(CheckResult("economic_capacity", status, reason))
    return out


# -- resource flow and effect -------------------------------------------------

def check_flows(app: Application, prog: Programme) -> list[CheckResult]:
    rules = prog.flows
    if not rules or app.kind == "investment":
        return []
    threshold = rules.get("min_link_score", 0.0)
    counted = [f for f in app.flows if f.impact.counted]
    dropped = [f"{f.sender.name} -> {f.receiver.name} ({f.score:.2f})" for f in app.flows if not f.impact.counted]
    note = f"; below the threshold, not links: {', '.join(dropped)}" if dropped else ""
    out = []
    if not counted:
        out.append(CheckResult("resource_flow", FAIL, f"no plausible resource flow between the partners: no link scores "
                               f"at least {threshold:g}{note}"))
    else:
        on_flow = {f.sender.id for f in counted} | {f.receiver.id for f in counted}
        passengers = [f.name for f in app.firms if f.id not in on_flow]
        status = WARN if passengers else PASS
        reason = f"{len(counted)} link(s) score at least {threshold:g}{note}"
        reason += f"; partners on no plausible flow: {', '.join(passengers)}" if passengers else ""
        out.append(CheckResult("resource_flow", status, reason))
    if rules.get("require_quantified_effect"):
        quantified = [f for f in counted if f.impact.tonnes is not None or f.impact.co2e is not None]
        if not quantified:
            out.append(CheckResult("effect_quantified", FAIL, "no plausible link carries a quantified flow (tonnes or "
                                   "t CO2e): the programme rejects an effect that is not quantified"))
        else:
            t = sum(f.impact.tonnes or 0.0 for f in quantified)
            c = sum(f.impact.co2e or 0.0 for f in quantified)
            nil = t <= 0 and c <= 0
            out.append(CheckResult("effect_quantified", WARN if nil else PASS,
                                   f"{len(quantified)} of {len(counted)} plausible link(s) quantified: {t:g} t, {c:g} t CO2e "
                                   "net of the baseline" + ("; nothing new: the streams are already used today" if nil else "")))
    if rules.get("flag_energy_only") and counted and all(f.offer.material == "heat_energy" for f in counted):
        out.append(CheckResult("resource_type", WARN, "the only flows are energy or heat; the programme's resources "
                               "are materials, food, water and nutrients"))
    return out


# -- money ------------------------------------------------------------------------

def resolve_track(app: Application, prog: Programme) -> tuple[dict[str, Any] | None, str]:
    """The model inside a frame project: the one named in the application, else the one whose budget
    window holds the budget. Programmes without tracks use their own window."""
    if not prog.tracks:
        return ({"budget_dkk": prog.budget_dkk, "max_aid_intensity": prog.max_aid_intensity}, "")
    named = app.inputs.get("track")
    if named in prog.tracks:
        return prog.tracks[named], f"{prog.tracks[named]['name']} (named in the application)"
    if app.budget_dkk is not None:
        for t in prog.tracks.values():
            w = t["budget_dkk"]
            if w["min"] <= app.budget_dkk <= w["max"]:
                return t, f"{t['name']} (the budget's window)"
    return None, "the application names no model (track: " + ", ".join(prog.tracks) + ")"


def check_budget(app: Application, prog: Programme) -> list[CheckResult]:
    out = []
    track, which = resolve_track(app, prog)
    if track is None:
        out.append(CheckResult("budget_window", UNKNOWN, which))
    window, cap = (track or {}).get("budget_dkk"), (track or {}).get("max_aid_intensity")
    prefix = f"{which}: " if which else ""
    if window:
        lo, hi = window["min"], window["max"]
        if app.budget_dkk is None:
            out.append(CheckResult("budget_window", UNKNOWN, f"{prefix}no budget set; the call allows DKK {_money(lo)}-{_money(hi)}"))
        else:
            ok = lo <= app.budget_dkk <= hi
            status = PASS if ok else WARN if window.get("approximate") else FAIL
            level = " (written 'at the level of': a guide the facilitator may accept with a reason)" if window.get("approximate") else ""
            out.append(CheckResult("budget_window", status, f"{prefix}budget DKK {_money(app.budget_dkk)} "
                                   f"{'inside' if ok else 'outside'} DKK {_money(lo)}-{_money(hi)}{level if not ok else ''}"))
    if cap is not None:
        if app.budget_dkk is None or app.grant_dkk is None or app.budget_dkk <= 0:
            out.append(CheckResult("aid_intensity", UNKNOWN, f"budget and grant needed; cap {cap:.0%}"))
        else:
            share = app.grant_dkk / app.budget_dkk
            ok = share <= cap + 1e-12
            out.append(CheckResult("aid_intensity", PASS if ok else FAIL,
                                   f"grant DKK {_money(app.grant_dkk)} / budget DKK {_money(app.budget_dkk)} = {share:.1%} "
                                   f"{'<=' if ok else '>'} cap {cap:.0%}"))
    guide = prog.grant_per_firm_guide_dkk
    if guide is not None:
        grants = {f.name: app.grant_of(f.id) for f in app.firms}
        if not grants or any(g is None for g in grants.values()):
            out.append(CheckResult("grant_per_firm", UNKNOWN, f"no grant set; the model gives about DKK {_money(guide)} per firm"))
        else:
            over = {n: g for n, g in grants.items() if g > guide}
            detail = ", ".join(f"{n} DKK {_money(g)}" for n, g in grants.items())
            out.append(CheckResult("grant_per_firm", WARN if over else PASS,
                                   f"grant per firm ({detail}) {'above' if over else 'within'} the guide of about DKK "
                                   f"{_money(guide)}" + ("; a guide, not a cap: the purpose is to find the partners" if over else "")))
    return out


# -- investment ---------------------------------------------------------------------

def score_problems(scores: dict[str, Any]) -> list[str]:
    """A score is a number from 0 to 5 under a known name; '9 of 5' is an error."""
    problems = [f"unknown score {k!r} (known: {', '.join(SCORE_KEYS)})" for k in scores if k not in SCORE_KEYS]
    for k, v in scores.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 5:
            problems.append(f"score {k} must be a number from 0 to 5, got {v!r}")
    return problems


def region_of(org: Organisation) -> str | None:
    place = postcodes().get(org.postcode)
    return place.region if place else None


def check_investment(app: Application, prog: Programme) -> list[CheckResult]:
    rules = prog.investment
    if not rules:
        return []
    out = []
    for attr, key, label in (("employees", "min_employees", "full-time employees"),
                             ("closed_financial_years", "min_closed_financial_years", "closed financial years")):
        need = rules[key]
        missing = [f.name for f in app.firms if getattr(f, attr) is None]
        short = [f"{f.name} ({getattr(f, attr):g})" for f in app.firms if getattr(f, attr) is not None and getattr(f, attr) < need]
        status = FAIL if short else UNKNOWN if missing else PASS
        reason = f"at least {need:g} {label} per firm"
        reason += f"; too few: {', '.join(short)}" if short else ""
        reason += f"; unknown: {', '.join(missing)}" if missing else ""
        out.append(CheckResult(key, status, reason))
    bad = score_problems(app.scores)
    if bad:
        out.append(CheckResult("scores_valid", FAIL, "; ".join(bad)))
    focus = app.scores.get("circular_focus")
    need = rules["min_circular_focus"]
    if focus is None or bad:
        out.append(CheckResult("circular_focus", UNKNOWN, f"circular focus not scored (0-5, minimum {need:g})"))
    else:
        ok = focus >= need
        out.append(CheckResult("circular_focus", PASS if ok else FAIL,
                               f"circular focus {focus:g} of 5 {'>=' if ok else '<'} minimum {need:g}"
                               + ("" if ok else ": a rejection whatever the other scores")))
    missing_scores = [k for k in SCORE_KEYS[1:] if k not in app.scores]
    if missing_scores and not bad:
        out.append(CheckResult("investment_scores", UNKNOWN, f"not scored yet (0-5): {', '.join(missing_scores)}"))
    inv = app.inputs.get("investment") or {}
    kind = inv.get("kind")
    if kind is None:
        out.append(CheckResult("production_equipment", UNKNOWN, "what the investment buys is not stated (kind: "
                               + ", ".join(rules["eligible_kinds"] + rules["ineligible_kinds"]) + ")"))
    else:
        ok = kind in rules["eligible_kinds"]
        out.append(CheckResult("production_equipment", PASS if ok else FAIL,
                               f"investment in {kind.replace('_', ' ')}: " + ("integrated in commercial operation" if ok else
                               "test or demonstration kit is not eligible; the investment must be production equipment or facilities")))
    out.append(_check_period(inv, rules, prog))
    out.append(_investment_budget(app, inv, rules))
    return out


def _check_period(inv: dict[str, Any], rules: dict[str, Any], prog: Programme) -> CheckResult:
    try:
        start = date.fromisoformat(inv["start"]) if inv.get("start") else None
        end = date.fromisoformat(inv["end"]) if inv.get("end") else None
    except (TypeError, ValueError):
        return CheckResult("within_period", FAIL, "start and end must be dates YYYY-MM-DD")
    if start is None or end is None:
        return CheckResult("within_period", UNKNOWN, "the investment's start and end dates are not stated")
    months = (end.year - start.year) * 12 + end.month - start.month + (end.day > start.day)
    limit = prog.duration_months
    period_end = date.fromisoformat(rules["period_end"]) if rules.get("period_end") else None
    late = period_end is not None and end > period_end
    ok = end >= start and (limit is None or months <= limit) and not late
    reason = f"investment {start.isoformat()} to {end.isoformat()} ({months} months); the period allows {limit} months"
    reason += f" and ends {period_end.isoformat()}" if period_end else ""
    return CheckResult("within_period", PASS if ok else FAIL, reason)


def _investment_budget(app: Application, inv: dict[str, Any], rules: dict[str, Any]) -> CheckResult:
    """Which of the programme's two grants pays, and the share of private investment (KPI 4)."""
    firm = app.firms[0] if app.firms else None
    region = region_of(firm) if firm else None
    line = None
    for key, b in rules.get("budgets", {}).items():
        if b["regions"] is None or (region in b["regions"]):
            if line is None or b["regions"] is not None:
                line = (key, b["name"])
    cost = inv.get("cost_dkk", app.budget_dkk)
    if cost is None or app.grant_dkk is None or cost <= 0:
        return CheckResult("investment_budget", UNKNOWN, f"budget line {line[1] if line else 'unknown'} ({region or 'region unknown'}); "
                           "investment cost and grant needed for the share of private investment")
    private = (cost - app.grant_dkk) / cost
    status = PASS if 0 <= private <= 1 else FAIL
    return CheckResult("investment_budget", status, f"budget line {line[1] if line else 'unknown'} ({region}); investment DKK "
                       f"{_money(cost)}, grant DKK {_money(app.grant_dkk)}: private investment {private:.0%}")


# -- all checks -------------------------------------------------------------------

def _accepted(app: Application, result: CheckResult) -> CheckResult:
    """A facilitator may accept a warning (never a fail) with a reason."""
    ov = app.override(result.rule)
    if result.status == WARN and ov and ov.get("accept") and ov.get("reason"):
        return CheckResult(result.rule, PASS, f"{result.reason}; accepted by the facilitator: {ov['reason']}")
    return result


def check(app: Application, prog: Programme) -> list[CheckResult]:
    results = [check_partners(app, prog)]
    if prog.lead_must_be_sme:
        results.append(check_lead_sme(app, prog))
    results.append(check_sector(app, prog))
    if prog.exclude_primary_production:
        results.append(check_primary(app, prog))
    if prog.de_minimis_ceiling_eur is not None:
        results.append(check_de_minimis(app, prog))
    results.append(check_grant_split(app, prog))
    if prog.exclude_in_difficulty:
        results.append(check_difficulty(app, prog))
    results += check_capacity(app, prog) + check_flows(app, prog) + check_budget(app, prog) + check_investment(app, prog)
    return [_accepted(app, r) for r in results]


def overall(results: list[CheckResult]) -> str:
    statuses = {r.status for r in results}
    return FAIL if FAIL in statuses else UNKNOWN if UNKNOWN in statuses else PASS


def as_dicts(results: list[CheckResult]) -> list[dict[str, Any]]:
    return [r.__dict__.copy() for r in results]


def default_money(prog: Programme, firms: int) -> tuple[float | None, float | None]:
    """A starting point to edit: the (first) window's lowest budget at the highest aid intensity,
    or the per-firm guide of the clarification model."""
    track = next(iter(prog.tracks.values())) if prog.tracks else {"budget_dkk": prog.budget_dkk,
                                                                   "max_aid_intensity": prog.max_aid_intensity}
    if track.get("budget_dkk") and track.get("max_aid_intensity") is not None:
        budget = track["budget_dkk"]["min"]
        return budget, round(budget * track["max_aid_intensity"])
    if prog.grant_per_firm_guide_dkk is not None:
        return None, prog.grant_per_firm_guide_dkk * firms
    return None, None


def input_problems(inputs: dict[str, Any], firm_ids: set[str]) -> list[str]:
    """What is wrong in an application's facilitator inputs (before anything is checked)."""
    problems = []
    for rule, ov in (inputs.get("overrides") or {}).items():
        if not isinstance(ov, dict) or not str(ov.get("reason") or "").strip():
            problems.append(f"override {rule!r} needs a reason")
            continue
        if rule in OVERRIDABLE and "value" not in ov:
            problems.append(f"override {rule!r} needs a value")
        if rule == "theme" and ov.get("value") not in SECTORS:
            problems.append(f"override theme: unknown theme {ov.get('value')!r}")
    for org_id, row in (inputs.get("staff") or {}).items():
        if not isinstance(row, dict) or any(isinstance(row.get(k), bool) or not isinstance(row.get(k), (int, float))
                                            or row.get(k) < 0 for k in ("hours", "rate_dkk")):
            problems.append(f"staff {org_id!r} needs hours and rate_dkk as non-negative numbers")
        elif org_id not in firm_ids:
            problems.append(f"staff {org_id!r} is not an economic partner")
    inv = inputs.get("investment")
    if inv is not None:
        if not isinstance(inv, dict):
            problems.append("'investment' must be an object")
        else:
            for key in ("start", "end"):
                if inv.get(key) is not None:
                    try:
                        date.fromisoformat(str(inv[key]))
                    except ValueError:
                        problems.append(f"investment {key} must be a date YYYY-MM-DD, got {inv[key]!r}")
            cost = inv.get("cost_dkk")
            if cost is not None and (isinstance(cost, bool) or not isinstance(cost, (int, float)) or cost <= 0):
                problems.append("investment cost_dkk must be a positive number")
    return problems
