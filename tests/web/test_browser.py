"""The pages in a real browser: Debian's chromium driven by Playwright, over a real server
on a free loopback port. Skipped only where chromium is not installed (setup.sh --test installs it)."""

from __future__ import annotations

import shutil
from urllib.parse import urlparse

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")]


@pytest.fixture
def page(server):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        context = browser.new_context()
        context.add_cookies([{"name": "lang", "value": "en", "url": server}])  # English, as the switch sets it
        pg = context.new_page()
        pg.outside, pg.errors = [], []
        host = urlparse(server).netloc

        def route(r):
            if urlparse(r.request.url).netloc != host:
                pg.outside.append(r.request.url)
                r.abort()
            else:
                r.continue_()
        pg.route("**/*", route)
        pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)
        pg.on("pageerror", lambda e: pg.errors.append(str(e)))
        pg.base = server
        yield pg
        browser.close()


def log_in(pg, username: str) -> None:
    from tests.web.conftest import PASSWORD
    pg.goto(pg.base + "/login")
    pg.fill("input[name=username]", username)
    pg.fill("input[name=password]", PASSWORD)
    pg.click("form.login button[type=submit]")
    pg.wait_for_selector(".who span")
    assert username in pg.inner_text(".who span")


def clean(pg, expected_status: int | None = None) -> None:
    assert pg.outside == [], f"requests left the machine: {pg.outside}"
    # a rejected upload answers 422 on purpose; chromium logs every error status
    errors = [e for e in pg.errors if not (expected_status and f"status of {expected_status}" in e)]
    assert errors == [], f"console errors: {errors}"


def test_search_form_returns_ranked_results(page):
    page.goto(page.base + "/")
    page.fill("textarea[name=text]", "Vi har 3000 m3 valle fra vores ostemejeri")
    page.fill("input[name=postcode]", "2200")
    page.click("button[type=submit]")
    page.wait_for_selector("#results li.match")
    first = page.locator("#results li.match").first.inner_text()
    assert "Whey for fermentation" in first
    scores = [float(s) for s in page.locator("#results .score").all_inner_texts()]
    assert scores == sorted(scores, reverse=True)
    clean(page)


def test_network_graph_draws(page):
    page.goto(page.base + "/network?min_score=0")
    page.wait_for_selector("#network canvas")
    page.wait_for_function("document.getElementById('network').dataset.ready === 'true'", timeout=15000)
    # a visitor: 6 organisations with public streams or no firm, plus one pseudonym for the anonymised S3;
    # Restaurant Havnen (only anonymised) and Mejeriet Thy (only private) are not shown
    assert int(page.get_attribute("#network", "data-nodes")) == 7
    clean(page)


def test_chain_page_shows_eligibility_report_and_recheck(page):
    log_in(page, "fac")
    page.goto(page.base + "/chains/custom?programme=closing-loops-2-check&members=K1&members=B1&lead=B1"
                          "&budget_dkk=400000&grant_dkk=200000")
    # the small store has no de minimis declarations or accounts: missing data is never a pass
    assert page.inner_text("#eligibility") == "UNKNOWN"
    assert page.locator("#checks tr").count() >= 8
    page.wait_for_selector("#network canvas")
    page.select_option("#edit-form select[name=add]", "N1")
    page.select_option("#edit-form select[name=lead]", "B1")
    page.fill("#edit-form input[name=grant_dkk]", "300000")
    page.click("#edit-form button[type=submit]")
    page.wait_for_selector("#checks")
    assert page.inner_text("#eligibility") == "FAIL"
    assert "Aid intensity" in page.inner_text("#checks")
    clean(page)


def test_import_page_rejects_bad_file(page, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("id,org_id,direction,title,language,material\nS90,K1,offer,<script>alert(1)</script>,xx,wood\n")
    log_in(page, "fac")
    page.goto(page.base + "/import")
    page.set_input_files("input[type=file]", str(bad))
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#import-report")
    report = page.inner_text("#import-report")
    assert "nothing was written" in report and "bad.csv, row 2, column 'language'" in report
    clean(page, expected_status=422)


def test_firm_asks_for_an_introduction_without_seeing_the_name(page):
    log_in(page, "cups")
    page.goto(page.base + "/streams/S4")
    assert "Restaurant Havnen" not in page.content()
    row = page.locator("li.match", has_text="anonymised").first
    assert "A firm in Region Nordjylland" in row.inner_text()  # sector withheld (k-anonymity)
    row.locator("button", has_text="Ask for an introduction").click()
    page.wait_for_selector("table.introductions")
    assert "requested" in page.inner_text("table.introductions").lower()
    assert "Restaurant Havnen" not in page.content()
    clean(page)
