"""Three Danish journeys in a real browser (issue 17): a firm searches, asks for an
introduction, the other firm accepts and both see each other's contact details; a facilitator
filters chains, opens one, introduces all its firms and re-checks it; a visitor finds a node
in the network, focuses it with the search and opens it from the list or the panel."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from tests.web.test_browser_i18n import CHROMIUM, base, browser, signed_in  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")]
PROG = "vaerdikaedeafklaring"


def _contacts(app) -> None:
    store = app.extensions["matchmaker"].store
    with store.transaction() as conn:
        for org, person, mail, phone in (("B1", "Karen Kop", "karen@groenkop.example", "+45 12 34 56 78"),
                                         ("R1", "Hans Havn", "hans@havnen.example", "87 65 43 21")):
            store.upsert(conn, [replace(store.organisation(org), contact_person=person, contact_email=mail,
                                        contact_phone=phone)], [])


def test_firm_search_introduction_both_accept_contact_shown(app, browser, base, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("MATCHMAKER_OUTBOX", str(tmp_path / "outbox.txt"))
    from matchmaker.settings import reload
    reload()
    _contacts(app)
    visitor = browser.new_context(locale="da-DK").new_page()
    visitor.goto(base + "/?text=brugt+frituresolie&direction=offer")
    assert "Log ind for at komme i kontakt" in visitor.inner_text("#results")
    havnen = signed_in(browser, base, "havnen")
    havnen.goto(base + "/")
    havnen.fill("textarea[name=text]", "Vi har brugt frituresolie fra restauranten hver måned")
    havnen.check("input[name=direction][value=offer]")
    havnen.click("#search-form button[type=submit]")
    havnen.wait_for_selector("#results li.card")
    card = havnen.locator("#results li.card", has_text="Used cooking oil for bioplastic").first
    assert "Søger:" in card.inner_text() and "Detaljer" in card.inner_text()
    assert not card.locator("details.more .components").is_visible()  # components behind the toggle
    card.locator("details.more summary").click()
    assert card.locator("details.more .components").is_visible()
    card.locator("textarea[name=message]").fill("Hej, vi har ca. 8 tons om året.")
    card.locator("form.ask button[type=submit]").click()
    havnen.wait_for_url(re.compile(r"/introductions$"))
    assert "Din anmodning er sendt" in havnen.inner_text("#flash")
    cups = signed_in(browser, base, "cups")
    assert cups.inner_text("#pending-badge") == "1"
    cups.goto(base + "/introductions")
    assert "Hej, vi har ca. 8 tons om året." in cups.inner_text("main")
    assert "hans@havnen.example" not in cups.inner_text("main")
    cups.click("form[action$='/accept'] button")
    cups.wait_for_load_state()
    assert "Hans Havn" in cups.inner_text("main") and "hans@havnen.example" in cups.inner_text("main")
    assert cups.locator("#pending-badge").count() == 0
    havnen.goto(base + "/introductions")
    text = havnen.inner_text("main")
    assert "Kontakt hos Grøn Kop ApS" in text and "karen@groenkop.example" in text and "+45 12 34 56 78" in text
    havnen.goto(base + "/notifications")
    assert "kontaktoplysningerne vises nu" in havnen.inner_text("#notices")
    assert "To: karen@groenkop.example" in (tmp_path / "outbox.txt").read_text(encoding="utf-8")
    monkeypatch.delenv("MATCHMAKER_OUTBOX")
    reload()


def test_facilitator_filter_chain_introduce_all_and_recheck(browser, base):  # noqa: F811
    fac = signed_in(browser, base, "fac", viewport={"width": 1280, "height": 900})
    fac.goto(f"{base}/chains?programme={PROG}")
    fac.select_option("#chain-filters select[name=region]", "Region Midtjylland")
    fac.select_option("#chain-filters select[name=region_mode]", "all")
    fac.click("#chain-filters button")
    fac.wait_for_load_state()
    rows = fac.locator("table.chains tbody tr")
    assert rows.count() >= 1
    regions = fac.locator("table.chains tbody td[data-label='Region']").all_inner_texts()
    assert regions and all(r == "Region Midtjylland" for r in regions)
    rows.first.locator("a").first.click()
    fac.wait_for_selector("#why-proposed")
    why = fac.inner_text("#why-proposed")
    assert "Hvorfor kæden er foreslået" in why and "kan bruge til" in why and "Rangering" in why
    links_before = fac.locator("#edit-form input[name=link]").evaluate_all("els => els.map(e => e.value)")
    totals_before = fac.inner_text("main h2 + p")
    fac.click("#introduce-chain button[type=submit]")
    fac.wait_for_url(re.compile(r"/introductions$"))
    assert "Introduktioner anmodet: " in fac.inner_text("#flash")
    assert fac.locator("table.introductions tbody tr").count() >= len(links_before)
    fac.go_back()
    fac.wait_for_selector("#edit-form")
    fac.click("#edit-form button[type=submit]")  # re-check with nothing changed
    fac.wait_for_selector("#why-proposed")
    assert fac.locator("#edit-form input[name=link]").evaluate_all("els => els.map(e => e.value)") == links_before
    assert fac.inner_text("main h2 + p") == totals_before
    assert fac.locator("#money-note").count() == 0


def test_network_search_focuses_a_node_and_the_list_opens_it(browser, base):  # noqa: F811
    page = browser.new_context(locale="da-DK", viewport={"width": 390, "height": 844}, has_touch=True,
                               is_mobile=True).new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(base + "/network?min_score=0")
    page.wait_for_function("document.getElementById('network').dataset.ready === 'true'", timeout=20000)
    assert "organisationer" in page.inner_text("#network-count")
    page.fill("#node-query", "Grøn Kop")
    page.click("#node-search button[type=submit]")
    page.wait_for_selector("#node-info:not([hidden])")
    assert page.inner_text("#node-info-name") == "Grøn Kop ApS"
    assert page.evaluate("window.matchmakerNetwork.getSelectedNodes()") == ["B1"]
    scale = page.evaluate("window.matchmakerNetwork.getScale()")
    page.click("[data-zoom=in]")
    page.wait_for_timeout(400)
    assert page.evaluate("window.matchmakerNetwork.getScale()") > scale
    page.fill("#node-query", "findes ikke")
    page.click("#node-search button[type=submit]")
    assert "Ingen viste organisation" in page.inner_text("#node-search-status")
    # the list works from the keyboard: focus a row's button, press Enter, the panel follows
    button = page.locator("#node-list [data-focus='K1']")
    if not page.locator("#node-list").evaluate("d => d.open"):
        page.click("#node-list summary")
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('node-info').dataset.node === 'K1'")
    page.click("#node-info-link")
    page.wait_for_url(re.compile(r"/orgs/K1$"))
    assert errors == []
