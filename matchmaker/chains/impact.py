"""Impact of a chain in the programme's KPIs, with its assumptions spelt out.

Per link: the flow is bounded by both the offered and the needed quantity;
pieces become tonnes with the material's documented mass per piece
(data/materials.csv); the baseline is netted (a stream that is already sold,
recycled or fed to animals earns little or no credit, data/impact_rules.json);
a reuse use takes the reuse factor, and above a recycling baseline only reuse
minus recycling; t CO2e avoided = credited tonnes x the emission factor
(data/emission_factors.csv, with its low-high range) minus road transport.

Per chain (`chain_impact`): links below the programme's plausibility threshold
are not links and count nothing, and along a path a tonne that a firm received
and passes on is counted once.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from matchmaker.materials import as_tonnes, materials
from matchmaker.model import HIERARCHY_NAMES, RAW_MATERIAL_LEVEL, Organisation, Stream
from matchmaker.paths import DATA_DIR

TRUCK_T_CO2E_PER_TKM = 0.0001  # ~100 g CO2e per tonne-km, articulated diesel truck (screening value)
REUSE_LEVEL = 4                # preparing for re-use on the waste hierarchy
REUSE_SUFFIX = "_reuse"        # emission_factors.csv row for the reuse of a material


@dataclass(frozen=True)
class Factor:
    material: str
    unit: str
    central: float
    low: float
    high: float
    source: str


@lru_cache(maxsize=4)
def emission_factors(path: Path | None = None) -> dict[str, Factor]:
    path = path or DATA_DIR / "emission_factors.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        return {r["material"]: Factor(r["material"], r["unit"], float(r["factor_t_co2e_per_unit"]),
                                      float(r["low"]), float(r["high"]), r["source"])
                for r in csv.DictReader(fh)}


@lru_cache(maxsize=1)
def impact_rules() -> dict:
    return json.loads((DATA_DIR / "impact_rules.json").read_text(encoding="utf-8"))


@dataclass
class LinkImpact:
    offer_id: str
    need_id: str
    flow: float | None          # in the link's unit
    unit: str | None
    tonnes: float | None        # credited as residual used as raw material (net of baseline and double counting)
    co2e: float | None
    co2e_low: float | None
    co2e_high: float | None
    km: float | None
    level_from: str | None
    level_to: str | None
    assumptions: list[str] = field(default_factory=list)
    gross_tonnes: float | None = None   # the physical flow in tonnes, before the baseline
    use: str = "recycling"              # reuse or recycling (raw material)
    baseline: str = "unknown"           # today's fate of the offered stream
    counted: bool = True                # False: below the plausibility threshold, not a link
    score: float | None = None


def _phrase_hit(text: str, phrases: list[str]) -> str | None:
    low = text.lower()
    return next((p for p in phrases if re.search(r"(?<!\w)" + re.escape(p.lower()), low)), None)


def use_of(need: Stream, receiver: Organisation | None = None) -> tuple[str, str]:
    """Is the receiving activity reuse (preparing for re-use) or use as raw material? With the reason."""
    rules = impact_rules()
    nace = receiver.nace if receiver is not None and receiver.nace else ""
    prefix = next((p for p in rules["reuse_nace_prefixes"] if nace.startswith(p)), None)
    if prefix:
        return "reuse", f"receiver's NACE {nace} is a repair/reuse activity"
    hit = _phrase_hit(need.text, rules["reuse_phrases"])
    if hit:
        return "reuse", f"the need says {hit!r}"
    return "recycling", "used as raw material"


def link_impact(offer: Stream, need: Stream, km: float | None, factors: dict[str, Factor] | None = None,
                receiver: Organisation | None = None) -> LinkImpact:
    notes: list[str] = []
    flow = unit = None
    if offer.quantity and need.quantity and offer.unit == need.unit:
        flow, unit = min(offer.quantity, need.quantity), offer.unit
        notes.append(f"flow = min(offered {offer.quantity:g}, needed {need.quantity:g}) = {flow:g} {unit}")
    elif offer.quantity and need.quantity:
        notes.append(f"units differ ({offer.unit} vs {need.unit}): flow not quantified")
    else:
        notes.append("a quantity is missing: flow not quantified")
    mat = materials()[offer.material]
    tonnes = as_tonnes(flow, unit, offer.material)
    if tonnes is not None and unit == "m3/yr":
        notes.append("1 m3 counted as 1 t (liquid close to water's density)")
    if flow is not None and unit == "pieces/yr":
        if mat.mass_per_piece_t:
            tonnes = flow * mat.mass_per_piece_t
            notes.append(f"{flow:g} pieces x {mat.mass_per_piece_t * 1000:g} kg per piece of {offer.material} "
                         f"(data/materials.csv) = {tonnes:g} t")
        else:
            notes.append(f"no documented mass per piece of {offer.material}: pieces not converted to tonnes")
    factors = factors if factors is not None else emission_factors()
    use, why_use = use_of(need, receiver)
    fate = offer.fate or "unknown"
    base = impact_rules()["baseline"][fate]
    factor = factors.get(mat.emission_factor)
    reuse_factor = factors.get(mat.emission_factor + REUSE_SUFFIX) if use == "reuse" else None
    share = (base["share"], base["low"], base["high"])
    if use == "reuse" and fate == "recycling" and reuse_factor and factor:
        # reuse above recycling: only the step up from today's recycling earns credit
        c = (reuse_factor.central - factor.central, max(0.0, reuse_factor.low - factor.high), reuse_factor.high - factor.low)
        notes.append(f"reuse ({why_use}) of a stream recycled today: credit = reuse {reuse_factor.central:g} minus "
                     f"recycling {factor.central:g} t CO2e/t (range {c[1]:g}-{c[2]:g})")
        share = (1.0, 1.0, 1.0)
        factor_used = Factor(reuse_factor.material, reuse_factor.unit, *c, reuse_factor.source + "; minus " + factor.source)
    else:
        factor_used = reuse_factor or factor
        if reuse_factor:
            notes.append(f"reuse ({why_use}): reuse factor {reuse_factor.central:g} t CO2e/t")
        if fate != "unknown" or base["low"] != 1.0:
            notes.append(f"baseline {fate}: {base['why']}; credit share {share[0]:g} (range {share[1]:g}-{share[2]:g})")
    credited = None if tonnes is None else tonnes * share[0]
    co2e = low = high = None
    basis = (lambda s: None if tonnes is None else tonnes * s) if factor_used and factor_used.unit == "t" else \
        (lambda s: None if flow is None or not (unit and factor_used and unit.startswith(factor_used.unit)) else flow * s)
    if factor_used and basis(1.0) is not None:
        transport = (tonnes or 0.0) * (km or 0.0) * TRUCK_T_CO2E_PER_TKM
        co2e = basis(share[0]) * factor_used.central - transport
        low = basis(share[1]) * factor_used.low - transport
        high = basis(share[2]) * factor_used.high - transport
        notes.append(f"{factor_used.central:g} t CO2e per {factor_used.unit} of {offer.material} ({factor_used.source}); "
                     f"range {factor_used.low:g}-{factor_used.high:g}")
        if transport:
            notes.append(f"minus road transport {transport:.1f} t CO2e ({km:.0f} km x {TRUCK_T_CO2E_PER_TKM * 1000:g} kg/tkm)")
    elif factor_used is None:
        notes.append(f"no emission factor for {offer.material}")
    level = offer.hierarchy_level
    new_level = REUSE_LEVEL if use == "reuse" else RAW_MATERIAL_LEVEL
    level_to = HIERARCHY_NAMES[max(new_level, level or 0)] if level else None
    return LinkImpact(offer.id, need.id, flow, unit, _r(credited), _r(co2e), _r(low), _r(high), km,
                      HIERARCHY_NAMES.get(level) if level else None, level_to, notes, _r(tonnes), use, fate)


def chain_impact(links: list, streams: dict[str, Stream], orgs: dict[str, Organisation], kms: list[float | None],
                 min_score: float | None = None, factors: dict[str, Factor] | None = None) -> list[LinkImpact]:
    """Impact per link of a chain (links in flow order, each with offer_id, need_id, from_org, to_org, score).

    A link scored below `min_score` is no link: it counts nothing. A firm that passes on
    tonnes it received passes counted tonnes first: only the rest is counted again.
    """
    out: list[LinkImpact] = []
    held: dict[str, float] = {}   # counted tonnes a firm received and has not passed on
    for link, km in zip(links, kms):
        li = link_impact(streams[link.offer_id], streams[link.need_id], km, factors, orgs.get(link.to_org))
        li.score = round(float(link.score), 4)
        if min_score is not None and link.score < min_score:
            li.counted = False
            li.assumptions.insert(0, f"not counted: link score {link.score:.2f} is below the plausibility threshold "
                                     f"{min_score:g}, so this is not a resource flow")
            li.tonnes = li.co2e = li.co2e_low = li.co2e_high = None
            out.append(li)
            continue
        if li.gross_tonnes:
            already = min(li.gross_tonnes, held.get(link.from_org, 0.0))
            if already > 0:
                keep = (li.gross_tonnes - already) / li.gross_tonnes
                held[link.from_org] -= already
                li.assumptions.append(f"{already:g} t of this flow were counted on the way into {link.from_org}: "
                                      f"only {li.gross_tonnes - already:g} t counted here (never the same tonne twice)")
                li.tonnes = _r((li.tonnes or 0.0) * keep)
                li.co2e, li.co2e_low, li.co2e_high = (None if x is None else _r(x * keep)
                                                       for x in (li.co2e, li.co2e_low, li.co2e_high))
            held[link.to_org] = held.get(link.to_org, 0.0) + li.gross_tonnes
        out.append(li)
    return out


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 1)


def totals(links: list[LinkImpact]) -> dict:
    counted = [li for li in links if li.counted]

    def total(attr: str, among: list[LinkImpact]) -> float:
        return round(sum(getattr(li, attr) or 0.0 for li in among), 1)
    return {"tonnes": total("tonnes", counted), "co2e": total("co2e", counted), "co2e_low": total("co2e_low", counted),
            "co2e_high": total("co2e_high", counted), "km": total("km", counted),
            "gross_tonnes": total("gross_tonnes", counted),
            "links_quantified": sum(li.tonnes is not None or li.co2e is not None for li in counted),
            "links": len(links), "links_counted": len(counted)}
