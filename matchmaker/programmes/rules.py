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
from dataclasses import dataclass, field, fields
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from matchmaker.chains.impact import LinkImpact
from matchmaker.errors import ConfigError, NotFound
from matchmaker.i18n import N_, Code, Num, join, msg
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


# a programme file may hold exactly the Programme's fields
KNOWN_KEYS = frozenset(f.name for f in fields(Programme))


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


def _money(x: float) -> Num:
    return Num(x, 0)


def _names(items: list[str]) -> str:
    return ", ".join(items)


def _lead(app: Application) -> Organisation | None:
    return next((o for o in app.firms + app.others if o.id == app.lead_id), None)


# -- partners and lead ------------------------------------------------------

def check_partners(app: Application, prog: Programme) -> CheckResult:
    n = len(app.firms)
    if app.kind == "investment":
        return CheckResult("economic_partners", PASS if n == 1 else FAIL,
                           msg("{n} firm(s); an investment application is one firm's", n=n))
    status = PASS if n >= prog.min_economic_partners else FAIL
    return CheckResult("economic_partners", status,
                       msg("{n} economic partner(s) (firms); the call requires at least {need}; "
                           "knowledge institutions, clusters and hubs do not count", n=n, need=prog.min_economic_partners))


def sme_status(org: Organisation) -> tuple[str, str]:
    """EU SME test (Recommendation 2003/361/EC). Uses the figures incl. linked and partner
    enterprises (group_*) when the data has them, else the firm's own."""
    if org.kind in NON_ECONOMIC_KINDS:
        return FAIL, msg("{name} is a {kind}, not an enterprise: it cannot be an SME", name=org.name, kind=Code(org.kind))
    grouped = any(v is not None for v in (org.group_employees, org.group_turnover_eur, org.group_balance_sheet_eur))
    emp = org.group_employees if org.group_employees is not None else org.employees
    t = org.group_turnover_eur if org.group_turnover_eur is not None else org.turnover_eur
    b = org.group_balance_sheet_eur if org.group_balance_sheet_eur is not None else org.balance_sheet_eur
    basis = msg("incl. linked and partner enterprises") if grouped else ""
    if emp is None:
        return UNKNOWN, msg("{name}: employees unknown", name=org.name)
    if emp >= SME_MAX_EMPLOYEES:
        return FAIL, join([msg("{name}: {emp} employees, an SME has fewer than {max}", name=org.name, emp=Num(emp),
                               max=SME_MAX_EMPLOYEES), basis], " ")
    if (t is not None and t <= SME_MAX_TURNOVER_EUR) or (b is not None and b <= SME_MAX_BALANCE_EUR):
        which = (msg("turnover EUR {t} <= {max}", t=_money(t), max=_money(SME_MAX_TURNOVER_EUR))
                 if t is not None and t <= SME_MAX_TURNOVER_EUR
                 else msg("balance sheet EUR {b} <= {max}", b=_money(b), max=_money(SME_MAX_BALANCE_EUR)))
        return PASS, join([msg("{name}: {emp} employees (< {max}) and {which}", name=org.name, emp=Num(emp),
                               max=SME_MAX_EMPLOYEES, which=which), basis], " ")
    if t is not None and b is not None:
        return FAIL, join([msg("{name}: turnover EUR {t} > {tmax} and balance sheet EUR {b} > {bmax}", name=org.name,
                               t=_money(t), tmax=_money(SME_MAX_TURNOVER_EUR), b=_money(b),
                               bmax=_money(SME_MAX_BALANCE_EUR)), basis], " ")
    return UNKNOWN, msg("{name}: {emp} employees, but turnover or balance sheet unknown", name=org.name, emp=Num(emp))


def check_lead_sme(app: Application, prog: Programme) -> CheckResult:
    lead = _lead(app)
    if lead is None:
        return CheckResult("lead_sme", UNKNOWN, msg("no lead applicant chosen"))
    status, reason = sme_status(lead)
    if status == PASS and lead.group_employees is None and lead.group_turnover_eur is None:
        reason = join([reason, msg("(own figures: linked and partner enterprises not in the data)")], " ")
    return CheckResult("lead_sme", status, msg("lead applicant must be an SME (EU definition): {reason}", reason=reason))


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
        basis = msg("material {material}", material=Code(f.offer.material))
        if theme is None:
            theme = f.receiver.sector if f.receiver.sector != "other" else f.sender.sector
            basis = msg("{material} has no theme: receiver {name}'s sector", material=Code(f.offer.material),
                        name=f.receiver.name)
        votes[theme] = votes.get(theme, 0.0) + weight
        why.append(msg("{offer} -> {need}: {theme} ({basis}, weight {weight})", offer=f.offer.id, need=f.need.id,
                       theme=Code(theme), basis=basis, weight=Num(weight)))
    if not votes:
        return None, msg("no plausible flow to read a theme from")
    best = max(sorted(votes), key=lambda k: votes[k])
    return best, join(why)


def check_sector(app: Application, prog: Programme) -> CheckResult:
    if prog.sectors is None:
        return CheckResult("sector_scope", PASS, msg("the call has no sector restriction"))
    theme, why = (focus_theme(app.flows) if app.flows else (None, ""))
    source = msg("the chain's focus ({why})", why=why) if theme else ""
    if theme is None:
        theme, source = app.sector, msg("the chain's stated sector") if app.sector else ""
    override = app.override("theme")
    if override is not None:
        note = msg("computed: {theme}", theme=Code(theme)) if theme else ""
        theme, source = override.get("value"), join([msg("set by the facilitator: {reason}",
                                                         reason=str(override.get("reason"))), note])
    if theme is None:
        return CheckResult("sector_scope", UNKNOWN, msg("the chain's theme is unknown: no plausible flow and no sector set"))
    status = PASS if theme in prog.sectors else FAIL
    return CheckResult("sector_scope", status, msg("theme {theme} from {source}; the call covers {sectors}",
                                                   theme=Code(theme), source=source,
                                                   sectors=join([Code(x) for x in prog.sectors], ", ")))


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
        return True, msg("{name} receives it, NACE {nace} ({kind}: primary production)", name=r.name, nace=r.nace,
                         kind=Code(table["nace_divisions"][r.nace[:2]]))
    words = table["feed_phrases"] + table["field_phrases"]
    hit = next((w for w in words if re.search(r"(?<!\w)" + re.escape(w), f.need.text.lower())), None)
    if r.nace:
        extra = msg("the need mentions {hit!r}, a processing step, not primary production", hit=hit) if hit else ""
        return False, join([msg("{name} receives it, NACE {nace} (not primary production)", name=r.name, nace=r.nace), extra])
    if r.primary_production or hit:
        what = msg("a primary producer") if r.primary_production else msg("its need says {hit!r} (feed or field use)", hit=hit)
        return True, msg("{name} receives it: {what}", name=r.name, what=what)
    if r.primary_production is False:
        return False, msg("{name} receives it and is not a primary producer", name=r.name)
    return None, msg("{name} receives it: NACE unknown, use not stated", name=r.name)


def check_primary(app: Application, prog: Programme) -> CheckResult:
    rule = "no_primary_production"
    producers = [msg("{name} ({kind})", name=o.name, kind=Code(kind)) for o in app.firms if (kind := primary_kind(o))]
    partners = msg("primary producers among the partners: {names} (their aid falls under the "
                   "agricultural or fishery de minimis regulation)", names=join(producers, ", ")) if producers else ""
    counted = [f for f in app.flows if f.impact.counted]
    if counted:
        verdicts = [(f, *flow_is_primary(f)) for f in counted]
        weight = {id(f): (f.impact.gross_tonnes or 1.0) for f in counted}
        total = sum(weight.values())
        primary = sum(weight[id(f)] for f, p, _ in verdicts if p)
        unknown = [f for f, p, _ in verdicts if p is None]
        why = join(msg("{offer} -> {need}: {text}", offer=f.offer.id, need=f.need.id, text=text) for f, _, text in verdicts)
        share = primary / total if total else 0.0
        status = FAIL if share >= 0.5 else UNKNOWN if unknown else PASS
        reason = msg("the focus is decided by where the flows go: {share}% of the flow is used in primary "
                     "production ({why})", share=Num(share * 100, 0), why=why)
    else:
        firm = _lead(app) if app.kind == "investment" else None
        kind = primary_kind(firm) if firm is not None else None
        status = UNKNOWN if kind is None else FAIL if kind else PASS
        nace = firm.nace or "?" if firm is not None else "?"
        reason = (msg("no plausible flow to read the focus from") if firm is None else
                  msg("the applicant {name} is a primary producer (NACE {nace})", name=firm.name, nace=nace) if kind else
                  msg("the applicant {name} is not a primary producer (NACE {nace})", name=firm.name, nace=nace)
                  if kind == "" else
                  msg("the applicant {name} may be a primary producer (NACE {nace})", name=firm.name, nace=nace))
    override = app.override("primary_production")
    if override is not None:
        status = FAIL if override.get("value") else PASS
        reason = (msg("the facilitator confirms a primary-production focus: {why} (computed: {reason})",
                      why=str(override.get("reason")), reason=reason) if override.get("value") else
                  msg("the facilitator rules out a primary-production focus: {why} (computed: {reason})",
                      why=str(override.get("reason")), reason=reason))
    return CheckResult(rule, status, join([reason, partners]))


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
            missing.append(msg("which regulation (expected {expected})", expected=Code(expected)))
        elif reg not in regs:
            missing.append(msg("a known regulation (got {reg!r})", reg=reg))
        elif reg != expected:
            missing.append(msg("a declaration under the {expected} regulation (declared under {reg})", expected=Code(expected), reg=Code(reg)))
        declared = _declared(f)
        if declared is None:
            missing.append(msg("the declaration's date"))
        elif max_age is not None and (app.as_of - declared).days > max_age:
            missing.append(msg("a current declaration (dated {day}, older than {days} days)", day=declared.isoformat(),
                               days=max_age))
        if f.de_minimis_eur is None:
            missing.append(msg("aid received in the last three years"))
        grant = app.grant_of(f.id)
        if grant is None:
            missing.append(msg("its share of the grant"))
        use = regs.get(reg if reg in regs else expected)
        ceiling = min(c for c in (use["ceiling_eur"], prog.de_minimis_ceiling_eur) if c is not None)
        if f.de_minimis_eur is not None and grant is not None:
            total = f.de_minimis_eur + grant / prog.dkk_per_eur
            ok = total <= ceiling
            if not ok:
                lower(FAIL)
            parts.append(join([msg("{name}: EUR {aid} + DKK {grant} / {rate} = EUR {total} {op} {ceiling} ({regulation})",
                                   name=f.name, aid=_money(f.de_minimis_eur), grant=_money(grant),
                                   rate=Num(prog.dkk_per_eur), total=_money(total), op="<=" if ok else ">",
                                   ceiling=_money(ceiling), regulation=use["name"]),
                               msg("missing: {what}", what=join(missing, ", ")) if missing else ""]))
        else:
            parts.append(msg("{name}: missing {what}", name=f.name, what=join(missing, ", ")))
        if missing:
            lower(UNKNOWN)
    return CheckResult("de_minimis", worst, msg("sector-relevant de minimis declaration and aid over any three years "
                                                "incl. this grant: {parts}", parts=join(parts)))


def check_grant_split(app: Application, prog: Programme) -> CheckResult:
    if not app.grants_dkk:
        return CheckResult("grant_split", PASS, msg("no per-firm grants given: the case grant is split evenly"))
    firms = {f.id for f in app.firms}
    strangers = sorted(set(app.grants_dkk) - firms)
    if strangers:
        return CheckResult("grant_split", FAIL, msg("per-firm grants name organisations that are not economic partners: "
                                                    "{ids}", ids=_names(strangers)))
    total = sum(app.grants_dkk.values())
    if app.grant_dkk is None:
        return CheckResult("grant_split", UNKNOWN, msg("per-firm grants add up to DKK {total}, the case grant is not set",
                                                      total=_money(total)))
    ok = abs(total - app.grant_dkk) < 1.0
    missing = sorted(firms - set(app.grants_dkk))
    note = msg("no grant for {ids}", ids=_names(missing)) if missing else ""
    sentence = (N_("per-firm grants add up to DKK {total}, equal to the case grant DKK {grant}") if ok else
                N_("per-firm grants add up to DKK {total}, not the case grant DKK {grant}"))
    return CheckResult("grant_split", PASS if ok else FAIL,
                       join([msg(sentence, total=_money(total), grant=_money(app.grant_dkk)), note]))


def check_difficulty(app: Application, prog: Programme) -> CheckResult:
    hit = [f.name for f in app.firms if f.in_difficulty]
    missing = [f.name for f in app.firms if f.in_difficulty is None]
    if hit:
        return CheckResult("not_in_difficulty", FAIL, msg("firm(s) in difficulty: {names}", names=_names(hit)))
    if missing:
        return CheckResult("not_in_difficulty", UNKNOWN, msg("unknown whether in difficulty: {names}", names=_names(missing)))
    return CheckResult("not_in_difficulty", PASS, msg("none of the {n} firms is in difficulty", n=len(app.firms)))


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
        out.append(CheckResult("staff_capacity", UNKNOWN, msg("wage costs applied for are not stated (hours and hourly "
                                                              "rate per firm): staff capacity cannot be checked")))
    else:
        wages = 0.0
        for org_id, row in staff.items():
            firm = next((f for f in app.firms if f.id == org_id), None)
            hours, rate = row.get("hours"), row.get("rate_dkk")
            if firm is None:
                status = FAIL
                parts.append(msg("{id} is not an economic partner", id=org_id))
                continue
            wages += (hours or 0) * (rate or 0)
            if firm.employees is None:
                status = FAIL if status == FAIL else UNKNOWN
                parts.append(msg("{name}: {hours} hours applied for, employees unknown", name=firm.name, hours=Num(hours)))
                continue
            can = firm.employees * hours_fte * months / 12
            ok = hours <= can
            status = status if ok else FAIL
            parts.append(msg("{name}: {hours} h x DKK {rate} = DKK {wages}; {fte} FTE x {per_fte} h/yr x {months}/12 = "
                             "{can} h {op} {hours} h", name=firm.name, hours=Num(hours), rate=_money(rate),
                             wages=_money(hours * rate), fte=Num(firm.employees), per_fte=Num(hours_fte),
                             months=Num(months), can=Num(can, 0), op=">=" if ok else "<"))
        if app.budget_dkk is not None and wages > app.budget_dkk:
            status = FAIL
            parts.append(msg("wages DKK {wages} exceed the budget DKK {budget}", wages=_money(wages), budget=_money(app.budget_dkk)))
        out.append(CheckResult("staff_capacity", status, msg("staff enough to carry the wage costs applied for: {parts}",
                                                             parts=join(parts))))
    newest = app.as_of.year - cap["accounts_max_age_years"]
    old = [f"{f.name} ({f.last_accounts_year})" for f in app.firms if f.last_accounts_year is not None and f.last_accounts_year < newest]
    missing = [f.name for f in app.firms if f.last_accounts_year is None]
    status = FAIL if old else UNKNOWN if missing else PASS
    out.append(CheckResult("accounts_recent", status, join([
        msg("last closed accounts no older than {year}", year=newest),
        msg("too old: {names}", names=_names(old)) if old else "",
        msg("year of the last accounts unknown: {names}", names=_names(missing)) if missing else ""])))
    negative = [msg("{name} (EUR {equity})", name=f.name, equity=_money(f.equity_eur))
                for f in app.firms if f.equity_eur is not None and f.equity_eur < 0]
    missing = [f.name for f in app.firms if f.equity_eur is None]
    status = FAIL if negative else UNKNOWN if missing else PASS
    out.append(CheckResult("economic_capacity", status, join([
        msg("economic capacity: positive equity in the last accounts"),
        msg("negative equity (losses exceed the capital): {names}", names=join(negative, ", ")) if negative else "",
        msg("equity unknown: {names}", names=_names(missing)) if missing else ""])))
    return out


# -- resource flow and effect -------------------------------------------------

def check_flows(app: Application, prog: Programme) -> list[CheckResult]:
    rules = prog.flows
    if not rules or app.kind == "investment":
        return []
    threshold = rules.get("min_link_score", 0.0)
    counted = [f for f in app.flows if f.impact.counted]
    dropped = [f"{f.sender.name} -> {f.receiver.name} ({Num(f.score, 2)})" for f in app.flows if not f.impact.counted]
    note = msg("below the threshold, not links: {links}", links=_names(dropped)) if dropped else ""
    out = []
    if not counted:
        out.append(CheckResult("resource_flow", FAIL, join([msg("no plausible resource flow between the partners: no link "
                                                               "scores at least {threshold}", threshold=Num(threshold)), note])))
    else:
        on_flow = {f.sender.id for f in counted} | {f.receiver.id for f in counted}
        passengers = [f.name for f in app.firms if f.id not in on_flow]
        status = WARN if passengers else PASS
        out.append(CheckResult("resource_flow", status, join([
            msg("{n} link(s) score at least {threshold}", n=len(counted), threshold=Num(threshold)), note,
            msg("partners on no plausible flow: {names}", names=_names(passengers)) if passengers else ""])))
    if rules.get("require_quantified_effect"):
        quantified = [f for f in counted if f.impact.tonnes is not None or f.impact.co2e is not None]
        if not quantified:
            out.append(CheckResult("effect_quantified", FAIL, msg("no plausible link carries a quantified flow (tonnes or "
                                                                  "t CO2e): the programme rejects an effect that is not quantified")))
        else:
            t = sum(f.impact.tonnes or 0.0 for f in quantified)
            c = sum(f.impact.co2e or 0.0 for f in quantified)
            nil = t <= 0 and c <= 0
            out.append(CheckResult("effect_quantified", WARN if nil else PASS, join([
                msg("{n} of {m} plausible link(s) quantified: {t} t, {c} t CO2e net of the baseline", n=len(quantified),
                    m=len(counted), t=Num(t), c=Num(c)),
                msg("nothing new: the streams are already used today") if nil else ""])))
    if rules.get("flag_energy_only") and counted and all(f.offer.material == "heat_energy" for f in counted):
        out.append(CheckResult("resource_type", WARN, msg("the only flows are energy or heat; the programme's resources "
                                                          "are materials, food, water and nutrients")))
    return out


# -- money ------------------------------------------------------------------------

def resolve_track(app: Application, prog: Programme) -> tuple[dict[str, Any] | None, str]:
    """The model inside a frame project: the one named in the application, else the one whose budget
    window holds the budget. Programmes without tracks use their own window."""
    if not prog.tracks:
        return ({"budget_dkk": prog.budget_dkk, "max_aid_intensity": prog.max_aid_intensity}, "")
    named = app.inputs.get("track")
    if named in prog.tracks:
        return prog.tracks[named], msg("{track} (named in the application)", track=prog.tracks[named]["name"])
    if app.budget_dkk is not None:
        for t in prog.tracks.values():
            w = t["budget_dkk"]
            if w["min"] <= app.budget_dkk <= w["max"]:
                return t, msg("{track} (the budget's window)", track=t["name"])
    return None, msg("the application names no model (track: {tracks})", tracks=_names(list(prog.tracks)))


def check_budget(app: Application, prog: Programme) -> list[CheckResult]:
    out = []
    track, which = resolve_track(app, prog)
    if track is None:
        out.append(CheckResult("budget_window", UNKNOWN, which))
    window, cap = (track or {}).get("budget_dkk"), (track or {}).get("max_aid_intensity")
    def prefixed(text: Any) -> Any:
        return join([which, text], ": ") if which else text

    if window:
        lo, hi = window["min"], window["max"]
        if app.budget_dkk is None:
            out.append(CheckResult("budget_window", UNKNOWN, prefixed(msg("no budget set; the call allows DKK {lo}-{hi}",
                                                                          lo=_money(lo), hi=_money(hi)))))
        else:
            ok = lo <= app.budget_dkk <= hi
            status = PASS if ok else WARN if window.get("approximate") else FAIL
            level = (msg("(written 'at the level of': a guide the facilitator may accept with a reason)")
                     if window.get("approximate") and not ok else "")
            sentence = N_("budget DKK {budget} inside DKK {lo}-{hi}") if ok else N_("budget DKK {budget} outside DKK {lo}-{hi}")
            out.append(CheckResult("budget_window", status, prefixed(join([
                msg(sentence, budget=_money(app.budget_dkk), lo=_money(lo), hi=_money(hi)), level], " "))))
    if cap is not None:
        if app.budget_dkk is None or app.grant_dkk is None or app.budget_dkk <= 0:
            out.append(CheckResult("aid_intensity", UNKNOWN, msg("budget and grant needed; cap {cap}%", cap=Num(cap * 100, 0))))
        else:
            share = app.grant_dkk / app.budget_dkk
            ok = share <= cap + 1e-12
            out.append(CheckResult("aid_intensity", PASS if ok else FAIL,
                                   msg("grant DKK {grant} / budget DKK {budget} = {share}% {op} cap {cap}%",
                                       grant=_money(app.grant_dkk), budget=_money(app.budget_dkk), share=Num(share * 100, 1),
                                       op="<=" if ok else ">", cap=Num(cap * 100, 0))))
    guide = prog.grant_per_firm_guide_dkk
    if guide is not None:
        grants = {f.name: app.grant_of(f.id) for f in app.firms}
        if not grants or any(g is None for g in grants.values()):
            out.append(CheckResult("grant_per_firm", UNKNOWN, msg("no grant set; the model gives about DKK {guide} per firm",
                                                                  guide=_money(guide))))
        else:
            over = {n: g for n, g in grants.items() if g > guide}
            detail = join((msg("{name} DKK {grant}", name=n, grant=_money(g)) for n, g in grants.items()), ", ")
            sentence = (N_("grant per firm ({detail}) above the guide of about DKK {guide}") if over else
                        N_("grant per firm ({detail}) within the guide of about DKK {guide}"))
            out.append(CheckResult("grant_per_firm", WARN if over else PASS, join([
                msg(sentence, detail=detail, guide=_money(guide)),
                msg("a guide, not a cap: the purpose is to find the partners") if over else ""])))
    return out


# -- investment ---------------------------------------------------------------------

def score_problems(scores: dict[str, Any]) -> list[str]:
    """A score is a number from 0 to 5 under a known name; '9 of 5' is an error."""
    problems = [msg("unknown score {key!r} (known: {known})", key=k, known=_names(list(SCORE_KEYS)))
                for k in scores if k not in SCORE_KEYS]
    for k, v in scores.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 5:
            problems.append(msg("score {key} must be a number from 0 to 5, got {got!r}", key=k, got=v))
    return problems


def region_of(org: Organisation) -> str | None:
    place = postcodes().get(org.postcode)
    return place.region if place else None


def check_investment(app: Application, prog: Programme) -> list[CheckResult]:
    rules = prog.investment
    if not rules:
        return []
    out = []
    for attr, key, sentence in (("employees", "min_employees", N_("at least {need} full-time employees per firm")),
                                ("closed_financial_years", "min_closed_financial_years",
                                 N_("at least {need} closed financial years per firm"))):
        need = rules[key]
        missing = [f.name for f in app.firms if getattr(f, attr) is None]
        short = [f"{f.name} ({Num(getattr(f, attr))})" for f in app.firms
                 if getattr(f, attr) is not None and getattr(f, attr) < need]
        status = FAIL if short else UNKNOWN if missing else PASS
        out.append(CheckResult(key, status, join([msg(sentence, need=Num(need)),
                                                  msg("too few: {names}", names=_names(short)) if short else "",
                                                  msg("unknown: {names}", names=_names(missing)) if missing else ""])))
    bad = score_problems(app.scores)
    if bad:
        out.append(CheckResult("scores_valid", FAIL, join(bad)))
    focus = app.scores.get("circular_focus")
    need = rules["min_circular_focus"]
    if focus is None or bad:
        out.append(CheckResult("circular_focus", UNKNOWN, msg("circular focus not scored (0-5, minimum {need})", need=Num(need))))
    else:
        ok = focus >= need
        out.append(CheckResult("circular_focus", PASS if ok else FAIL,
                               msg("circular focus {score} of 5 >= minimum {need}", score=Num(focus), need=Num(need)) if ok else
                               msg("circular focus {score} of 5 < minimum {need}: a rejection whatever the other scores",
                                   score=Num(focus), need=Num(need))))
    missing_scores = [k for k in SCORE_KEYS[1:] if k not in app.scores]
    if missing_scores and not bad:
        out.append(CheckResult("investment_scores", UNKNOWN, msg("not scored yet (0-5): {names}",
                                                                 names=join([Code(k) for k in missing_scores], ", "))))
    inv = app.inputs.get("investment") or {}
    kind = inv.get("kind")
    if kind is None:
        out.append(CheckResult("production_equipment", UNKNOWN, msg("what the investment buys is not stated (kind: {kinds})",
                                                                    kinds=_names(rules["eligible_kinds"] + rules["ineligible_kinds"]))))
    else:
        ok = kind in rules["eligible_kinds"]
        what = kind.replace("_", " ")
        out.append(CheckResult("production_equipment", PASS if ok else FAIL,
                               msg("investment in {what}: integrated in commercial operation", what=what) if ok else
                               msg("investment in {what}: test or demonstration kit is not eligible; the investment must be "
                                   "production equipment or facilities", what=what)))
    out.append(_check_period(inv, rules, prog))
    out.append(_investment_budget(app, inv, rules))
    return out


def _check_period(inv: dict[str, Any], rules: dict[str, Any], prog: Programme) -> CheckResult:
    try:
        start = date.fromisoformat(inv["start"]) if inv.get("start") else None
        end = date.fromisoformat(inv["end"]) if inv.get("end") else None
    except (TypeError, ValueError):
        return CheckResult("within_period", FAIL, msg("start and end must be dates YYYY-MM-DD"))
    if start is None or end is None:
        return CheckResult("within_period", UNKNOWN, msg("the investment's start and end dates are not stated"))
    months = (end.year - start.year) * 12 + end.month - start.month + (end.day > start.day)
    limit = prog.duration_months
    period_end = date.fromisoformat(rules["period_end"]) if rules.get("period_end") else None
    late = period_end is not None and end > period_end
    ok = end >= start and (limit is None or months <= limit) and not late
    reason = join([msg("investment {start} to {end} ({months} months); the period allows {limit} months", start=start.isoformat(),
                       end=end.isoformat(), months=months, limit=limit),
                   msg("and ends {day}", day=period_end.isoformat()) if period_end else ""], " ")
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
        return CheckResult("investment_budget", UNKNOWN, msg("budget line {line} ({region}); investment cost and grant needed "
                                                             "for the share of private investment",
                                                             line=line[1] if line else "?", region=region or "?"))
    private = (cost - app.grant_dkk) / cost
    status = PASS if 0 <= private <= 1 else FAIL
    return CheckResult("investment_budget", status, msg("budget line {line} ({region}); investment DKK {cost}, grant DKK {grant}: "
                                                        "private investment {share}%", line=line[1] if line else "?",
                                                        region=region, cost=_money(cost), grant=_money(app.grant_dkk),
                                                        share=Num(private * 100, 0)))


# -- all checks -------------------------------------------------------------------

def _accepted(app: Application, result: CheckResult) -> CheckResult:
    """A facilitator may accept a warning (never a fail) with a reason."""
    ov = app.override(result.rule)
    if result.status == WARN and ov and ov.get("accept") and ov.get("reason"):
        return CheckResult(result.rule, PASS, join([result.reason, msg("accepted by the facilitator: {reason}",
                                                                       reason=str(ov["reason"]))]))
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


# Checks only an application can answer: a proposal found in the data states no staff hours,
# investment, scores or period, so these stay "unknown" until a facilitator fills them in.
APPLICATION_INPUTS = frozenset({"staff_capacity", "investment_budget", "investment_scores", "scores_valid",
                                "circular_focus", "production_equipment", "within_period"})


def ready_but_for_application(results: list[CheckResult]) -> bool:
    """Every check passes except those that wait for the application's own inputs."""
    return all(r.status == PASS or r.status == UNKNOWN and r.rule in APPLICATION_INPUTS for r in results) \
        and any(r.status == UNKNOWN for r in results)


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
