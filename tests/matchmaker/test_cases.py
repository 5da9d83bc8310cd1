"""Value-chain cases: lifecycle, dates, undo, KPI counting, exports, access, backup, demo history, CLI."""

from __future__ import annotations

import io
import json
from datetime import date

import openpyxl
import pytest
from sqlalchemy import func, select

from matchmaker.errors import MatchmakerError, NotFound, ValidationFailed
from matchmaker.programmes import cases as C
from matchmaker.programmes import kpis
from matchmaker.programmes.lifecycle import Change, add_months
from matchmaker.programmes.portfolio import get_portfolio
from matchmaker.store import audit, case_events, cases, introductions
from matchmaker.trust import cases_access
from matchmaker.trust.access import Viewer

P = "closing-loops"
MEMBERS = [("B1", "lead"), ("K1", "economic_partner"), ("R1", "economic_partner"), ("T1", "knowledge_partner")]


def new_case(store, on="2025-01-10", **kw):
    args = {"budget_dkk": 600000, "grant_dkk": 300000, "sector": "food_bio", "on": on} | kw
    return C.create_case(store, "fac", P, "Coffee grounds and cooking oil to cups", MEMBERS, [("S1", "S2"), ("S3", "S4")], **args)


def walk(store, case, *steps):
    for step in steps:
        case = C.advance(store, "fac", case.id, step)
    return case


TO_FEASIBILITY = (Change("partners_contacted", "2025-02-01"), Change("clarification", "2025-03-01"),
                  Change("feasibility_done", "2025-08-20"))


def counts(store) -> tuple[int, int]:
    with store.engine.connect() as conn:
        return (conn.execute(select(func.count()).select_from(case_events)).scalar(),
                conn.execute(select(func.count()).select_from(audit)).scalar())


def test_saved_case_has_number_roles_flows_and_impact(small_store):
    c = new_case(small_store, elements=[{"kind": "take_back", "description": "cups returned to the café"}])
    assert c.number == "CØ101" and c.phase == "proposed" and c.lead_id == "B1"
    assert [m.role for m in c.members] == ["lead", "economic_partner", "economic_partner", "knowledge_partner"]
    assert c.links[0].tonnes == 40.0 and "flow = min(offered 40, needed 60) = 40 t/yr" in c.links[0].assumptions
    assert c.tonnes == sum(l.tonnes for l in c.links) > 40 and c.co2e > 0
    assert c.cofinancing_share == 0.5
    assert c.elements[0].kind == "take_back"
    assert new_case(small_store).number == "CØ102"


def test_bad_case_input_names_every_problem_and_writes_nothing(small_store):
    before = counts(small_store)
    with pytest.raises(ValidationFailed) as err:
        C.create_case(small_store, "fac", P, "", [("B1", "lead"), ("K1", "lead"), ("T1", "economic_partner"), ("XX", "lead")],
                      [("S2", "S1")], [{"kind": "teleport"}], budget_dkk=100, grant_dkk=500, on="2025-02-30")
    text = str(err.value)
    for expected in ("title", "exactly one lead", "not a firm", "unknown organisation 'XX'", "must name an offer and a need",
                     "unknown kind 'teleport'", "exceeds the budget", "YYYY-MM-DD"):
        assert expected in text
    assert counts(small_store) == before and C.list_cases(small_store) == []


def test_lifecycle_walks_to_completion_with_due_dates_from_the_programme_files(small_store):
    c = walk(small_store, new_case(small_store), *TO_FEASIBILITY[:2])
    months = get_portfolio(P).duration_months("clarification")
    assert months == 6 and c.due_date == add_months(date(2025, 3, 1), months).isoformat() == "2025-09-01"
    c = walk(small_store, c, TO_FEASIBILITY[2], Change("application", "2025-09-01", track="collaboration"))
    assert c.round_id == "VS-2025-2" and c.due_date == "2025-12-19"  # the round's decision date
    c = walk(small_store, c, Change("decision", "2025-12-10", decision="granted"), Change("running", "2026-01-05"))
    assert c.due_date == "2028-01-05"  # collaboration: 24 months in closing-loops-2-collaboration.json
    assert list(c.phase_dates()) == ["proposed", "partners_contacted", "clarification", "feasibility_done", "application",
                                     "decision", "running"]


@pytest.mark.parametrize("change, message", [
    (Change("running", "2025-02-01"), "cannot move to running"),
    (Change("decision", "2025-02-01", decision="granted"), "cannot move to decision"),
    (Change("clarification", "2030-01-01"), "in the future"),
    (Change("partners_contacted", "2024-12-31"), "before the current phase began"),
    (Change("partners_contacted", "31/01/2025"), "YYYY-MM-DD"),
    (Change("dropped", "2025-02-01"), "needs a reason"),
    (Change("application", "2025-03-10", track="collaboration"), "cannot move to application"),
    (Change("nowhere"), "unknown phase"),
])
def test_forbidden_changes_say_why_and_write_nothing(small_store, change, message):
    c = new_case(small_store)
    before = counts(small_store)
    with pytest.raises(MatchmakerError, match=message):
        C.advance(small_store, "fac", c.id, change)
    assert counts(small_store) == before and C.get_case(small_store, c.id).phase == "proposed"


def test_application_rules_rounds_tracks_and_resubmission(small_store):
    inv = walk(small_store, new_case(small_store), Change("partners_contacted", "2025-02-01"))
    with pytest.raises(MatchmakerError, match="only an investment-support application may skip"):
        C.advance(small_store, "fac", inv.id, Change("application", "2025-02-10", track="collaboration"))
    inv = C.advance(small_store, "fac", inv.id, Change("application", "2025-02-10", track="investment"))
    assert inv.round_id == "INV-2025-1"
    c = walk(small_store, new_case(small_store), *TO_FEASIBILITY)
    with pytest.raises(MatchmakerError, match="takes applications 2025-03-01 to 2025-04-30"):
        C.advance(small_store, "fac", c.id, Change("application", "2025-08-21", track="collaboration", round_id="VS-2025-1"))
    c = walk(small_store, c, Change("application", "2025-08-21", track="collaboration"))
    with pytest.raises(MatchmakerError, match="needs its reason"):
        C.advance(small_store, "fac", c.id, Change("decision", "2025-12-01", decision="rejected"))
    c = C.advance(small_store, "fac", c.id, Change("decision", "2025-12-01", decision="rejected", reason="no off-taker"))
    with pytest.raises(MatchmakerError, match="only a granted case starts running"):
        C.advance(small_store, "fac", c.id, Change("running", "2025-12-02"))
    c = C.advance(small_store, "fac", c.id, Change("application", "2026-02-02"))
    assert (c.round_id, c.track, c.decision) == ("VS-2026-1", "collaboration", None)


def test_no_round_open_is_an_error_naming_the_next_round(small_store):
    c = walk(small_store, new_case(small_store), *TO_FEASIBILITY[:2], Change("feasibility_done", "2025-05-05"))
    with pytest.raises(MatchmakerError, match=r"no collaboration round is open on 2025-05-10; next: VS-2025-2 \(2025-08-15"):
        C.advance(small_store, "fac", c.id, Change("application", "2025-05-10", track="collaboration"))


def test_undo_restores_the_case_and_is_audited(small_store):
    c = walk(small_store, new_case(small_store), Change("partners_contacted", "2025-02-01"))
    with pytest.raises(MatchmakerError, match="nothing to undo"):
        C.undo(small_store, "fac", new_case(small_store).id)
    c = C.advance(small_store, "fac", c.id, Change("dropped", "2025-02-05", reason="off-taker left"))
    with pytest.raises(MatchmakerError, match="closed case"):
        C.advance(small_store, "fac", c.id, Change("clarification", "2025-02-06"))
    c = C.undo(small_store, "fac", c.id)
    assert c.phase == "partners_contacted" and c.drop_reason is None and c.phase_date == "2025-02-01"
    edited = C.update_case(small_store, "fac", c.id, {"budget_dkk": 700000, "elements": [{"kind": "design", "description": "x"}]})
    assert edited.budget_dkk == 700000 and edited.elements[0].kind == "design"
    back = C.undo(small_store, "fac", c.id)
    assert back.budget_dkk == 600000 and back.elements == [] and [m.org_id for m in back.members] == [m for m, _ in MEMBERS]
    assert [e.undone_at is not None for e in back.events] == [False, False, True, True]
    with small_store.engine.connect() as conn:
        actions = list(conn.execute(select(audit.c.action).where(audit.c.subject == f"case {c.number}")).scalars())
    assert actions == ["case_create", "case_partners_contacted", "case_dropped", "case_undo", "case_edit", "case_undo"]


def test_kpis_count_cases_introductions_and_entries(small_store):
    granted = walk(small_store, new_case(small_store, elements=[{"kind": "product_development", "description": "cup"}]),
                   *TO_FEASIBILITY, Change("application", "2025-09-01", track="collaboration"),
                   Change("decision", "2025-12-10", decision="granted"))
    C.create_case(small_store, "fac", P, "Concrete to roads", [("V1", "lead"), ("N1", "off_taker")], [("S5", "S6")],
                  budget_dkk=500000, grant_dkk=250000, on="2025-03-01")
    with small_store.transaction() as conn:  # an agreed introduction brings Mejeriet Thy and Fermenta into matchmaking
        conn.execute(introductions.insert().values(offer_id="S7", need_id="S8", status="introduced", offer_consent=True,
                                                   need_consent=True, requested_by="fac", created_at="2025-04-01",
                                                   updated_at="2025-04-02T10:00:00"))
    C.enter_kpi(small_store, "fac", P, "course_participants", 42, "2025-06-30", "attendance lists")
    board = kpis.dashboard(small_store, P, today=date(2026, 1, 15))
    k = {row["id"]: row for row in board["kpis"]}
    assert k["value_chains"]["actual"] == 1 and k["value_chains"]["target"] == 35 and k["value_chains"]["reported"] == 26
    assert k["firms_in_matchmaking"]["actual"] == 5  # B1, K1, R1 (case past proposed) + M1, F1 (introduction); V1, N1 only proposed
    assert k["feasibility_checks"]["actual"] == 3 and k["firms_supported"]["actual"] == 3
    assert k["spend"]["actual"] == 600000 and k["spend"]["target"] == 311054002.0
    assert k["course_participants"]["actual"] == 42 and "attendance lists" in k["course_participants"]["where"]
    g = {row["id"]: row for row in board["green"]}
    assert g["private_cofinancing"]["actual"] == 0.5 and g["resource_savings"]["actual"] == granted.co2e
    assert g["smes_in_transition"]["actual"] == 3 and g["innovation_height"]["actual"] == 3
    series = {q["quarter"]: q for q in board["series"]}
    assert series["2025-Q1"]["firms_in_matchmaking"] == 3 and series["2025-Q2"]["firms_in_matchmaking"] == 5
    assert series["2025-Q3"]["value_chains"] == 0 and series["2025-Q4"]["value_chains"] == 1
    assert {r["key"]: r["cases"] for r in board["breakdowns"]["phase"]}["decision"] == 1
    assert {r["key"] for r in board["breakdowns"]["region"]} == {"Region Midtjylland", "Region Syddanmark"}
    # a proposal idle for more than 60 days (programme file) is overdue; a granted case not started after 60 days too
    assert [c["number"] for c in board["overdue"]] == ["CØ102"]
    assert [c["number"] for c in kpis.dashboard(small_store, P, today=date(2026, 3, 1))["overdue"]] == ["CØ101", "CØ102"]


def test_clarifications_ending_within_30_days(small_store):
    c = walk(small_store, new_case(small_store), *TO_FEASIBILITY[:2])
    assert kpis.dashboard(small_store, P, today=date(2025, 8, 5))["ending_soon"][0]["number"] == c.number
    assert kpis.dashboard(small_store, P, today=date(2025, 7, 1))["ending_soon"] == []
    assert kpis.dashboard(small_store, P, today=date(2025, 9, 2))["overdue"][0]["number"] == c.number


def test_kpi_import_is_all_or_nothing(small_store):
    bad = "kpi,value,as_of,source\ncourse_participants,30,2025-03-31,list\nvalue_chains,3,2025-03-31,x\ncourse_participants,x,2025-13-01,\n"
    with pytest.raises(ValidationFailed) as err:
        C.import_kpis(small_store, "fac", P, bad, "figures.csv")
    assert "figures.csv, row 3, column 'kpi'" in str(err.value) and "row 4, column 'as_of'" in str(err.value)
    assert C.kpi_figures(small_store, P) == []
    assert C.import_kpis(small_store, "fac", P, "kpi,value,as_of\ncourse_participants,30,2025-03-31\n") == 1


def test_workbook_opens_with_openpyxl_and_holds_the_rows(small_store):
    from matchmaker.programmes.workbook import CASE_COLUMNS, workbook
    walk(small_store, new_case(small_store), *TO_FEASIBILITY)
    C.create_case(small_store, "fac", P, "=HYPERLINK(\"http://x\")", [("V1", "lead"), ("N1", "off_taker")], [("S5", "S6")])
    orgs = {o.id: o for o in small_store.organisations()}
    wb = openpyxl.load_workbook(io.BytesIO(workbook(C.list_cases(small_store, P), orgs, kpis.dashboard(small_store, P))))
    assert wb.sheetnames == ["Cases", "KPIs", "Green KPIs", "Quarters"]
    rows = list(wb["Cases"].iter_rows(values_only=True))
    assert list(rows[0]) == CASE_COLUMNS and len(rows) == 3
    first = dict(zip(rows[0], rows[1]))
    assert first["number"] == "CØ101" and first["phase"] == "feasibility check done" and first["clarification"] == "2025-03-01"
    assert first["budget DKK"] == 600000 and first["co-financing share"] == 0.5 and first["t raw material"] == C.get_case(small_store, 1).tonnes > 40
    assert "Grøn Kop ApS (lead applicant)" in first["members"]
    assert dict(zip(rows[0], rows[2]))["title"].startswith("'=")  # a formula in user text stays text
    kpi_rows = [r for r in wb["KPIs"].iter_rows(values_only=True)][1:7]
    assert [(r[0], r[6]) for r in kpi_rows] == [("value_chains", 35), ("firms_in_matchmaking", 225), ("feasibility_checks", 10),
                                                ("course_participants", 250), ("firms_supported", 188), ("spend", 311054002)]


def test_application_draft_has_members_flow_checks_and_marked_gaps(small_store):
    import docx

    from matchmaker.programmes.application import draft
    c = new_case(small_store, notes="Cups from café waste replace virgin plastic cups.")
    body = draft(c, {o.id: o for o in small_store.organisations()}, {s.id: s for s in small_store.streams()})
    doc = docx.Document(io.BytesIO(body))
    text = "\n".join(p.text for p in doc.paragraphs) + "\n".join(cell.text for t in doc.tables for row in t.rows for cell in row.cells)
    for expected in ("CØ101", "Grøn Kop ApS", "lead applicant", "Teknologisk Institut", "knowledge partner", "flow = min(offered 40",
                     "economic_partners", "de_minimis", "Selection criteria", "GAP: to be documented"):
        assert expected in text, expected


def test_firm_users_see_their_cases_and_public_ones_only(small_store):
    mine = new_case(small_store, notes="internal note")
    other = C.create_case(small_store, "fac", P, "Concrete", [("V1", "lead"), ("N1", "off_taker")], [("S5", "S6")], budget_dkk=500000,
                          grant_dkk=250000)
    found = C.list_cases(small_store)
    cups, crushers, anon = Viewer("firm", "B1", "cups"), Viewer("firm", "N1", "n"), Viewer()
    assert [c.number for c in cases_access.visible(cups, found)] == [mine.number]
    assert [c.number for c in cases_access.visible(anon, found)] == []
    assert len(cases_access.visible(Viewer("facilitator", None, "fac"), found)) == 2
    with pytest.raises(NotFound):
        cases_access.shown(cups, other)
    C.update_case(small_store, "fac", other.id, {"public": True})
    public = C.get_case(small_store, other.id)
    shown = cases_access.view_dict(cups, public, {})
    assert shown["budget_dkk"] is None and shown["grant_dkk"] is None  # money only for members and staff
    assert cases_access.view_dict(cups, mine, {})["notes"] == "" and cases_access.view_dict(crushers, public, {})["budget_dkk"] == 500000
    with pytest.raises(MatchmakerError, match="only facilitators"):
        cases_access.require_staff(cups)


def test_backup_round_trip_keeps_cases_history_and_entries(small_store, tmp_path):
    from matchmaker.io.backup import backup, restore
    from matchmaker.store import Store
    c = walk(small_store, new_case(small_store, elements=[{"kind": "service", "description": "collection"}]), *TO_FEASIBILITY)
    C.undo(small_store, "fac", c.id)
    C.enter_kpi(small_store, "fac", P, "course_participants", 12, "2025-01-31")
    backup(small_store, tmp_path / "b.json")
    fresh = Store(f"sqlite:///{tmp_path / 'fresh.db'}")
    restore(fresh, tmp_path / "b.json")
    assert [x.as_dict() for x in C.list_cases(fresh)] == [x.as_dict() for x in C.list_cases(small_store)]
    assert C.kpi_figures(fresh, P) == C.kpi_figures(small_store, P)
    again = C.advance(fresh, "fac", c.id, Change("feasibility_done", "2025-08-21"))  # ids keep working after a restore
    assert again.phase == "feasibility_done"


def test_demo_history_loads_through_the_lifecycle(store):
    from matchmaker.io.importer import import_files
    from matchmaker.paths import DEMO_DIR
    from matchmaker.programmes.demo_cases import DEMO_CASES, load_demo_cases
    import_files(store, [DEMO_DIR / "organisations.csv", DEMO_DIR / "streams.csv"])
    n = load_demo_cases(store)
    doc = json.loads(DEMO_CASES.read_text(encoding="utf-8"))
    assert n == len(doc["cases"]) >= 30 and load_demo_cases(store) == 0
    found = C.list_cases(store, P)
    phases = {c.phase for c in found}
    assert phases >= {"proposed", "partners_contacted", "clarification", "feasibility_done", "application", "decision", "running",
                      "completed", "dropped"}
    assert any(c.decision == "rejected" for c in found) and max(len(c.economic_ids) for c in found) >= 5
    assert any(e.kind == "data_platform" for c in found for e in c.elements)
    first = min(c.phase_dates()["proposed"] for c in found)
    last = max(d for c in found for d in c.phase_dates().values())
    assert (date.fromisoformat(last) - date.fromisoformat(first)).days > 700  # about two years of history
    board = kpis.dashboard(store, P, today=date.fromisoformat(last))
    assert all(k["actual"] is not None for k in board["kpis"])  # mid-course: every KPI has a figure


def test_cli_cases_and_report(small_store, runner, tmp_path):
    from matchmaker.cli import cli
    db = ["--db", small_store.url]
    r = runner.invoke(cli, ["cases", "new", "--programme", P, "--title", "Cups", "--member", "B1:lead", "--member", "K1:economic_partner",
                            "--link", "S1>S2", "--element", "take_back:cups back", "--budget", "600000", "--grant", "300000",
                            "--date", "2025-01-10", *db])
    assert r.exit_code == 0 and "saved CØ101" in r.output
    r = runner.invoke(cli, ["cases", "advance", "CO101", "running", "--date", "2025-02-01", *db])
    assert r.exit_code == 1 and "cannot move to running" in r.output and "Traceback" not in r.output
    r = runner.invoke(cli, ["cases", "advance", "CØ101", "partners_contacted", "--date", "2025-02-01", *db])
    assert r.exit_code == 0 and "now partners_contacted" in r.output
    assert runner.invoke(cli, ["cases", "undo", "CØ101", *db]).exit_code == 0
    r = runner.invoke(cli, ["cases", "list", "--json", *db])
    assert json.loads(r.output)[0]["phase"] == "proposed"
    r = runner.invoke(cli, ["cases", "kpi", "--programme", P, "--kpi", "course_participants", "--value", "20", "--as-of", "2025-03-31", *db])
    assert r.exit_code == 0
    out = tmp_path / "portfolio.xlsx"
    r = runner.invoke(cli, ["report", "--programme", P, "--format", "xlsx", "-o", str(out), *db])
    assert r.exit_code == 0 and openpyxl.load_workbook(out)["Cases"].max_row == 2
    r = runner.invoke(cli, ["report", "--programme", P, "--format", "json", *db])
    kpi = {k["id"]: k for k in json.loads(r.output)["kpis"]}
    assert kpi["course_participants"]["actual"] == 20
    r = runner.invoke(cli, ["report", "--programme", "nope", *db])
    assert r.exit_code == 1 and "unknown programme 'nope'" in r.output
    r = runner.invoke(cli, ["cases", "draft", "CØ101", "-o", str(tmp_path / "a.docx"), *db])
    assert r.exit_code == 0 and (tmp_path / "a.docx").stat().st_size > 5000


def test_case_numbers_are_unique_per_programme(small_store):
    new_case(small_store, number="CØ46")
    with pytest.raises(ValidationFailed, match="CØ46 exists already"):
        new_case(small_store, number="cø46")
    with pytest.raises(ValidationFailed, match="letters then digits"):
        new_case(small_store, number="46-A")
    with small_store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(cases)).scalar() == 1
