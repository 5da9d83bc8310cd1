"""The programme dashboard for facilitators (/programme/<id>) and its JSON twin
(/api/programme/<id>): KPIs against targets, green KPIs, breakdowns, quarters, deadlines and the
proposals that would close the largest gaps; the portfolio workbook; KPI figures entered by hand."""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_babel import gettext

from matchmaker.errors import MatchmakerError
from matchmaker.i18n import N_
from matchmaker.programmes.cases import enter_kpi, import_kpis, list_cases, manual_kpis
from matchmaker.programmes.kpis import dashboard
from matchmaker.programmes.portfolio import get_portfolio, portfolios
from matchmaker.programmes.workbook import workbook

from . import svgcharts
from .caseguard import actor, staff_only
from .helpers import services
from .i18n import label, locale

bp = Blueprint("programme", __name__)

SERIES = [("value_chains", N_("value chains")), ("firms_in_matchmaking", N_("firms in matchmaking")),
          ("firms_supported", N_("firms supported")), ("feasibility_firms", N_("feasibility firms"))]


def board(programme_id: str, with_proposals: bool = True) -> dict:
    portfolio = get_portfolio(programme_id)
    svc = services()
    proposals = None
    if with_proposals and "clarification" in portfolio.tracks:
        proposals = svc.proposals(portfolio.tracks["clarification"])
    return dashboard(svc.store, programme_id, proposals=proposals)


@bp.get("/programme/")
@staff_only
def programmes_page():
    first = next(iter(sorted(portfolios())), None)
    if first is None:
        raise MatchmakerError("no programme with cases and KPIs (data/programmes/portfolio/*.json)")
    return redirect(url_for("programme.dashboard_page", programme_id=first))


@bp.get("/programme/<programme_id>")
@staff_only
def dashboard_page(programme_id: str):
    data = board(programme_id)
    danish = locale() == "da"   # chart texts in the page's language; the data keeps its keys
    kpis = [{**k, "label": k.get("label_da") or k["label"]} if danish else k for k in data["kpis"]]
    phases = [{**r, "label": gettext(r["label"])} for r in data["breakdowns"]["phase"]]
    sectors = [{**r, "label": label(r["key"])} for r in data["breakdowns"]["sector"]]
    charts = {"kpis": svgcharts.progress(kpis, title=gettext("KPIs against targets"), first_report=gettext("first report")),
              "phase": svgcharts.bars(phases, "cases", "label", "phase", title=gettext("Cases by phase")),
              "sector": svgcharts.bars(sectors, "cases", "label", name="sector", title=gettext("Cases by sector")),
              "region": svgcharts.bars(data["breakdowns"]["region"], "cases", name="region",
                                       title=gettext("Cases by region (of the lead)")),
              "series": svgcharts.lines(data["series"], [(k, gettext(t)) for k, t in SERIES],
                                        title=gettext("quarterly series"))}
    manual = manual_kpis(get_portfolio(programme_id))
    return render_template("programme/dashboard.html", board=data, charts=charts, manual=manual, message=request.args.get("saved"))


@bp.get("/api/programme/<programme_id>")
@staff_only
def dashboard_api(programme_id: str):
    return board(programme_id)


@bp.get("/programme/<programme_id>/report.xlsx")
@staff_only
def report_xlsx(programme_id: str):
    data = board(programme_id, with_proposals=False)
    svc = services()
    body = workbook(list_cases(svc.store, programme_id), svc.orgs, data)
    return Response(body, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename={programme_id}-portfolio.xlsx"})


@bp.post("/programme/<programme_id>/kpi")
@staff_only
def kpi_entry(programme_id: str):
    """One figure from the form, or a CSV (kpi,value,as_of,source) uploaded, all or nothing."""
    svc = services()
    upload = request.files.get("file")
    if upload and upload.filename:
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise MatchmakerError(f"{upload.filename}: not a UTF-8 CSV file") from None
        n = import_kpis(svc.store, actor(), programme_id, text, upload.filename)
        saved = f"imported {n} figure(s)"
    else:
        row = enter_kpi(svc.store, actor(), programme_id, request.form.get("kpi", ""), request.form.get("value", ""),
                        request.form.get("as_of") or None, request.form.get("source", ""))
        saved = f"{row['kpi']} = {row['value']:g} as of {row['as_of']}"
    return redirect(url_for("programme.dashboard_page", programme_id=programme_id, saved=saved))
