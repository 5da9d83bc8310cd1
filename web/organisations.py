"""Organisations and their streams: the list, one organisation, one stream with its
partner finder, and editing (firms their own, facilitators any)."""

from __future__ import annotations

from itertools import islice

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from matchmaker.errors import NotFound, ValidationFailed
from matchmaker.matching.feedback import marks_for
from matchmaker.matching.stored import has_matches, stored_matches
from matchmaker.model import KINDS
from matchmaker.reference import ewc_codes
from matchmaker.trust import editing
from matchmaker.trust.access import visible
from matchmaker.trust.feedback import mark_suggestion
from matchmaker.trust.introductions import can_request

from . import forms
from .auth import acting_user, current_world, match_statuses, require, viewer
from .helpers import arg_choice, arg_int, refresh_matches_of, services
from .present import org_view, shown_match_view, stream_view

bp = Blueprint("organisations", __name__)


def org_data(org_id: str) -> dict:
    """One organisation and its streams with their best matches; the page and /api/orgs/<id>."""
    world = current_world()
    org = world.orgs.get(org_id)
    if org is None:  # hidden and missing look the same, so existence does not leak
        raise NotFound(f"unknown organisation {org_id!r}")
    own = [s for s in world.streams.values() if s.org_id == org_id]
    return {"organisation": org_view(org), "can_edit": editing.may_edit(acting_user(), org_id),
            "streams": [{**stream_view(s, world.orgs), "matches": stream_matches(world.stored_id(s.id), 5)} for s in own]}


def stream_matches(stream_id: str, top: int = 10) -> list[dict]:
    """A stream's best matches (by its stored id) as the viewer may see them, with what the viewer may ask."""
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
    here = world.shown_id(stream_id)
    for shown in islice(visible(found, world), top):
        pair = (shown["offer_id"], shown["need_id"])  # as shown: anonymised sides under neutral ids
        stored = (world.stored_id(pair[0]), world.stored_id(pair[1]))
        view = shown_match_view(shown, here, world, status.get(stored, "suggested"))
        view["can_request"] = can_request(v, world.streams[pair[0]].org_id, world.streams[pair[1]].org_id,
                                          view["status"])
        out.append(view)
    return out


def stream_data(stream_id: str) -> dict:
    """One stream and its matches; the page and /api/streams/<id>."""
    world = current_world()
    stored = world.resolve(stream_id)  # an anonymised stream answers only to its neutral id
    if stored is None:
        raise NotFound(f"unknown stream {stream_id!r}")
    s = world.streams[stored]
    view = {**stream_view(s, world.orgs), "anonymised": stored in world.approx}
    can_mark = viewer().may("mark_match")
    return {"stream": view, "can_edit": editing.may_edit(acting_user(), s.org_id),
            "matches": stream_matches(stored, arg_int("top", 10, 1, 50)), "can_mark": can_mark,
            "marks": marks_for(services().store, stored) if can_mark else {}}


@bp.get("/orgs")
def orgs_page():
    kind = arg_choice("kind", KINDS)
    q = (request.args.get("q") or "").strip().lower()
    world = current_world()
    shown = [org_view(o) for o in world.listed_orgs
             if (not kind or o.kind == kind) and (not q or q in o.name.lower())]
    return render_template("organisations/orgs.html", orgs=shown, q=q, kind=kind, kinds=KINDS)


@bp.get("/orgs/<org_id>")
def org_page(org_id: str):
    return render_template("organisations/org.html", **org_data(org_id))


@bp.get("/streams/<stream_id>")
def stream_page(stream_id: str):
    return render_template("organisations/stream.html", **stream_data(stream_id))


@bp.post("/streams/<stream_id>/feedback")
@require("mark_match")
def mark_match(stream_id: str):
    """A facilitator's "good match" / "not relevant" on one of the stream's suggestions (a label for `matchmaker fit`)."""
    mark_suggestion(services().store, acting_user(), stream_id, request.form.get("other_id", ""), request.form.get("verdict", ""))
    return redirect(url_for("organisations.stream_page", stream_id=stream_id))


@bp.route("/<any(orgs, streams):what>/<record_id>/edit", methods=["GET", "POST"])
@bp.route("/orgs/<org_id>/streams/new", methods=["GET", "POST"], defaults={"what": "streams", "record_id": None})
@bp.route("/orgs/new", methods=["GET", "POST"], defaults={"what": "orgs", "record_id": None, "org_id": None})
@require("edit")
def edit_page(what: str, record_id: str | None, org_id: str | None = None):
    """Edit an organisation or stream (or add one): who may is trust.editing's rule."""
    kind = "organisation" if what == "orgs" else "stream"
    svc = services()
    # found or not, check_may_open does the same work before answering (no timing tells)
    current = editing.find(svc.store, kind, record_id) if record_id else None
    user = acting_user()

    def seen(which: str) -> dict:
        world = current_world()
        return world.orgs if which == "organisation" else set(world.streams)  # shown ids only

    editing.check_may_open(user, kind, record_id, current, org_id, seen)
    values = editing.form_values(current, kind)
    if current is None and kind == "stream":
        values["org_id"] = org_id or ""
        values["id"] = editing.new_stream_id()
    problems: list[str] = []
    errors: dict[str, str] = {}
    understood: dict[str, float] = {}
    locked = editing.locked_fields(user, kind)
    # a firm's eligibility figures awaiting a facilitator: shown as proposed, each marked
    waiting = ({c["field"]: c["value"] for c in editing.pending(svc.store, current.id)}
               if kind == "organisation" and current is not None and not viewer().may("confirm_changes") else {})
    confirmed = {name: values[name] for name in waiting}
    values.update(waiting)
    if request.method == "POST":
        raw = {name: request.form.get(name, "") for name in values}
        if current is None and kind == "stream":
            raw["org_id"] = org_id or ""  # a new stream belongs to the organisation in the address
        read, errors, understood = forms.read_numbers(raw)  # '1.200' on a Danish form is 1200
        try:
            if errors:  # a number whose reading is in doubt: nothing is saved, the form asks
                raise ValidationFailed([])
            saved = editing.save(svc.store, user, kind, read, current)
        except ValidationFailed as exc:
            more, problems = forms.field_errors(exc.problems)
            errors = {**more, **errors}
            values = raw
        else:
            refresh_matches_of([saved] if kind == "stream" else
                               [s.id for s in svc.streams.values() if s.org_id == saved])
            flash(gettext("Saved. Matches are updated for the new values."))
            if kind == "organisation" and not viewer().may("confirm_changes") and editing.pending(svc.store, saved):
                flash(gettext("Figures that decide eligibility await a facilitator's confirmation; "
                              "until then the checks use the confirmed ones."))
            return redirect(url_for("organisations.org_page" if kind == "organisation" else "organisations.stream_page",
                                    **({"org_id": saved} if kind == "organisation" else {"stream_id": saved})))
    fields = forms.build_fields(kind, values, locked, current is None, errors, understood)
    failed = bool(problems or errors)
    return render_template("organisations/edit.html", kind=kind, values=values, fields=fields, problems=problems,
                           errors=errors, locked=locked, new=current is None, confirmed=confirmed), \
        (422 if failed else 200)


@bp.get("/pending-changes")
@require("confirm_changes")
def pending_changes_page():
    """The eligibility figures firms have proposed, for a facilitator to confirm or reject."""
    svc = services()
    changes = [{**c, "org_name": o.name if (o := svc.orgs.get(c["org_id"])) else c["org_id"],
                "confirmed": editing.form_values(o, "organisation").get(c["field"], "") if o else ""}
               for c in editing.pending(svc.store)]
    return render_template("organisations/pending.html", changes=changes)


@bp.post("/pending-changes/<int:change_id>")
@require("confirm_changes")
def decide_change(change_id: int):
    confirm = request.form.get("decision") == "confirm"
    editing.decide(services().store, acting_user(), change_id, confirm)
    flash(gettext("Confirmed.") if confirm else gettext("Rejected."))
    return redirect(url_for("organisations.pending_changes_page"))


@bp.get("/streams/<stream_id>/preview")
@require("edit")
def stream_preview(stream_id: str):
    """'See it as others see it': the stream page as a visitor gets it (the public world,
    with its pseudonym and rounded figures), opened by those who may edit the stream."""
    svc = services()
    own = current_world().streams.get(stream_id)
    if own is None or not editing.may_edit(acting_user(), own.org_id):
        raise NotFound(f"unknown stream {stream_id!r}")
    public = svc.data.public_world
    shown = public.streams.get(stream_id)
    if shown is None:  # private: a visitor sees nothing at all
        return render_template("organisations/preview_none.html", stream=stream_view(own, current_world().orgs))
    view = {**stream_view(shown, public.orgs), "anonymised": stream_id in public.approx}
    return render_template("organisations/stream.html", stream=view, can_edit=True, preview=True, matches=[])


@bp.get("/api/ewc")
def ewc_search():
    """EWC codes whose code or title holds every word typed (at most 20): the forms' help."""
    words = [w for w in (request.args.get("q") or "").lower().replace(" ", " ").split() if w][:6]
    if not words:
        return {"codes": []}
    digits = "".join(words)
    found = []
    for code, entry in ewc_codes().items():
        spaced = f"{code[:2]} {code[2:4]} {code[4:]}"
        hay = f"{code} {spaced} {entry.description}".lower()
        if code.startswith(digits) if digits.isdigit() else all(w in hay for w in words):  # a code is typed from its start
            found.append({"code": spaced, "title": entry.description, "hazardous": bool(entry.hazardous)})
            if len(found) == 20:
                break
    return {"codes": found}
