"""Introductions with consent: the viewer's list, asking, answering, marking in a chain.
Who may see or do what is trust.introductions' rule; this module only shows it."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from matchmaker.errors import MatchmakerError
from matchmaker.trust import introductions as intro

from .auth import acting_user, current_world, require, viewer
from .helpers import services
from .present import stream_view

bp = Blueprint("introductions", __name__)


def introductions_data() -> list[dict]:
    """The viewer's introductions, each stream shown as the viewer may see it; the page and /api/introductions."""
    world = current_world()

    def shown(stream_id: str) -> dict | None:
        return stream_view(world.streams[stream_id], world.orgs) if stream_id in world.streams else None

    return [{**row, "offer": shown(row["offer_id"]), "need": shown(row["need_id"])}
            for row in intro.introductions_for(services().store, viewer())]


@bp.get("/introductions")
@require("introductions")
def introductions_page():
    return render_template("introductions/introductions.html", rows=introductions_data())


@bp.post("/introductions")
@require("introductions")
def request_introduction():
    offer_id, need_id = request.form.get("offer_id", ""), request.form.get("need_id", "")
    if not offer_id or not need_id:
        raise MatchmakerError("an introduction needs an offer_id and a need_id")
    intro.request(services().store, acting_user(), offer_id, need_id)
    return redirect(url_for("introductions.introductions_page"))


@bp.post("/introductions/<int:intro_id>/<any(accept, decline):answer>")
@require("answer_introduction")
def answer_introduction(intro_id: int, answer: str):
    intro.respond(services().store, acting_user(), intro_id, answer == "accept")
    return redirect(url_for("introductions.introductions_page"))


@bp.post("/introductions/<int:intro_id>/chain")
@require("mark_in_chain")
def mark_in_chain(intro_id: int):
    intro.mark_in_chain(services().store, acting_user(), intro_id, request.form.get("chain_id", ""))
    return redirect(url_for("introductions.introductions_page"))
