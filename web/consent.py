"""Introductions with consent (request, accept, decline, in a chain) and the audit log."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from matchmaker.errors import MatchmakerError
from matchmaker.trust import introductions as intro
from matchmaker.trust.accounts import STAFF, list_users
from matchmaker.trust.audit import audit_log

from .auth import acting_user, current_world, require, viewer
from .helpers import services
from .present import stream_view

bp = Blueprint("consent", __name__)


def introductions_data() -> list[dict]:
    """The viewer's introductions, each stream shown as the viewer may see it."""
    svc = services()
    v = viewer()
    world = current_world()
    owners = {sid: s.org_id for sid, s in svc.streams.items()}
    roles = {u.username: u for u in list_users(svc.store)}
    rows = []
    for i in intro.list_introductions(svc.store, None if v.is_staff else v.org_id):
        side = i.side_of(owners, v.org_id)
        asker = roles.get(i.requested_by)
        if not (v.is_staff or i.requested_by == v.username or i.status in ("introduced", "in_chain")):
            # a firm user's name could identify an anonymised owner: say only which side asked
            same = asker is not None and asker.org_id == v.org_id
            shown_by = "your organisation" if same else "the other firm" if asker and asker.role == "firm" \
                else "a facilitator"
        else:
            shown_by = i.requested_by
        rows.append({**i.__dict__, "requested_by": shown_by, "side": side,
                     "offer": stream_view(world.streams[i.offer_id], world.orgs) if i.offer_id in world.streams else None,
                     "need": stream_view(world.streams[i.need_id], world.orgs) if i.need_id in world.streams else None,
                     "can_answer": bool(side) and i.status == "requested" and getattr(i, f"{side}_consent") is None,
                     "can_chain": v.is_staff and i.status == "introduced"})
    return rows


@bp.get("/introductions")
@require("admin", "facilitator", "firm")
def introductions_page():
    return render_template("consent/introductions.html", rows=introductions_data())


@bp.post("/introductions")
@require("admin", "facilitator", "firm")
def request_introduction():
    offer_id, need_id = request.form.get("offer_id", ""), request.form.get("need_id", "")
    if not offer_id or not need_id:
        raise MatchmakerError("an introduction needs an offer_id and a need_id")
    intro.request(services().store, acting_user(), offer_id, need_id)
    return redirect(url_for("consent.introductions_page"))


@bp.post("/introductions/<int:intro_id>/<any(accept, decline):answer>")
@require("firm")
def answer_introduction(intro_id: int, answer: str):
    intro.respond(services().store, acting_user(), intro_id, answer == "accept")
    return redirect(url_for("consent.introductions_page"))


@bp.post("/introductions/<int:intro_id>/chain")
@require(*STAFF)
def mark_in_chain(intro_id: int):
    intro.mark_in_chain(services().store, acting_user(), intro_id, request.form.get("chain_id", ""))
    return redirect(url_for("consent.introductions_page"))


@bp.get("/audit")
@require(*STAFF)
def audit_page():
    return render_template("consent/audit.html", entries=audit_log(services().store, 500))
