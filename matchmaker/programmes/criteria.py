"""The selection criteria as the operator scores them: an assessment per case.

Closing Loops 2.0 weighs four criteria equally (effect, value-chain quality,
feasibility, implementation and scaling); CØ Investering scores three (circular
focus, commercial investment, maturity). The criteria and their evidence items
are data (data/programmes/common/criteria.json). For each item the data prefills
what it can show (met, missing) and marks the rest unknown; the facilitator
completes it in the application's inputs:

    "criteria": {"effect": {"score": 4, "evidence": {"effect_chain": true}, "note": "..."}}

`assess(app, prog)` returns an `Assessment`; a criterion's score is the
facilitator's (0-5) when given, and an indicative score (5 x met / items) is
always shown beside it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from matchmaker.errors import MatchmakerError
from matchmaker.i18n import Code, Num, join, msg
from matchmaker.programmes import rules
from matchmaker.programmes.rules import FAIL, PASS, UNKNOWN, Application, CheckResult, Programme

MET, MISSING = "met", "missing"


@dataclass
class Evidence:
    key: str
    text: str
    text_da: str
    status: str                 # met, missing or unknown
    source: str                 # data, facilitator or none
    note: str = ""


@dataclass
class Criterion:
    key: str
    name: str
    name_da: str
    evidence: list[Evidence]
    score: float | None          # the facilitator's score (0-5), None until scored
    indicative: float            # 5 x met / items, from what is known
    gaps: list[str] = field(default_factory=list)
    min_score: float | None = None
    note: str = ""


@dataclass
class Assessment:
    programme: str
    kind: str                    # four_criteria or investment
    criteria: list[Criterion]
    total: float | None          # mean of the scores (equal weight) once every criterion is scored
    complete: bool
    rejected: bool = False       # investment: circular focus below its minimum

    @property
    def gaps(self) -> list[str]:
        return [f"{c.name}: {g}" for c in self.criteria for g in c.gaps]

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["gaps"] = self.gaps
        return out


def criteria_problems(doc: Any) -> list[str]:
    """What is wrong with the facilitator's criteria inputs (unknown criterion, a score off the scale)."""
    if doc is None:
        return []
    if not isinstance(doc, dict):
        return ["'criteria' must be an object keyed by criterion"]
    table = rules.common("criteria")
    known = {c["key"]: {i["key"] for i in c["items"]} for c in table["criteria"] + table["investment_criteria"]}
    lo, hi = table["scale"]
    problems = []
    for key, entry in doc.items():
        if key not in known:
            problems.append(f"unknown criterion {key!r} (known: {', '.join(known)})")
            continue
        if not isinstance(entry, dict):
            problems.append(f"criterion {key!r} must be an object")
            continue
        score = entry.get("score")
        if score is not None and (isinstance(score, bool) or not isinstance(score, (int, float)) or not lo <= score <= hi):
            problems.append(f"criterion {key}: score must be a number from {lo} to {hi}, got {score!r}")
        for item, value in (entry.get("evidence") or {}).items():
            if item not in known[key]:
                problems.append(f"criterion {key}: unknown evidence item {item!r}")
            elif not isinstance(value, bool):
                problems.append(f"criterion {key}: evidence {item!r} must be true or false")
    return problems


def _status(result: CheckResult | None) -> str:
    if result is None:
        return UNKNOWN
    return MET if result.status in (PASS, rules.WARN) else MISSING if result.status == FAIL else UNKNOWN


def _prefill(app: Application, checks: dict[str, CheckResult]) -> dict[str, tuple[str, str]]:
    """What the data shows, per evidence item: (status, note)."""
    counted = [f for f in app.flows if f.impact.counted]
    tonnes = sum(f.impact.tonnes or 0.0 for f in counted)
    co2e = [f for f in counted if f.impact.co2e is not None]
    out: dict[str, tuple[str, str]] = {}
    if counted:
        out["tonnes_quantified"] = (MET, msg("{t} t net of the baseline", t=Num(tonnes))) if any(
            f.impact.tonnes is not None for f in counted) else (MISSING, msg("no plausible link has a flow in tonnes"))
        out["co2e_quantified"] = (MET, msg("{c} t CO2e with cited factors", c=Num(sum(f.impact.co2e for f in co2e)))) \
            if co2e else (MISSING, msg("no emission factor applies to the quantified flows"))
        unknown_base = [f.offer.id for f in counted if f.offer.fate is None]
        out["baseline"] = (MISSING, msg("today's fate not stated for {ids}", ids=", ".join(unknown_base))) if unknown_base \
            else (MET, msg("today's fate stated for every offered stream: {fates}", fates=join(
                (join([f.offer.id, Code(f.offer.fate)], " ") for f in counted), ", ")))
        out["calculation"] = (MET, msg("each figure lists its assumptions and factor source")) if co2e else \
            (MISSING, msg("no calculation without a quantified flow"))
        on_flow = {f.sender.id for f in counted} | {f.receiver.id for f in counted}
        loose = [f.name for f in app.firms if f.id not in on_flow]
        out["effect_chain"] = (UNKNOWN, msg("partners on no plausible flow: {names}", names=", ".join(loose))) if loose else \
            (UNKNOWN, msg("every partner is on a plausible flow; the facilitator judges the effect chain"))
        up = [f for f in counted if f.impact.level_from and f.impact.level_to and f.impact.level_from != f.impact.level_to]
        out["waste_hierarchy"] = (MET, join(join([f"{f.offer.id}:", Code(f.impact.level_from), "->", Code(f.impact.level_to)], " ")
                                            for f in up)) \
            if up else (UNKNOWN if any(f.offer.fate is None for f in counted) else MISSING,
                        msg("no stream moves up the waste hierarchy") if all(f.offer.fate for f in counted)
                        else msg("today's fate unknown"))
    out["resource_flow"] = (_status(checks.get("resource_flow")), checks["resource_flow"].reason) \
        if "resource_flow" in checks else (UNKNOWN, msg("not checked"))
    budget = [checks[k] for k in ("budget_window", "aid_intensity", "staff_capacity") if k in checks]
    if budget:
        worst = FAIL if any(c.status == FAIL for c in budget) else UNKNOWN if any(c.status == UNKNOWN for c in budget) else PASS
        out["budget"] = (_status(CheckResult("budget", worst, "")), join(join([Code(c.rule), Code(c.status)], " ") for c in budget))
    inv = app.inputs.get("investment") or {}
    if "production_equipment" in checks:
        out["production_equipment"] = (_status(checks["production_equipment"]), checks["production_equipment"].reason)
    if "within_period" in checks:
        out["within_period"] = (_status(checks["within_period"]), checks["within_period"].reason)
    stage = inv.get("stage")
    if stage:
        ok = stage in ("developed", "tested", "demonstrated")
        out["developed_tested"] = (MET if ok else MISSING, msg("stage: {stage}", stage=str(stage)))
    return out


def assess(app: Application, prog: Programme, checks: list[CheckResult] | None = None) -> Assessment:
    """The criteria assessment of an application under a programme (checks are run if not given)."""
    table = rules.common("criteria")
    investment = prog.investment is not None
    defs = table["investment_criteria"] if investment else table["criteria"]
    by_rule = {c.rule: c for c in (checks if checks is not None else rules.check(app, prog))}
    prefill = _prefill(app, by_rule)
    given = app.inputs.get("criteria") or {}
    bad = criteria_problems(given)
    if bad:
        raise MatchmakerError("bad criteria inputs: " + "; ".join(bad))
    criteria = []
    for d in defs:
        entry = given.get(d["key"]) or {}
        stated = entry.get("evidence") or {}
        evidence = []
        for item in d["items"]:
            if item["key"] in stated:
                status, source, note = (MET if stated[item["key"]] else MISSING), "facilitator", ""
                if item["key"] in prefill and prefill[item["key"]][0] != status:
                    note = msg("the data says {status}: {note}", status=Code(prefill[item["key"]][0]), note=prefill[item["key"]][1])
            elif item["key"] in prefill:
                status, note = prefill[item["key"]]
                source = "data" if status != UNKNOWN else "none"
            else:
                status, source, note = UNKNOWN, "none", msg("the data cannot show this: the facilitator completes it")
            evidence.append(Evidence(item["key"], item["text"], item["text_da"], status, source, note))
        met = sum(e.status == MET for e in evidence)
        gaps = [msg("{item} (missing)", item=e.text) if e.status == MISSING else
                msg("{item} (not yet documented)", item=e.text) for e in evidence if e.status != MET]
        score = entry.get("score")
        if investment and score is None and d["key"] in app.scores:
            score = app.scores[d["key"]]
        if score is None:
            gaps.append(msg("not scored yet (0-5)"))
        criteria.append(Criterion(d["key"], d["name"], d["name_da"], evidence, score,
                                  round(5 * met / len(evidence), 1) if evidence else 0.0, gaps,
                                  d.get("min_score"), str(entry.get("note") or "")))
    scored = [c.score for c in criteria if c.score is not None]
    complete = len(scored) == len(criteria)
    rejected = any(c.min_score is not None and c.score is not None and c.score < c.min_score for c in criteria)
    total = round(sum(scored) / len(scored), 2) if complete else None
    return Assessment(prog.id, "investment" if investment else "four_criteria", criteria, total, complete, rejected)
