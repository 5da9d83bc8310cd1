"""The JSON API: every page's data, from the same functions the pages use."""

from __future__ import annotations

from flask import Blueprint

from matchmaker.chains.chainfile import chain_from_dict
from matchmaker.chains.chainschema import check_chain_doc
from matchmaker.errors import MatchmakerError
from matchmaker.programmes import rules
from matchmaker.programmes.proposals import evaluate_chain
from matchmaker.stats import summarise
from matchmaker.trust.feedback import mark_suggestion

from . import chains as chain_pages
from . import introductions as intro_pages
from . import jsonbody, organisations
from . import network as network_pages
from . import search as search_pages
from .auth import acting_user, csrf_token, current_world, require, viewer
from .helpers import programme_arg, services

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/")
def index():
    return {"endpoints": ["/api/stats", "/api/search?text=&direction=offer|need&postcode=&ewc=&quantity=&unit=&top=",
                          "/api/orgs/<id>", "/api/streams/<id>", "/api/streams/<id>/matches?top=",
                          "/api/programmes", "/api/chains?programme=&sector=&region=&min_score=&eligibility=&firms=&kind=&top=",
                          "/api/chains/<id>?programme=", "POST /api/check?programme= (chain JSON body)",
                          "/api/network?sector=&region=&chapter=&material=&min_score=&confidentiality=&group=",
                          "/api/me", "/api/introductions", "POST /api/feedback (facilitators)"]}


@bp.get("/stats")
def stats():
    world = current_world()  # counts only what this viewer may see
    return summarise(world.listed_orgs, list(world.streams.values()))


@bp.get("/search")
def search():
    form, results = search_pages.search()
    if not form["text"]:
        raise MatchmakerError("give a text to search for")
    return {"query": form, "results": results}


@bp.get("/orgs/<org_id>")
def org(org_id: str):
    return organisations.org_data(org_id)


@bp.get("/streams/<stream_id>")
def stream(stream_id: str):
    return organisations.stream_data(stream_id)


@bp.get("/streams/<stream_id>/matches")
def stream_matches(stream_id: str):
    return {"stream_id": stream_id, "matches": organisations.stream_data(stream_id)["matches"]}


@bp.get("/programmes")
def programmes():
    return {pid: p.__dict__ for pid, p in rules.programmes().items()}


@bp.get("/me")
def me():
    """Who is logged in, and the CSRF token a logged-in script sends as X-CSRF-Token."""
    v = viewer()
    return {"username": v.username, "role": v.role, "org_id": v.org_id, "csrf_token": csrf_token()}


@bp.get("/introductions")
@require("introductions")
def introductions():
    return {"introductions": intro_pages.introductions_data()}


@bp.get("/chains")
@require("chains")
def chains():
    return chain_pages.chains_data()


@bp.get("/chains/<chain_id>")
@require("chains")
def chain(chain_id: str):
    return chain_pages.chain_data(chain_id)


@bp.post("/check")
@require("chains")
def check():
    doc = jsonbody.body()
    if doc is None:
        raise MatchmakerError("send the chain as a JSON object with at least 'members'")
    check_chain_doc(doc)  # types first: the rules read a well-formed chain
    svc = services()
    chain = chain_from_dict(doc, svc.orgs, svc.streams, svc.firm_graph)
    return evaluate_chain(chain, svc.orgs, svc.streams, rules.get_programme(programme_arg())).as_dict(svc.orgs)


@bp.post("/feedback")
@require("mark_match")
def feedback():
    """A facilitator's mark on a suggestion: {"stream_id", "other_id", "verdict": "good" | "not_relevant"}."""
    doc = jsonbody.body()
    if not isinstance(doc, dict) or not all(isinstance(doc.get(k), str) for k in ("stream_id", "other_id", "verdict")):
        raise MatchmakerError('send {"stream_id": ..., "other_id": ..., "verdict": "good" or "not_relevant"} as JSON')
    offer_id, need_id = mark_suggestion(services().store, acting_user(), doc["stream_id"], doc["other_id"], doc["verdict"])
    return {"offer_id": offer_id, "need_id": need_id, "verdict": doc["verdict"]}


@bp.get("/network")
def network():
    return network_pages.network()
