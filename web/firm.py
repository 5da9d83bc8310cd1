"""For firms: 'Who can use my residual stream?' (or 'Who can supply what I need?')."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from matchmaker.matching.index import query_stream
from matchmaker.model import MATERIALS, UNITS

from .auth import current_world
from .helpers import arg_choice, arg_float, arg_int, services
from .present import match_view

bp = Blueprint("firm", __name__)


def search() -> tuple[dict, list[dict]]:
    """Parse the search form and match it; shared by the page and /api/search."""
    form = {"text": (request.values.get("text") or "").strip()[:2000],
            "direction": arg_choice("direction", ("offer", "need")) or "offer",
            "postcode": (request.values.get("postcode") or "").strip() or None,
            "ewc": (request.values.get("ewc") or "").strip() or None,
            "quantity": arg_float("quantity", 0, 1e12), "unit": arg_choice("unit", UNITS) or "t/yr",
            "material": arg_choice("material", MATERIALS) or "other", "top": arg_int("top", 10, 1, 50)}
    if not form["text"]:
        return form, []
    svc = services()
    world = current_world()
    hidden = len(svc.streams) - len(world.streams)  # ask for enough that hiding some still fills the page
    found = svc.index.match_text(form["text"], form["direction"], postcode=form["postcode"], ewc=form["ewc"],
                                 quantity=form["quantity"] or None, unit=form["unit"], material=form["material"],
                                 top=form["top"] + min(hidden, 500))
    query = query_stream(form["text"], form["direction"], quantity=form["quantity"] or None, unit=form["unit"],
                         material=form["material"])
    shown = (match_view(m.as_dict(), None, world, query) for m in found)
    return form, [m for m in shown if m is not None][:form["top"]]


@bp.get("/")
def index():
    form, results = search()
    return render_template("firm/search.html", form=form, results=results, units=UNITS)
