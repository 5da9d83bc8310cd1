"""Value-chain cases: the list, one case with its history, saving a proposal (or a chain built by
hand) as a case, phase changes, edits, undo, the application draft; and their JSON twins.
Who sees which case is decided by matchmaker.trust.cases_access."""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_babel import gettext

from matchmaker.errors import MatchmakerError, ValidationFailed
from matchmaker.programmes import cases as C
from matchmaker.programmes import lifecycle
from matchmaker.programmes.application import draft
from matchmaker.programmes.portfolio import get_portfolio, portfolios
from matchmaker.trust import cases_access

from .auth import viewer
from .caseguard import actor, staff_only
from .helpers import services
from .i18n import translate

bp = Blueprint("cases", __name__)


def _programme() -> str:
    pid = request.values.get("programme") or next(iter(sorted(portfolios())), "")
    get_portfolio(pid)
    return pid


def _names() -> dict[str, str]:
    return {k: o.name for k, o in services().orgs.items()}


def cases_data() -> dict:
    programme_id = _programme()
    v = viewer()
    found = cases_access.visible(v, C.list_cases(services().store, programme_id))
    phase = request.args.get("phase") or None
    if phase and phase not in lifecycle.PHASES:
        raise MatchmakerError(f"unknown phase {phase[:30]!r}; phases: {', '.join(lifecycle.PHASES)}")
    names = _names()
    shown = [cases_access.view_dict(v, c, names) for c in found if not phase or c.phase == phase]
    return {"programme": programme_id, "phase": phase, "cases": shown, "phases": lifecycle.PHASE_LABELS}


def case_data(case_id: int) -> dict:
    case = cases_access.shown(viewer(), C.get_case(services().store, case_id))
    return cases_access.view_dict(viewer(), case, _names())


def _render_case(case_id: int, error: str | None = None, problems: list[str] | None = None, status: int = 200):
    case = case_data(case_id)
    portfolio = get_portfolio(case["programme_id"])
    return render_template("cases/case.html", case=case, error=error, problems=problems or [],
                           phases=lifecycle.PHASE_LABELS, roles=C.ROLE_LABELS, elements=C.ELEMENT_LABELS,
                           rounds=[r for r in portfolio.rounds], element_kinds=C.ELEMENT_KINDS), status


@bp.get("/cases")
def cases_page():
    return render_template("cases/list.html", **cases_data())


@bp.get("/cases/<int:case_id>")
def case_page(case_id: int):
    return _render_case(case_id)


@bp.get("/cases/new")
@staff_only
def new_page():
    programme_id = _programme()
    portfolio = get_portfolio(programme_id)
    svc = services()
    proposals = svc.proposals(portfolio.tracks["clarification"])[:25]
    return render_template("cases/new.html", programme=programme_id, track_programme=portfolio.tracks["clarification"],
                           proposals=[p.as_dict(svc.orgs) for p in proposals], roles=C.ROLES, element_kinds=C.ELEMENT_KINDS,
                           problems=[], values={})


def _lines(name: str) -> list[str]:
    return [x.strip() for x in (request.form.get(name) or "").splitlines() if x.strip()]


@bp.post("/cases/new")
@staff_only
def create():
    programme_id = _programme()
    portfolio = get_portfolio(programme_id)
    svc = services()
    chain_id = request.form.get("chain_id")
    try:
        if chain_id:
            found = svc.proposal(portfolio.tracks["clarification"], chain_id)
            if found is None:
                raise MatchmakerError(f"no proposal {chain_id[:40]!r} for {portfolio.tracks['clarification']}")
            case = C.from_proposal(svc.store, actor(), programme_id, found, svc.orgs, title=request.form.get("title") or None)
        else:
            members = [tuple((line.split(None, 1) + ["economic_partner"])[:2]) for line in _lines("members")]
            links = [tuple(x.strip() for x in line.split(">", 1)) for line in _lines("links") if ">" in line]
            elements = [{"kind": k.strip(), "description": d.strip()} for k, _, d in (line.partition(":") for line in _lines("elements"))]
            case = C.create_case(svc.store, actor(), programme_id, request.form.get("title", ""), members, links, elements,
                                 request.form.get("budget_dkk") or None, request.form.get("grant_dkk") or None,
                                 request.form.get("sector") or None, request.form.get("notes", ""))
    except ValidationFailed as exc:
        return render_template("cases/new.html", programme=programme_id, track_programme=portfolio.tracks["clarification"],
                               proposals=[], roles=C.ROLES, element_kinds=C.ELEMENT_KINDS,
                               problems=[str(p) for p in exc.problems], values=request.form), 422
    return redirect(url_for("cases.case_page", case_id=case.id))


def _change() -> lifecycle.Change:
    f = request.form if not request.is_json else (request.get_json(silent=True) or {})
    return lifecycle.Change(str(f.get("phase") or ""), f.get("date") or None, f.get("track") or None, f.get("round") or None,
                            f.get("decision") or None, f.get("reason") or None)


@bp.post("/cases/<int:case_id>/advance")
@staff_only
def advance(case_id: int):
    try:
        C.advance(services().store, actor(), case_id, _change())
    except ValidationFailed as exc:
        return _render_case(case_id, gettext("nothing was changed"), [str(p) for p in exc.problems], 422)
    except MatchmakerError as exc:
        if exc.status == 404:
            raise
        return _render_case(case_id, gettext("nothing was changed: %(why)s", why=translate(exc.args[0] if exc.args else exc)), status=400)
    return redirect(url_for("cases.case_page", case_id=case_id))


@bp.post("/cases/<int:case_id>/undo")
@staff_only
def undo(case_id: int):
    try:
        C.undo(services().store, actor(), case_id)
    except MatchmakerError as exc:
        if exc.status == 404:
            raise
        return _render_case(case_id, str(exc), status=400)
    return redirect(url_for("cases.case_page", case_id=case_id))


@bp.post("/cases/<int:case_id>/edit")
@staff_only
def edit(case_id: int):
    f = request.form
    changes = {"title": f.get("title", ""), "notes": f.get("notes", ""), "budget_dkk": f.get("budget_dkk") or None,
               "grant_dkk": f.get("grant_dkk") or None, "public": bool(f.get("public"))}
    if "elements" in f:
        changes["elements"] = [{"kind": k.strip(), "description": d.strip()}
                               for k, _, d in (line.partition(":") for line in _lines("elements"))]
    try:
        C.update_case(services().store, actor(), case_id, changes)
    except ValidationFailed as exc:
        return _render_case(case_id, gettext("nothing was changed"), [str(p) for p in exc.problems], 422)
    return redirect(url_for("cases.case_page", case_id=case_id))


@bp.get("/cases/<int:case_id>/draft.docx")
@staff_only
def draft_docx(case_id: int):
    svc = services()
    case = C.get_case(svc.store, case_id)
    return Response(draft(case, svc.orgs, svc.streams),
                    mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    headers={"Content-Disposition": f"attachment; filename=application-{case.id}.docx"})


@bp.get("/api/cases")
def cases_api():
    return cases_data()


@bp.get("/api/cases/<int:case_id>")
def case_api(case_id: int):
    return case_data(case_id)


@bp.post("/api/cases/<int:case_id>/advance")
@staff_only
def advance_api(case_id: int):
    case = C.advance(services().store, actor(), case_id, _change())
    return cases_access.view_dict(viewer(), case, _names())


@bp.post("/api/cases/<int:case_id>/undo")
@staff_only
def undo_api(case_id: int):
    case = C.undo(services().store, actor(), case_id)
    return cases_access.view_dict(viewer(), case, _names())
