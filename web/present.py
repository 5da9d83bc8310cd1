"""Turning domain objects into what pages and the API show (one place for both)."""

from __future__ import annotations

from matchmaker.model import HIERARCHY_NAMES, Organisation, Stream
from matchmaker.reference import ewc_codes, postcodes
from matchmaker.trust.access import World


def org_view(o: Organisation) -> dict:
    place = postcodes()[o.postcode]
    return {"id": o.id, "name": o.name, "kind": o.kind, "sector": o.sector, "postcode": o.postcode,
            "city": place.city, "region": place.region, "cvr": o.cvr, "nace": o.nace, "employees": o.employees,
            "turnover_eur": o.turnover_eur, "balance_sheet_eur": o.balance_sheet_eur, "founded_year": o.founded_year,
            "closed_financial_years": o.closed_financial_years, "in_difficulty": o.in_difficulty,
            "primary_production": o.primary_production, "de_minimis_eur": o.de_minimis_eur,
            "competences": o.competences, "profile": o.profile, "invented": o.invented}


def stream_view(s: Stream, orgs: dict[str, Organisation]) -> dict:
    owner = orgs.get(s.org_id)
    code = ewc_codes().get(s.ewc) if s.ewc else None
    return {"id": s.id, "org_id": s.org_id, "org_name": owner.name if owner else None, "direction": s.direction,
            "title": s.title, "description": s.description, "language": s.language, "material": s.material,
            "ewc": s.ewc, "ewc_description": code.description if code else None,
            "hazardous": bool(code and code.hazardous), "quantity": s.quantity, "unit": s.unit,
            "availability": s.availability, "months": s.months, "interval_days": s.interval_days,
            "price_dkk_per_unit": s.price_dkk_per_unit, "treatment_cost_dkk_per_unit": s.treatment_cost_dkk_per_unit,
            "fate": s.fate, "hierarchy": HIERARCHY_NAMES.get(s.hierarchy_level) if s.hierarchy_level else None,
            "confidentiality": s.confidentiality, "region": postcodes()[owner.postcode].region if owner else None}


def shown_match_view(shown: dict, stream_id: str | None, world: World, status: str = "suggested") -> dict:
    """A match the viewer may see (already through trust.access.visible), seen from one
    side: the counterpart and the reasons."""
    other_id = shown["need_id"] if shown["offer_id"] in (stream_id, "query") else shown["offer_id"]
    other = world.streams[other_id]
    return {**shown, "other": {**stream_view(other, world.orgs), "anonymised": other_id in world.approx},
            "status": status}

