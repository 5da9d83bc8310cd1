"""Programme rules as data (data/programmes/*.json) and the checks of a chain against them.

Every check answers pass, fail or unknown (data missing: never a silent pass)
with a reason that names the rule and the numbers. Boundaries are as written:
EUR 300,000 of de minimis aid is allowed; 250 employees is not an SME.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from matchmaker.errors import ConfigError, NotFound
from matchmaker.model import Organisation
from matchmaker.paths import DATA_DIR

PASS, FAIL, UNKNOWN = "pass", "fail", "unknown"
SME_MAX_EMPLOYEES = 250          # fewer than 250
SME_MAX_TURNOVER_EUR = 50_000_000
SME_MAX_BALANCE_EUR = 43_000_000
KNOWN_KEYS = {"id", "name", "model", "source", "duration_months", "sectors", "min_economic_partners",
              "lead_must_be_sme", "exclude_primary_production", "de_minimis_ceiling_eur", "exclude_in_difficulty",
              "budget_dkk", "max_aid_intensity", "grant_per_firm_max_dkk", "investment", "dkk_per_eur"}


@dataclass
class Programme:
    id: str
    name: str
    model: str
    source: str
    sectors: list[str]
    min_economic_partners: int = 2
    lead_must_be_sme: bool = True
    exclude_primary_production: bool = True
    de_minimis_ceiling_eur: float | None = 300_000
    exclude_in_difficulty: bool = True
    budget_dkk: dict[str, float] | None = None
    max_aid_intensity: float | None = None
    grant_per_firm_max_dkk: float | None = None
    investment: dict[str, float] | None = None
    duration_months: int | None = None
    dkk_per_eur: float = 7.46


@dataclass
class CheckResult:
    rule: str
    status: str
    reason: str


@dataclass
class Application:
    """What is checked: the economic partners, the lead, money and (for investment) scores."""

    firms: list[Organisation]
    lead_id: str | None
    sector: str | None
    budget_dkk: float | None = None
    grant_dkk: float | None = None
    grants_dkk: dict[str, float] = field(default_factory=dict)   # per firm; else the grant is split evenly
    scores: dict[str, float] = field(default_factory=dict)       # circular_focus, commercial_investment, maturity

    def grant_of(self, org_id: str) -> float | None:
        if org_id in self.grants_dkk:
            return self.grants_dkk[org_id]
        if self.grant_dkk is None or not self.firms:
            return None
        return self.grant_dkk / len(self.firms)


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


def _money(x: float) -> str:
    return f"{x:,.0f}"


def check_partners(app: Application, prog: Programme) -> CheckResult:
    n = len(app.firms)
    status = PASS if n >= prog.min_economic_partners else FAIL
    return CheckResult("economic_partners", status,
                       f"{n} economic partner(s) (firms); the call requires at least {prog.min_economic_partners}; "
                       "knowledge institutions, clusters and hubs do not count")


def sme_status(org: Organisation) -> tuple[str, str]:
    """EU SME test on the firm's own figures (partner and linked enterprises are not in the data)."""
    if org.employees is None:
        return UNKNOWN, f"{org.name}: employees unknown"
    if org.employees >= SME_MAX_EMPLOYEES:
        return FAIL, f"{org.name}: {org.employees:g} employees, an SME has fewer than {SME_MAX_EMPLOYEES}"
    t, b = org.turnover_eur, org.balance_sheet_eur
    if (t is not None and t <= SME_MAX_TURNOVER_EUR) or (b is not None and b <= SME_MAX_BALANCE_EUR):
        which = (f"turnover EUR {_money(t)} <= {_money(SME_MAX_TURNOVER_EUR)}" if t is not None and t <= SME_MAX_TURNOVER_EUR
                 else f"balance sheet EUR {_money(b)} <= {_money(SME_MAX_BALANCE_EUR)}")
        return PASS, f"{org.name}: {org.employees:g} employees (< {SME_MAX_EMPLOYEES}) and {which}"
    if t is not None and b is not None:
        return FAIL, (f"{org.name}: turnover EUR {_money(t)} > {_money(SME_MAX_TURNOVER_EUR)} and balance sheet "
                      f"EUR {_money(b)} > {_money(SME_MAX_BALANCE_EUR)}")
    return UNKNOWN, f"{org.name}: {org.employees:g} employees, but turnover or balance sheet unknown"


def check_lead_sme(app: Application, prog: Programme) -> CheckResult:
    lead = next((f for f in app.firms if f.id == app.lead_id), None)
    if lead is None:
        return CheckResult("lead_sme", UNKNOWN, "no lead applicant chosen among the economic partners")
    status, reason = sme_status(lead)
    return CheckResult("lead_sme", status, f"lead applicant must be an SME (EU definition): {reason}")


def check_sector(app: Application, prog: Programme) -> CheckResult:
    if app.sector is None:
        return CheckResult("sector_scope", UNKNOWN, "the chain's sector is not set")
    status = PASS if app.sector in prog.sectors else FAIL
    return CheckResult("sector_scope", status, f"chain sector {app.sector}; the call covers {', '.join(prog.sectors)}")


def check_primary(app: Application, prog: Programme) -> CheckResult:
    lead = next((f for f in app.firms if f.id == app.lead_id), None)
    if lead is None or lead.primary_production is None:
        return CheckResult("no_primary_production", UNKNOWN,
                           "whether the lead applicant is a primary producer is unknown")
    if lead.primary_production:
        return CheckResult("no_primary_production", FAIL, f"lead {lead.name} is a primary producer (agriculture, "
                           "fishery or aquaculture); the focus must not be primary production")
    others = [f.name for f in app.firms if f.primary_production]
    note = f"; partners {', '.join(others)} are primary producers: keep the focus off primary production" if others else ""
    return CheckResult("no_primary_production", PASS, f"lead {lead.name} is not a primary producer{note}")


def check_de_minimis(app: Application, prog: Programme) -> CheckResult:
    ceiling = prog.de_minimis_ceiling_eur
    worst, parts = PASS, []
    for f in app.firms:
        grant = app.grant_of(f.id)
        if f.de_minimis_eur is None or grant is None:
            worst = FAIL if worst == FAIL else UNKNOWN
            parts.append(f"{f.name}: {'received aid' if f.de_minimis_eur is None else 'proposed grant'} unknown")
            continue
        total = f.de_minimis_eur + grant / prog.dkk_per_eur
        ok = total <= ceiling
        worst = worst if ok else FAIL
        parts.append(f"{f.name}: EUR {_money(f.de_minimis_eur)} + DKK {_money(grant)} / {prog.dkk_per_eur} = "
                     f"EUR {_money(total)} {'<=' if ok else '>'} {_money(ceiling)}")
    return CheckResult("de_minimis", worst, "de minimis over three years incl. this grant: " + "; ".join(parts))


def check_difficulty(app: Application, prog: Programme) -> CheckResult:
    hit = [f.name for f in app.firms if f.in_difficulty]
    missing = [f.name for f in app.firms if f.in_difficulty is None]
    if hit:
        return CheckResult("not_in_difficulty", FAIL, f"firm(s) in difficulty: {', '.join(hit)}")
    if missing:
        return CheckResult("not_in_difficulty", UNKNOWN, f"unknown whether in difficulty: {', '.join(missing)}")
    return CheckResult("not_in_difficulty", PASS, f"none of the {len(app.firms)} firms is in difficulty")


def check_budget(app: Application, prog: Programme) -> list[CheckResult]:
    out = []
    if prog.budget_dkk:
        lo, hi = prog.budget_dkk["min"], prog.budget_dkk["max"]
        if app.budget_dkk is None:
            out.append(CheckResult("budget_window", UNKNOWN, f"no budget set; the call allows DKK {_money(lo)}-{_money(hi)}"))
        else:
            ok = lo <= app.budget_dkk <= hi
            out.append(CheckResult("budget_window", PASS if ok else FAIL,
                                   f"budget DKK {_money(app.budget_dkk)} {'inside' if ok else 'outside'} DKK {_money(lo)}-{_money(hi)}"))
    if prog.max_aid_intensity is not None:
        if app.budget_dkk is None or app.grant_dkk is None or app.budget_dkk <= 0:
            out.append(CheckResult("aid_intensity", UNKNOWN, f"budget and grant needed; cap {prog.max_aid_intensity:.0%}"))
        else:
            share = app.grant_dkk / app.budget_dkk
            ok = share <= prog.max_aid_intensity + 1e-12
            out.append(CheckResult("aid_intensity", PASS if ok else FAIL,
                                   f"grant DKK {_money(app.grant_dkk)} / budget DKK {_money(app.budget_dkk)} = {share:.1%} "
                                   f"{'<=' if ok else '>'} cap {prog.max_aid_intensity:.0%}"))
    if prog.grant_per_firm_max_dkk is not None:
        grants = {f.name: app.grant_of(f.id) for f in app.firms}
        if not grants or any(g is None for g in grants.values()):
            out.append(CheckResult("grant_per_firm", UNKNOWN,
                                   f"no grant set; the model gives about DKK {_money(prog.grant_per_firm_max_dkk)} per firm"))
        else:
            over = {n: g for n, g in grants.items() if g > prog.grant_per_firm_max_dkk}
            detail = ", ".join(f"{n} DKK {_money(g)}" for n, g in grants.items())
            out.append(CheckResult("grant_per_firm", FAIL if over else PASS,
                                   f"grant per firm ({detail}) {'exceeds' if over else 'within'} DKK {_money(prog.grant_per_firm_max_dkk)}"))
    return out


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
    focus = app.scores.get("circular_focus")
    need = rules["min_circular_focus"]
    if focus is None:
        out.append(CheckResult("circular_focus", UNKNOWN, f"circular focus not scored (0-5, minimum {need:g})"))
    else:
        ok = focus >= need
        out.append(CheckResult("circular_focus", PASS if ok else FAIL,
                               f"circular focus {focus:g} of 5 {'>=' if ok else '<'} minimum {need:g}"
                               + ("" if ok else ": a rejection whatever the other scores")))
    return out


def check(app: Application, prog: Programme) -> list[CheckResult]:
    results = [check_partners(app, prog)]
    if prog.lead_must_be_sme:
        results.append(check_lead_sme(app, prog))
    results.append(check_sector(app, prog))
    if prog.exclude_primary_production:
        results.append(check_primary(app, prog))
    if prog.de_minimis_ceiling_eur is not None:
        results.append(check_de_minimis(app, prog))
    if prog.exclude_in_difficulty:
        results.append(check_difficulty(app, prog))
    return results + check_budget(app, prog) + check_investment(app, prog)


def overall(results: list[CheckResult]) -> str:
    statuses = {r.status for r in results}
    return FAIL if FAIL in statuses else UNKNOWN if UNKNOWN in statuses else PASS


def as_dicts(results: list[CheckResult]) -> list[dict[str, Any]]:
    return [r.__dict__.copy() for r in results]
