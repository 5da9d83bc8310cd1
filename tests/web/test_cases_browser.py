"""A facilitator in a real browser: from a proposal to a saved case, through the clarification to a
decision, with the dashboard's counts and SVG charts following; a firm sees only its own cases."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from matchmaker.programmes import portfolio as P
from tests.web.test_browser import CHROMIUM, log_in, page  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")]


@pytest.fixture(autouse=True)
def open_rounds(monkeypatch):
    """Rounds open today, so the walk does not depend on the calendar of data/programmes/rounds.csv."""
    today = date.today()
    real = P.portfolios()
    rounds = [P.Round("closing-loops", f"TEST-{t}", t, today - timedelta(days=10), today + timedelta(days=10),
                      today + timedelta(days=40), "test") for t in ("collaboration", "investment")]
    patched = {pid: replace(p, rounds=rounds) for pid, p in real.items()}
    monkeypatch.setattr(P, "portfolios", lambda: patched)


def clean(pg, *statuses: int) -> None:
    """Nothing left the machine; the only console errors are the statuses this test provoked."""
    assert pg.outside == [], pg.outside
    errors = [e for e in pg.errors if not any(f"status of {s}" in e for s in statuses)]
    assert errors == [], errors


def kpi(pg, kpi_id: str) -> float:
    return float(pg.get_attribute(f'svg[data-chart="kpis"] rect.bar[data-kpi="{kpi_id}"]', "data-actual") or "nan")


def dashboard(pg) -> dict[str, float]:
    pg.goto(pg.base + "/programme/closing-loops")
    pg.wait_for_selector("#kpi-table")
    return {k: kpi(pg, k) for k in ("value_chains", "firms_in_matchmaking", "firms_supported", "feasibility_checks")}


def advance(pg, phase: str, **fields: str) -> None:
    pg.select_option("#advance-form select[name=phase]", phase)
    for name, value in fields.items():
        if name in ("track", "decision"):
            pg.select_option(f"#advance-form select[name={name}]", value)
        else:
            pg.fill(f"#advance-form input[name={name}]", value)
    pg.click("#advance-form button[type=submit]")
    pg.wait_for_selector("#phase")


def test_facilitator_walks_a_proposal_to_a_decision_and_the_dashboard_follows(page):  # noqa: F811
    log_in(page, "fac")
    before = dashboard(page)
    assert before == {"value_chains": 0, "firms_in_matchmaking": 0, "firms_supported": 0, "feasibility_checks": 0}
    assert page.locator('svg[data-chart="kpis"] rect.bar').count() == 6
    assert int(page.get_attribute('svg[data-chart="quarters"]', "data-quarters")) >= 13  # from 2023-Q3

    page.goto(page.base + "/cases/new?programme=closing-loops")
    page.wait_for_selector("#proposals")
    row = page.locator("#proposals tr[data-chain]").first
    firms_in_chain = row.inner_text().count("→") + 1
    row.locator("button", has_text="Save as case").click()
    page.wait_for_selector("#case-number")
    assert page.inner_text("#case-number") == "CØ101" and page.inner_text("#phase") == "proposed"
    assert dashboard(page)["firms_in_matchmaking"] == 0  # a proposal is not matchmaking yet

    page.goto(page.base + "/cases?programme=closing-loops")
    page.click('#cases tr[data-number="CØ101"] a')
    page.wait_for_selector("#advance-form")
    advance(page, "running")  # not allowed before a decision: an error, nothing written
    assert "cannot move to running" in page.inner_text("#case-error") and page.inner_text("#phase") == "proposed"
    advance(page, "partners_contacted")
    advance(page, "clarification")
    due = date.fromisoformat(page.inner_text("#due"))
    assert 180 <= (due - date.today()).days <= 185  # six months from the programme file
    during = dashboard(page)
    assert during["firms_in_matchmaking"] == during["firms_supported"] >= min(firms_in_chain, 2)
    assert page.locator("#ending-soon tr").count() == 1 and "none" in page.inner_text("#ending-soon")

    page.goto(page.base + "/cases/1")
    advance(page, "feasibility_done")
    advance(page, "application", track="collaboration")
    assert "round TEST-collaboration" in page.inner_text("main")
    advance(page, "decision", decision="granted", reason="strong off-taker")
    assert page.inner_text("#decision") == "granted"
    after = dashboard(page)
    assert after["value_chains"] == 1 and after["feasibility_checks"] == during["firms_supported"]
    assert "counted live from 1 stored cases" in page.inner_text('#kpi-table tr[data-kpi="value_chains"]')
    assert "not entered yet" in page.inner_text('#kpi-table tr[data-kpi="course_participants"]')

    page.goto(page.base + "/cases/1")
    page.click("#undo-form button")  # the facilitator takes the decision back
    page.wait_for_selector("#phase")
    assert page.inner_text("#phase") == "application"
    assert dashboard(page)["value_chains"] == 0

    page.fill("#kpi-form input[name=value]", "37")
    page.fill("#kpi-form input[name=source]", "attendance <b>lists</b>")
    page.click("#kpi-form button[type=submit]")
    page.wait_for_selector("#saved")
    assert kpi(page, "course_participants") == 37
    assert "attendance <b>lists</b>" in page.inner_text('#kpi-table tr[data-kpi="course_participants"]')  # escaped, shown as text
    clean(page, 400)


def test_firm_sees_only_its_cases_and_no_dashboard(page, app):  # noqa: F811
    from matchmaker.programmes import cases as C
    store = app.extensions["matchmaker"].store
    C.create_case(store, "fac", "closing-loops", "Cups from coffee grounds", [("B1", "lead"), ("K1", "economic_partner")], [("S1", "S2")])
    C.create_case(store, "fac", "closing-loops", "Crushed concrete", [("V1", "lead"), ("N1", "off_taker")], [("S5", "S6")])
    log_in(page, "cups")
    page.goto(page.base + "/cases?programme=closing-loops")
    page.wait_for_selector("#cases")
    assert "Cups from coffee grounds" in page.inner_text("#cases") and "Crushed concrete" not in page.content()
    response = page.goto(page.base + "/cases/2")
    assert response.status == 404
    response = page.goto(page.base + "/programme/closing-loops")
    assert response.status == 403
    clean(page, 403, 404)
