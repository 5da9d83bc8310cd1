"""Search: 'Who can use my residual stream?' (or 'Who can supply what I need?')."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from matchmaker.matching.index import query_stream
from matchmaker.model import MATERIALS, UNITS
from matchmaker.trust.access import top_visible

from .auth import current_world
from .helpers import arg_choice, arg_float, arg_int, services
from .present import shown_match_view

bp = Blueprint("search", __name__)


def search() -> tuple[dict, list[dict]]:
    """Parse the search form and match it; shared by the page and /api/search."""
    form = {"text": (request.values.get("text") or "").strip()[:2000],
            "direction": arg_choice("direction", ("offer", "need")) or "offer",
            "postcode": (request.values.get("postcode") or "").strip() or None,
            "ewc": (request.values.get("ewc") or "").strip() or None,
            "quantity": arg_float("quantity", 0, 1e12), "unit": arg_choice("unit", UNITS) or "t/yr",
            "material": arg_choice("material", MATERIALS) or "other", "top": arg_int("top", 10, 1, 50),
            "quantity_text": (request.values.get("quantity") or "").strip()[:40]}  # echoed as typed, with its reading
    form["quantity_digits"] = 0 if form["quantity"] is None or float(form["quantity"]).is_integer() else 2
    if not form["text"]:
        return form, []
    svc = services()
    world = current_world()

    def run(k: int) -> list[dict]:
        return [m.as_dict() for m in svc.index.match_text(
            form["text"], form["direction"], postcode=form["postcode"], ewc=form["ewc"],
            quantity=form["quantity"] or None, unit=form["unit"], material=form["material"], top=k,
            coarse=world.approx)]  # pseudonymous streams sit at their region's point for this searcher

    query = query_stream(form["text"], form["direction"], quantity=form["quantity"] or None, unit=form["unit"],
                         material=form["material"])
    found = top_visible(run, world, len(svc.streams), form["top"], query)
    return form, [shown_match_view(m, None, world) for m in found]


@bp.get("/")
def index():
    form, results = search()
    return render_template("search/index.html", form=form, results=results, units=UNITS)
