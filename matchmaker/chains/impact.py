"""Impact of a chain in the programme's KPIs, with its assumptions spelt out.

Per link: the flow is bounded by both the offered and the needed quantity;
tonnes count towards 'residual used as raw material'; t CO2e avoided =
flow x the emission factor of the offered material (data/emission_factors.csv,
with its low-high range) minus road transport of that flow.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from matchmaker.materials import materials
from matchmaker.model import HIERARCHY_NAMES, RAW_MATERIAL_LEVEL, Stream
from matchmaker.paths import DATA_DIR

TRUCK_T_CO2E_PER_TKM = 0.0001  # ~100 g CO2e per tonne-km, articulated diesel truck (screening value)


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


@dataclass
class LinkImpact:
    offer_id: str
    need_id: str
    flow: float | None          # in the link's unit
    unit: str | None
    tonnes: float | None        # counted as residual used as raw material
    co2e: float | None
    co2e_low: float | None
    co2e_high: float | None
    km: float | None
    level_from: str | None
    level_to: str | None
    assumptions: list[str] = field(default_factory=list)


def link_impact(offer: Stream, need: Stream, km: float | None, factors: dict[str, Factor] | None = None) -> LinkImpact:
    notes: list[str] = []
    flow = unit = None
    if offer.quantity and need.quantity and offer.unit == need.unit:
        flow, unit = min(offer.quantity, need.quantity), offer.unit
        notes.append(f"flow = min(offered {offer.quantity:g}, needed {need.quantity:g}) = {flow:g} {unit}")
    elif offer.quantity and need.quantity:
        notes.append(f"units differ ({offer.unit} vs {need.unit}): flow not quantified")
    else:
        notes.append("a quantity is missing: flow not quantified")
    tonnes = None
    if flow is not None and unit == "t/yr":
        tonnes = flow
    elif flow is not None and unit == "m3/yr" and materials()[offer.material].m3_as_tonnes:
        tonnes = flow
        notes.append("1 m3 counted as 1 t (liquid close to water's density)")
    co2e = low = high = None
    factor = (factors if factors is not None else emission_factors()).get(materials()[offer.material].emission_factor)
    basis = tonnes if factor and factor.unit == "t" else (flow if factor and unit and unit.startswith(factor.unit) else None)
    if factor and basis is not None:
        transport = (tonnes or 0.0) * (km or 0.0) * TRUCK_T_CO2E_PER_TKM
        co2e = basis * factor.central - transport
        low, high = basis * factor.low - transport, basis * factor.high - transport
        notes.append(f"{factor.central:g} t CO2e per {factor.unit} of {offer.material} ({factor.source}); "
                     f"range {factor.low:g}-{factor.high:g}")
        if transport:
            notes.append(f"minus road transport {transport:.1f} t CO2e ({km:.0f} km x {TRUCK_T_CO2E_PER_TKM * 1000:g} kg/tkm)")
    elif factor is None:
        notes.append(f"no emission factor for {offer.material}")
    level = offer.hierarchy_level
    level_to = HIERARCHY_NAMES[max(RAW_MATERIAL_LEVEL, level or 0)] if level else None
    return LinkImpact(offer.id, need.id, flow, unit, tonnes, _r(co2e), _r(low), _r(high), km,
                      HIERARCHY_NAMES.get(level) if level else None, level_to, notes)


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 1)


def totals(links: list[LinkImpact]) -> dict:
    def total(attr: str) -> float:
        return round(sum(getattr(li, attr) or 0.0 for li in links), 1)
    return {"tonnes": total("tonnes"), "co2e": total("co2e"), "co2e_low": total("co2e_low"),
            "co2e_high": total("co2e_high"), "km": total("km"),
            "links_quantified": sum(li.tonnes is not None or li.co2e is not None for li in links),
            "links": len(links)}
