"""Search: 'Who can use my residual stream?' (or 'Who can supply what I need?')."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from matchmaker.errors import MatchmakerError
from matchmaker.matching.index import query_stream
from matchmaker.model import MATERIALS, UNITS
from matchmaker.trust import alerts
from matchmaker.trust.access import top_visible
from matchmaker.trust.introductions import asking_streams, asks_from_search, can_request

from .auth import acting_user, current_world, match_statuses, require, viewer
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
            "quantity_text": (request.values.get("quantity") or "").strip()[:40],  # echoed as typed, with its reading
            "max_km": arg_float("max_km", 0, 2000), "sort": arg_choice("sort", ("score", "distance")) or "score"}
    form["quantity_digits"] = 0 if form["quantity"] is None or float(form["quantity"]).is_integer() else 2
    if form["max_km"] is not None and not form["postcode"]:
        raise MatchmakerError(gettext("Give your postcode to filter by distance."))
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
    # a distance filter or sort looks further down the list, then keeps the best `top`
    wanted = form["top"] if form["max_km"] is None and form["sort"] == "score" else min(200, form["top"] * 10)
    found = top_visible(run, world, len(svc.streams), wanted, query)
    if form["max_km"] is not None:  # no known distance (a pseudonym's region only) is not "within"
        form["without_km"] = sum(1 for m in found if m.get("km") is None)
        found = [m for m in found if m.get("km") is not None and m["km"] <= form["max_km"]]
    found = found[:form["top"]]
    if form["sort"] == "distance":
        found.sort(key=lambda m: (m.get("km") is None, m.get("km") or 0.0, -m["score"]))
    return form, [shown_match_view(m, None, world) for m in found]


def with_asking(form: dict, results: list[dict]) -> list[dict]:
    """What a signed-in firm may ask on each card: an introduction between one of its own
    streams of the searched direction (the one that best matches the partner, first) and the
    partner; the rule is trust.introductions'."""
    v = viewer()
    if not asks_from_search(v):
        return results
    world = current_world()
    own = asking_streams(v, world.streams, form["direction"])
    statuses = match_statuses()
    for m in results:
        other_id = m["other"]["id"]
        if not own:
            m["ask"] = {"own": []}
            continue
        known = {sid: dict(world.pairs.get(sid, [])).get(other_id, -1.0) for sid in own}
        ranked = sorted(own, key=lambda sid: -known[sid])
        first = ranked[0]
        offer_id, need_id = (first, other_id) if form["direction"] == "offer" else (other_id, first)
        status = statuses.get((world.stored_id(offer_id), world.stored_id(need_id)), "suggested")  # shown ids -> stored
        m["ask"] = {"own": [(sid, world.streams[sid].title) for sid in ranked], "other_id": other_id,
                    "own_field": "offer_id" if form["direction"] == "offer" else "need_id",
                    "other_field": "need_id" if form["direction"] == "offer" else "offer_id", "status": status,
                    "allowed": can_request(v, world.streams[offer_id].org_id, world.streams[need_id].org_id, status)}
    return results


@bp.get("/")
def index():
    form, results = search()
    saved = alerts.searches_of(services().store, viewer().username) if viewer().signed_in else []
    return render_template("search/index.html", form=form, results=with_asking(form, results), units=UNITS,
                           saved=saved)


@bp.post("/searches")
@require("notifications")
def save_search():
    """'Tell me when someone new matches this search' (trust.alerts); today's partners count as seen."""
    form, results = search()
    alerts.save_search(services().store, acting_user(), form["text"], form["direction"], form["postcode"], form["ewc"],
                       form["quantity"], form["unit"], form["material"], form["max_km"],
                       seen=[m["other"]["id"] for m in results])
    flash(gettext("Search saved. You will be told when a new partner matches it."))
    return redirect(url_for("search.index", **{k: v for k, v in request.form.items() if k != "csrf_token"}))


@bp.post("/searches/<int:search_id>/delete")
@require("notifications")
def delete_search(search_id: int):
    alerts.delete_search(services().store, acting_user(), search_id)
    flash(gettext("Saved search deleted."))
    return redirect(url_for("search.index"))
