"""The JSON API: every page's data, from the same functions the pages use."""

from __future__ import annotations

from flask import Blueprint, request

from matchmaker.chains.chainfile import chain_from_dict
from matchmaker.errors import MatchmakerError
from matchmaker.programmes import rules
from matchmaker.programmes.proposals import evaluate_chain
from matchmaker.stats import summarise
from matchmaker.trust.accounts import STAFF

from . import consent, explore, facilitator, firm
from .auth import csrf_token, current_world, require, viewer
from .chainview import current_chain
from .helpers import programme_arg, services

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/")
def index():
    return {"endpoints": ["/api/stats", "/api/search?text=&direction=offer|need&postcode=&ewc=&quantity=&unit=&top=",
                          "/api/orgs/<id>", "/api/streams/<id>", "/api/streams/<id>/matches?top=",
                          "/api/programmes", "/api/chains?programme=&sector=&region=&min_score=&eligibility=&firms=&kind=&top=",
                          "/api/chains/<id>?programme=", "POST /api/check?programme= (chain JSON body)",
                          "/api/network?sector=&region=&chapter=&material=&min_score=&confidentiality=&group=",
                          "/api/me", "/api/introductions"]}


@bp.get("/stats")
def stats():
    world = current_world()  # counts only what this viewer may see
    return summarise(world.listed_orgs, list(world.streams.values()))


@bp.get("/search")
def search():
    form, results = firm.search()
    if not form["text"]:
        raise MatchmakerError("give a text to search for")
    return {"query": form, "results": results}


@bp.get("/orgs/<org_id>")
def org(org_id: str):
    return facilitator.org_data(org_id)


@bp.get("/streams/<stream_id>")
def stream(stream_id: str):
    return facilitator.stream_data(stream_id)


@bp.get("/streams/<stream_id>/matches")
def stream_matches(stream_id: str):
    return {"stream_id": stream_id, "matches": facilitator.stream_data(stream_id)["matches"]}


@bp.get("/programmes")
def programmes():
    return {pid: p.__dict__ for pid, p in rules.programmes().items()}


@bp.get("/me")
def me():
    """Who is logged in, and the CSRF token a logged-in script sends as X-CSRF-Token."""
    v = viewer()
    return {"username": v.username, "role": v.role, "org_id": v.org_id, "csrf_token": csrf_token()}


@bp.get("/introductions")
@require("admin", "facilitator", "firm")
def introductions():
    return {"introductions": consent.introductions_data()}


@bp.get("/chains")
@require(*STAFF)
def chains():
    return facilitator.chains_data()


@bp.get("/chains/<chain_id>")
@require(*STAFF)
def chain(chain_id: str):
    p, _ = current_chain(chain_id)
    return p.as_dict(services().orgs)


@bp.post("/check")
@require(*STAFF)
def check():
    doc = request.get_json(silent=True)
    if doc is None:
        raise MatchmakerError("send the chain as a JSON object with at least 'members'")
    svc = services()
    chain = chain_from_dict(doc, svc.orgs, svc.streams, svc.firm_graph)
    return evaluate_chain(chain, svc.orgs, svc.streams, rules.get_programme(programme_arg())).as_dict(svc.orgs)


@bp.get("/network")
def network():
    return explore.network()
