"""The portfolio workbook for the board and the funder (.xlsx, openpyxl): the cases with their
phases, dates, members, money and impact; the KPIs against targets; the green KPIs; the quarters."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from matchmaker.cells import guard_formula
from matchmaker.model import Organisation
from matchmaker.programmes import lifecycle
from matchmaker.programmes.cases import ROLE_LABELS, Case

CASE_COLUMNS = ["number", "title", "phase", "track", "round", "sector", "lead", "members", "proposed", "partners contacted",
                "clarification", "clarification ends", "feasibility check done", "application", "decision", "decision date",
                "decision reason", "running", "completed", "dropped", "drop reason", "due", "overdue", "budget DKK", "grant DKK",
                "private co-financing DKK", "co-financing share", "t raw material", "t CO2e", "elements", "public"]
KPI_COLUMNS = ["kpi", "label", "label (Danish)", "unit", "reported", "reported period", "target", "actual", "progress", "gap",
               "where the figure comes from", "definition"]


def _text(value: str | None) -> str | None:
    return None if value is None else guard_formula(str(value))


def case_row(c: Case, orgs: dict[str, Organisation]) -> list:
    dates = c.phase_dates()
    names = {m: orgs[m].name if m in orgs else m for m in c.member_ids()}
    members = "; ".join(f"{names[m.org_id]} ({ROLE_LABELS[m.role]})" for m in c.members)
    return [c.number, _text(c.title), lifecycle.PHASE_LABELS[c.phase], c.track, c.round_id, c.sector,
            _text(names.get(c.lead_id)), _text(members), dates.get("proposed"), dates.get("partners_contacted"),
            dates.get("clarification"), c.due_date if c.phase == "clarification" else None, dates.get("feasibility_done"),
            dates.get("application"), c.decision, c.decision_date, _text(c.decision_reason), dates.get("running"),
            dates.get("completed"), dates.get("dropped"), _text(c.drop_reason), c.due_date, "yes" if c.overdue() else "",
            c.budget_dkk, c.grant_dkk, c.cofinancing_dkk, c.cofinancing_share, c.tonnes, c.co2e,
            _text("; ".join(f"{e.kind}: {e.description}" for e in c.elements)), "yes" if c.public else "no"]


def _sheet(wb: Workbook, title: str, header: list[str], rows: list[list], first: bool = False):
    ws = wb.active if first else wb.create_sheet()
    ws.title = title
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rows:
        ws.append(r)
    ws.freeze_panes = "B2"
    for i, name in enumerate(header, start=1):
        width = max([len(str(name))] + [len(str(r[i - 1])) for r in rows[:200] if r[i - 1] is not None])
        ws.column_dimensions[get_column_letter(i)].width = min(60, max(8, width + 2))
    return ws


def workbook(found: list[Case], orgs: dict[str, Organisation], board: dict) -> bytes:
    """`board` is kpis.dashboard(...) for the same programme."""
    wb = Workbook()
    _sheet(wb, "Cases", CASE_COLUMNS, [case_row(c, orgs) for c in found], first=True)
    kpi_rows = []
    for k in board["kpis"]:
        period = k["reported_period"] or {}
        kpi_rows.append([k["id"], k["label"], k["label_da"], k["unit"], k["reported"],
                         f"{period.get('name', '')} {period.get('start', '')} to {period.get('end', '')}".strip(),
                         k["target"], k["actual"], k["progress"], k["gap"], _text(k["where"]), k["definition"]])
    ws = _sheet(wb, "KPIs", KPI_COLUMNS, kpi_rows)
    ws.append([])
    ws.append(["as of", board["as_of"]])
    ws.append(["source", board["programme"]["source"]])
    green = [[g["id"], g["label"], g["label_da"], g["unit"], g["actual"], g.get("tonnes"), g.get("pipeline_co2e"),
              g.get("pipeline_tonnes"), g["where"], g["definition"]] for g in board["green"]]
    _sheet(wb, "Green KPIs", ["kpi", "label", "label (Danish)", "unit", "actual", "t raw material (granted)",
                              "t CO2e (pipeline)", "t raw material (pipeline)", "where the figure comes from", "definition"], green)
    series = [[q["quarter"], q["end"], q["value_chains"], q["firms_in_matchmaking"], q["firms_supported"], q["feasibility_firms"],
               q["co2e_granted"], q["granted"]] for q in board["series"]]
    _sheet(wb, "Quarters", ["quarter", "as of", "value chains", "firms in matchmaking", "firms supported", "feasibility firms",
                            "t CO2e granted", "granted in quarter"], series)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
