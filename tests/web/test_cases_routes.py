"""Case pages and the programme dashboard over HTTP: roles, JSON twins, downloads, bad input, escaping."""

from __future__ import annotations

import io
import re

import openpyxl

from matchmaker.programmes import cases as C
from matchmaker.programmes.lifecycle import Change
from tests.web.conftest import token

XSS = '<script>alert("x")</script>'


def make_cases(app):
    store = app.extensions["matchmaker"].store
    a = C.create_case(store, "fac", "closing-loops", f"Cups {XSS}", [("B1", "lead"), ("K1", "economic_partner")], [("S1", "S2")],
                      budget_dkk=600000, grant_dkk=300000, notes="internal: price talks", on="2025-01-10")
    C.advance(store, "fac", a.id, Change("partners_contacted", "2025-02-01"))
    b = C.create_case(store, "fac", "closing-loops", "Crushed concrete", [("V1", "lead"), ("N1", "off_taker")], [("S5", "S6")])
    return a, b


def form_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_dashboard_and_its_json_twin_for_staff_only(app, client, client_for, anon):
    make_cases(app)
    page = client.get("/programme/closing-loops")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-chart="kpis"' in html and 'data-chart="quarters"' in html and "<script>alert" not in html
    data = client.get("/api/programme/closing-loops").get_json()
    kpis = {k["id"]: k for k in data["kpis"]}
    assert kpis["firms_in_matchmaking"]["actual"] == 2 and kpis["firms_in_matchmaking"]["target"] == 225
    assert "gap_proposals" in data and data["cases"] == 2
    assert anon.get("/api/programme/closing-loops").status_code == 401
    assert anon.get("/programme/closing-loops").status_code == 302
    assert client_for("cups").get("/api/programme/closing-loops").status_code == 403
    assert client.get("/api/programme/nope").status_code == 404


def test_workbook_download_opens(app, client):
    make_cases(app)
    r = client.get("/programme/closing-loops/report.xlsx")
    assert r.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(r.data))
    assert wb["Cases"].max_row == 3 and wb["KPIs"]["A2"].value == "value_chains"


def test_firms_see_their_cases_without_notes_and_visitors_none(app, client, client_for, anon):
    a, b = make_cases(app)
    cups = client_for("cups")
    listed = cups.get("/api/cases").get_json()["cases"]
    assert [c["number"] for c in listed] == [a.number] and listed[0]["notes"] == ""
    assert cups.get(f"/api/cases/{b.id}").status_code == 404
    assert anon.get("/api/cases").get_json()["cases"] == []
    assert cups.post(f"/api/cases/{a.id}/undo", json={}, headers={"X-CSRF-Token": token(cups)}).status_code == 403
    assert client.get(f"/api/cases/{a.id}").get_json()["notes"] == "internal: price talks"


def test_case_page_escapes_and_refuses_a_forbidden_change(app, client):
    a, _ = make_cases(app)
    html = client.get(f"/cases/{a.id}").get_data(as_text=True)
    assert XSS not in html and "&lt;script&gt;" in html
    r = client.post(f"/cases/{a.id}/advance", data={"phase": "running", "csrf_token": form_token(html)})
    assert r.status_code == 400 and "cannot move to running" in r.get_data(as_text=True)
    assert C.get_case(app.extensions["matchmaker"].store, a.id).phase == "partners_contacted"
    r = client.post(f"/cases/{a.id}/advance", data={"phase": "clarification", "date": "2025-02-30", "csrf_token": form_token(html)})
    assert r.status_code == 400 and "YYYY-MM-DD" in r.get_data(as_text=True)
    r = client.post(f"/cases/{a.id}/advance", data={"phase": "clarification", "date": "2025-03-01", "csrf_token": form_token(html)})
    assert r.status_code == 302
    api = client.post(f"/api/cases/{a.id}/undo", json={}, headers={"X-CSRF-Token": token(client)})
    assert api.get_json()["phase"] == "partners_contacted"


def test_new_case_by_hand_reports_every_problem(app, client):
    html = client.get("/cases/new?programme=closing-loops").get_data(as_text=True)
    r = client.post("/cases/new?programme=closing-loops", data={"title": XSS, "members": "B1 lead\nK1 lead\nZZ9 economic_partner",
                                                               "links": "S2 > S1", "csrf_token": form_token(html)})
    body = r.get_data(as_text=True)
    assert r.status_code == 422 and "exactly one lead" in body and "unknown organisation &#39;ZZ9&#39;" in body and XSS not in body
    assert C.list_cases(app.extensions["matchmaker"].store) == []
    r = client.post("/cases/new?programme=closing-loops", data={"title": "Cups", "members": "B1 lead\nK1 economic_partner",
                                                               "links": "S1 > S2", "elements": "take_back: cups back",
                                                               "csrf_token": form_token(html)})
    assert r.status_code == 302
    case = C.list_cases(app.extensions["matchmaker"].store)[0]
    assert case.elements[0].kind == "take_back" and case.links[0].offer_id == "S1"
    r = client.get(f"/cases/{case.id}/draft.docx")
    assert r.status_code == 200 and r.data[:2] == b"PK"
