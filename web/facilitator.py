"""For cluster facilitators: organisations, streams, partner finding, chains, import."""

from __future__ import annotations

import secrets

from flask import Blueprint, Response, abort, render_template, request, session

from matchmaker.errors import NotFound, ValidationFailed
from matchmaker.importer import import_files
from matchmaker.matching import has_matches, stored_matches, sync_changed
from matchmaker.model import KINDS, SECTORS
from matchmaker.proposals import filter_proposals
from matchmaker.reference import REGIONS

from .chainview import chain_csv, chain_query, current_chain
from .helpers import arg_choice, arg_float, arg_int, programme_arg, services
from .present import match_view, org_view, stream_view

bp = Blueprint("facilitator", __name__)


def org_data(org_id: str) -> dict:
    svc = services()
    org = svc.orgs.get(org_id)
    if org is None:
        raise NotFound(f"unknown organisation {org_id!r}")
    own = [s for s in svc.streams.values() if s.org_id == org_id]
    return {"organisation": org_view(org),
            "streams": [{**stream_view(s, svc.orgs), "matches": stream_matches(s.id, 5)} for s in own]}


def stream_matches(stream_id: str, top: int = 10) -> list[dict]:
    svc = services()
    if not has_matches(svc.store):
        svc.pairs  # computes and stores them once
    found = stored_matches(svc.store, stream_id, top)
    if len(found) < top and top > 10:
        found = [m.as_dict() for m in svc.index.match_stream(stream_id, top)]
    return [match_view(m, stream_id, svc.streams, svc.orgs) for m in found]


def stream_data(stream_id: str) -> dict:
    svc = services()
    s = svc.streams.get(stream_id)
    if s is None:
        raise NotFound(f"unknown stream {stream_id!r}")
    return {"stream": stream_view(s, svc.orgs), "matches": stream_matches(stream_id, arg_int("top", 10, 1, 50))}


def chains_data() -> dict:
    svc = services()
    programme_id = programme_arg()
    f = {"sector": arg_choice("sector", SECTORS), "region": arg_choice("region", REGIONS),
         "min_score": arg_float("min_score", 0, 1), "eligibility": arg_choice("eligibility", ("pass", "fail", "unknown")),
         "firms": arg_int("firms", 0, 0, 10) or None, "kind": arg_choice("kind", ("pair", "path", "loop", "hub"))}
    found = filter_proposals(svc.proposals(programme_id), svc.orgs, **f)
    top = arg_int("top", 50, 1, 1000)
    return {"programme": programme_id, "filters": f, "count": len(found),
            "chains": [p.as_dict(svc.orgs) for p in found[:top]]}


@bp.get("/orgs")
def orgs_page():
    svc = services()
    kind = arg_choice("kind", KINDS)
    q = (request.args.get("q") or "").strip().lower()
    shown = [org_view(o) for o in svc.orgs.values() if (not kind or o.kind == kind) and (not q or q in o.name.lower())]
    return render_template("facilitator/orgs.html", orgs=shown, q=q, kind=kind, kinds=KINDS)


@bp.get("/orgs/<org_id>")
def org_page(org_id: str):
    return render_template("facilitator/org.html", **org_data(org_id))


@bp.get("/streams/<stream_id>")
def stream_page(stream_id: str):
    return render_template("facilitator/stream.html", **stream_data(stream_id))


@bp.get("/chains")
def chains_page():
    return render_template("facilitator/chains.html", **chains_data())


@bp.get("/chains/<chain_id>")
def chain_page(chain_id: str):
    p, programme_id = current_chain(chain_id)
    svc = services()
    data = p.as_dict(svc.orgs)
    candidates = sorted((o for o in svc.orgs.values() if o.id not in p.chain.members), key=lambda o: o.name)
    return render_template("facilitator/chain.html", chain=data, programme_id=programme_id,
                           query=chain_query(p, programme_id), candidates=candidates)


@bp.get("/chains/<chain_id>.<any(json, csv):fmt>")
def chain_export(chain_id: str, fmt: str):
    p, _ = current_chain(chain_id)
    data = p.as_dict(services().orgs)
    if fmt == "json":
        return data
    return Response(chain_csv(data), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={data['id']}.csv"})


@bp.get("/chains/<chain_id>/summary")
def chain_summary(chain_id: str):
    p, programme_id = current_chain(chain_id)
    from matchmaker.rules import get_programme
    return render_template("facilitator/summary.html", chain=p.as_dict(services().orgs),
                           programme=get_programme(programme_id))


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


@bp.app_context_processor
def inject_csrf() -> dict:
    return {"csrf_token": csrf_token}


@bp.before_app_request
def check_csrf() -> None:
    if request.method == "POST" and not request.path.startswith("/api/"):
        sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token")
        if not sent or not secrets.compare_digest(sent, session.get("csrf", "")):
            abort(400, description="the form expired or did not come from this site (CSRF check failed); reload and try again")


@bp.route("/import", methods=["GET", "POST"])
def import_page():
    if request.method == "GET":
        return render_template("facilitator/import.html", report=None, problems=[])
    uploads = {f.filename or "upload": f.read() for f in request.files.getlist("files") if f and f.filename}
    if not uploads:
        return render_template("facilitator/import.html", report=None, problems=["choose at least one file"]), 400
    svc = services()
    try:
        report = import_files(svc.store, [], uploads=uploads, dry_run=bool(request.form.get("dry_run")))
    except ValidationFailed as exc:
        return render_template("facilitator/import.html", report=None, problems=[str(p) for p in exc.problems]), 422
    if report.changed_streams and not request.form.get("dry_run"):
        had = has_matches(svc.store)
        svc.invalidate()
        if had:
            sync_changed(svc.store, report.changed_streams, svc.embedder)
    return render_template("facilitator/import.html", report=report, problems=[])
