"""Introductions with consent: the viewer's list, asking, answering, marking in a chain.
Who may see or do what is trust.introductions' rule; this module only shows it."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from matchmaker.errors import MatchmakerError
from matchmaker.i18n import N_
from matchmaker.trust import introductions as intro
from matchmaker.trust import notifications as notes

from .auth import acting_user, current_world, require, viewer
from .helpers import services
from .present import stream_view

bp = Blueprint("introductions", __name__)


def introductions_data() -> list[dict]:
    """The viewer's introductions, each stream shown as the viewer may see it; the page and /api/introductions."""
    world = current_world()

    def shown(stream_id: str) -> dict | None:
        return stream_view(world.streams[stream_id], world.orgs) if stream_id in world.streams else None

    # anonymised streams under their neutral ids, as everywhere the viewer may not see the owner
    return [{**row, "offer_id": world.shown_id(row["offer_id"]), "need_id": world.shown_id(row["need_id"]),
             "offer": shown(row["offer_id"]), "need": shown(row["need_id"])}
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
    world = current_world()  # an anonymised stream is asked for by the neutral id it is shown under
    offer_id, need_id = world.stored_id(offer_id), world.stored_id(need_id)
    intro.request(services().store, acting_user(), offer_id, need_id, request.form.get("message", ""))
    flash(gettext("Your request was sent. The other side is told and answers on their Introductions page."))
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


# What each notice says, in the reader's language (trust.notifications stores kind + parameters).
NOTICE_TEXT = {
    "intro_requested": N_("Someone asks to be introduced about your stream “%(title)s”."),
    "intro_introduced": N_("Both sides accepted the introduction about “%(title)s”: the contact details are shown."),
    "intro_declined": N_("The introduction about “%(title)s” was declined."),
    "search_alert": N_("New match for your saved search “%(text)s”: “%(title)s”."),
}


def notice_text(row: dict) -> str:
    params = {k: str(v) for k, v in row["params"].items() if isinstance(v, (str, int, float))}
    template = gettext(NOTICE_TEXT.get(row["kind"], row["kind"]))
    try:
        return template % {**{"title": "", "text": ""}, **params}
    except (KeyError, TypeError, ValueError):
        return gettext(NOTICE_TEXT.get(row["kind"], row["kind"])).replace("%(", "(")


@bp.get("/notifications")
@require("notifications")
def notifications_page():
    v = viewer()
    rows = [{**r, "text": notice_text(r)} for r in notes.list_for(services().store, v.username or "")]
    return render_template("introductions/notifications.html", rows=rows)


@bp.post("/notifications/read")
@require("notifications")
def notifications_read():
    notes.mark_read(services().store, viewer().username or "")
    return redirect(url_for("introductions.notifications_page"))


@bp.app_context_processor
def badges() -> dict:
    """The menu's badges: introductions waiting for this firm's answer and unread notices."""
    def counts() -> dict[str, int]:
        v = viewer()
        if not v.signed_in:
            return {"pending": 0, "unread": 0}
        store = services().store
        return {"pending": intro.pending_for(store, v), "unread": notes.unread_count(store, v.username)}
    return {"badge_counts": counts}
