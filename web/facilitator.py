"""For cluster facilitators: organisations, streams, partner finding, chains, import, editing."""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, request, url_for

from matchmaker.errors import Forbidden, NotFound, ValidationFailed
from matchmaker.io.importer import import_files
from matchmaker.matching.stored import has_matches, stored_matches, sync_changed
from matchmaker.model import KINDS, SECTORS
from matchmaker.programmes.proposals import filter_proposals
from matchmaker.reference import REGIONS
from matchmaker.trust import editing
from matchmaker.trust.accounts import STAFF

from .auth import acting_user, current_world, match_statuses, require, viewer
from .chainview import chain_csv, chain_query, current_chain
from .helpers import arg_choice, arg_float, arg_int, programme_arg, services
from .present import match_view, org_view, stream_view

bp = Blueprint("facilitator", __name__)


def org_data(org_id: str) -> dict:
    world = current_world()
    org = world.orgs.get(org_id)
    if org is None:  # hidden and missing look the same, so existence does not leak
        raise NotFound(f"unknown organisation {org_id!r}")
    own = [s for s in world.streams.values() if s.org_id == org_id]
    return {"organisation": org_view(org),
            "streams": [{**stream_view(s, world.orgs), "matches": stream_matches(s.id, 5)} for s in own]}


def stream_matches(stream_id: str, top: int = 10) -> list[dict]:
    svc = services()
    v = viewer()
    world = current_world()
    if not has_matches(svc.store):
        _ = svc.pairs  # computes and stores them once
    found = stored_matches(svc.store, stream_id, top + 20)
    if len(found) < top and top > 10:
        found = [m.as_dict() for m in svc.index.match_stream(stream_id, top + 20)]
    status = match_statuses()
    out = []
    for m in found:
        view = match_view(m, stream_id, world, status=status.get((m["offer_id"], m["need_id"]), "suggested"))
        if view is None:
            continue
        own_side = v.org_id is not None and v.org_id in (world.streams[m["offer_id"]].org_id,
                                                         world.streams[m["need_id"]].org_id)
        view["can_request"] = (v.is_staff or own_side) and view["status"] in ("suggested", "declined")
        out.append(view)
    return out[:top]


def stream_data(stream_id: str) -> dict:
    world = current_world()
    s = world.streams.get(stream_id)
    if s is None:
        raise NotFound(f"unknown stream {stream_id!r}")
    view = {**stream_view(s, world.orgs), "anonymised": stream_id in world.approx}
    return {"stream": view, "matches": stream_matches(stream_id, arg_int("top", 10, 1, 50))}


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
    kind = arg_choice("kind", KINDS)
    q = (request.args.get("q") or "").strip().lower()
    world = current_world()
    shown = [org_view(o) for o in world.listed_orgs
             if (not kind or o.kind == kind) and (not q or q in o.name.lower())]
    return render_template("facilitator/orgs.html", orgs=shown, q=q, kind=kind, kinds=KINDS)


@bp.get("/orgs/<org_id>")
def org_page(org_id: str):
    return render_template("facilitator/org.html", **org_data(org_id))


@bp.get("/streams/<stream_id>")
def stream_page(stream_id: str):
    return render_template("facilitator/stream.html", **stream_data(stream_id))


@bp.get("/chains")
@require(*STAFF)
def chains_page():
    return render_template("facilitator/chains.html", **chains_data())


@bp.get("/chains/<chain_id>")
@require(*STAFF)
def chain_page(chain_id: str):
    p, programme_id = current_chain(chain_id)
    svc = services()
    data = p.as_dict(svc.orgs)
    candidates = sorted((o for o in svc.orgs.values() if o.id not in p.chain.members), key=lambda o: o.name)
    return render_template("facilitator/chain.html", chain=data, programme_id=programme_id,
                           query=chain_query(p, programme_id), candidates=candidates)


@bp.get("/chains/<chain_id>.<any(json, csv):fmt>")
@require(*STAFF)
def chain_export(chain_id: str, fmt: str):
    p, _ = current_chain(chain_id)
    data = p.as_dict(services().orgs)
    if fmt == "json":
        return data
    return Response(chain_csv(data), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={data['id']}.csv"})


@bp.get("/chains/<chain_id>/summary")
@require(*STAFF)
def chain_summary(chain_id: str):
    p, programme_id = current_chain(chain_id)
    from matchmaker.programmes.rules import get_programme
    return render_template("facilitator/summary.html", chain=p.as_dict(services().orgs),
                           programme=get_programme(programme_id))


@bp.route("/import", methods=["GET", "POST"])
@require(*STAFF)
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
        _refresh(report.changed_streams)
    return render_template("facilitator/import.html", report=report, problems=[])


def _refresh(changed: list[str]) -> None:
    svc = services()
    had = has_matches(svc.store)
    svc.invalidate()
    if had and changed:
        sync_changed(svc.store, changed, svc.embedder)


@bp.route("/<any(orgs, streams):what>/<record_id>/edit", methods=["GET", "POST"])
@bp.route("/orgs/<org_id>/streams/new", methods=["GET", "POST"], defaults={"what": "streams", "record_id": None})
@bp.route("/orgs/new", methods=["GET", "POST"], defaults={"what": "orgs", "record_id": None, "org_id": None})
@require("admin", "facilitator", "firm")
def edit_page(what: str, record_id: str | None, org_id: str | None = None):
    """Edit an organisation or stream (or add one): firms only their own, facilitators any."""
    kind = "organisation" if what == "orgs" else "stream"
    svc = services()
    current = editing.load(svc.store, kind, record_id) if record_id else None
    owner = (current.id if kind == "organisation" else current.org_id) if current else org_id
    user = acting_user()
    if (owner and not editing.may_edit(user, owner)) or (owner is None and not viewer().is_staff):
        world = current_world()
        visible = world.orgs if kind == "organisation" or not record_id else world.streams
        target = record_id or owner
        if target and target not in visible:  # hidden and missing look the same
            raise NotFound(f"unknown {kind} {target!r}")
        raise Forbidden("you may edit only your own organisation and its streams")
    values = editing.form_values(current, kind)
    if current is None and kind == "stream":
        values["org_id"] = org_id or ""
        values["id"] = editing.new_stream_id()
    problems: list[str] = []
    if request.method == "POST":
        raw = {name: request.form.get(name, "") for name in values}
        if current is None and kind == "stream":
            raw["org_id"] = org_id or ""  # a new stream belongs to the organisation in the address
        try:
            saved = editing.save(svc.store, user, kind, raw, current)
        except ValidationFailed as exc:
            problems = [str(p) for p in exc.problems]
            values = raw
        else:
            _refresh([saved] if kind == "stream" else
                     [s.id for s in svc.streams.values() if s.org_id == saved])
            return redirect(url_for("facilitator.org_page" if kind == "organisation" else "facilitator.stream_page",
                                    **({"org_id": saved} if kind == "organisation" else {"stream_id": saved})))
    locked = () if viewer().is_staff else editing.LOCKED_FOR_FIRMS[kind]
    return render_template("facilitator/edit.html", kind=kind, values=values, problems=problems, locked=locked,
                           new=current is None), (422 if problems else 200)

