"""Danish first (issue 17): the catalogue is complete, pages are Danish by default with an
English switch, numbers are read and written the Danish way, CSV opens in Danish Excel."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
from babel.messages.pofile import read_po

from tests.web.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "web/translations/da/LC_MESSAGES/messages.po"
PROG = "vaerdikaedeafklaring"
# Words of the English interface that must not be left on a Danish page (data may be English, these are ours).
ENGLISH_UI = ["Find partners", "Organisations", "Log in", "Log out", "Filter", "Quantity", "Eligibility", "Save",
              "Who can use", "any kind", "Proposed value chains", "Introductions", "Audit log", "Network",
              "Employees", "Sector", "Region</th>", "offer this", "need this", "Postcode", "Edit this stream",
              "No matches", "Skip to the content", "Demo data is invented", "Re-check", "Flows and impact",
              "Value-chain cases", "KPIs against targets", "Deadlines", "Breakdowns", "Save as case", "no cases you may see",
              "Enter a figure", "Application rounds", "Per quarter", "quarterly series"]


def danish(app, username: str | None = None):
    """A browser that never touched the switch (Danish), logged in when a user is given."""
    c = app.test_client()
    if username:
        html = c.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        assert c.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token}).status_code == 302
    return c


def visible(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def csrf(c, url: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', c.get(url).get_data(as_text=True)).group(1)


def test_every_message_in_the_sources_has_a_danish_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "web/babel.cfg", "-k", "N_", "-k", "msg",
                    "--no-location", "-o", str(pot), "web", "matchmaker/typed.py", "matchmaker/io/validate.py",
                    "matchmaker/programmes/rules.py", "matchmaker/programmes/criteria.py", "matchmaker/matching/explain.py",
                    "matchmaker/programmes/lifecycle.py", "matchmaker/programmes/cases.py"],
                   cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as f:
        wanted = {m.id for m in read_po(f) if m.id}
    with PO.open("rb") as f:
        have = {m.id: m.string for m in read_po(f, locale="da") if m.id}
    assert len(wanted) > 250
    missing = sorted(i for i in wanted if not have.get(i))
    assert missing == [], f"no Danish for: {missing[:10]}"
    # placeholders survive translation, so a Danish page never fails to fill one in
    for msgid, text in have.items():
        for pattern in (r"%\(\w+\)s", r"\{\w+(?:!r)?\}"):
            assert sorted(re.findall(pattern, msgid)) == sorted(re.findall(pattern, text)), msgid


def test_danish_by_default_and_the_switch_is_remembered(app):
    c = app.test_client()
    html = c.get("/").get_data(as_text=True)
    assert '<html lang="da">' in html and "Hvem kan bruge min reststrøm?" in html and "Gå til indholdet" in html
    r = c.get("/lang/en", query_string={"next": "/orgs"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/orgs")
    html = c.get("/orgs").get_data(as_text=True)
    assert '<html lang="en">' in html and "Organisations" in html and "Food and bio" in html
    assert c.get("/lang/en", query_string={"next": "//evil.example"}).headers["Location"] == "/"  # no open redirect
    c.get("/lang/da")
    assert "Fødevarer og bio" in c.get("/orgs").get_data(as_text=True)


def test_danish_pages_carry_no_english_interface_words(app):
    fac, cups = danish(app, "fac"), danish(app, "cups")
    pages = {fac: ["/", "/?text=kaffegrums&quantity=40", "/orgs", "/orgs/B1", "/streams/S2", "/network", f"/chains?programme={PROG}",
                   "/introductions", "/import", "/audit", "/chains/custom?members=K1&members=B1&budget_dkk=400.000",
                   "/programme/closing-loops", "/cases?programme=closing-loops", "/cases/new?programme=closing-loops"],
             cups: ["/streams/S2/edit", "/orgs/B1/edit", "/streams/S2"]}
    for client, urls in pages.items():
        for url in urls:
            r = client.get(url)
            assert r.status_code == 200, url
            text = visible(r.get_data(as_text=True))
            left = [w for w in ENGLISH_UI if w in text]
            assert left == [], (url, left)
    assert "Hvem kan levere den" in visible(fac.get("/streams/S2").get_data(as_text=True))


def test_numbers_money_and_dates_per_locale(app):
    from web.i18n import fdate, money, num, pct
    with app.test_request_context("/"):
        assert (num(1500), num(0.54, 2), money(240000), fdate("2026-12-03T07:48:55+00:00")) == \
            ("1.500", "0,54", "DKK\u00a0240.000", "3. dec. 2026")
        assert pct(0.425, 1) == "42,5\u00a0%"
    with app.test_request_context("/", headers={"Cookie": "lang=en"}):
        assert (num(1500), num(0.54, 2), money(240000), fdate("2026-12-03")) == ("1,500", "0.54", "DKK\u00a0240,000", "Dec 3, 2026")
    html = danish(app, "fac").get("/orgs/M1").get_data(as_text=True)
    assert "EUR\u00a020.000.000" in html  # turnover on the organisation page


def test_a_grant_typed_the_danish_way_is_read_as_danish(app):
    fac = danish(app, "fac")
    query = {"programme": PROG, "members": ["K1", "B1"], "lead": "B1", "budget_dkk": "400.000", "grant_dkk": "100.000"}
    chain = fac.get("/api/chains/custom", query_string=query).get_json()
    assert (chain["budget_dkk"], chain["grant_dkk"]) == (400000, 100000)
    page = fac.get("/chains/custom", query_string=query).get_data(as_text=True)
    assert 'value="100000"' in page and "= DKK\u00a0100.000" in page  # echoed as understood
    english = danish(app, "fac")
    english.set_cookie("lang", "en")
    r = english.get("/api/chains/custom", query_string=query)
    assert r.status_code == 400 and "ambiguous" in r.get_json()["error"] and "400000" in r.get_json()["error"]
    assert english.get("/api/chains/custom", query_string={**query, "budget_dkk": "400,000", "grant_dkk": "100,000"}
                       ).get_json()["grant_dkk"] == 100000


def _stream_form(client, url: str) -> dict[str, str]:
    form = client.get(url).get_data(as_text=True)
    values = dict(re.findall(r'<input [^>]*name="([a-z_]+)" value="([^"]*)"', form))
    values.update(re.findall(r'<select [^>]*name="([a-z_]+)"[^>]*>(?:(?!</select>).)*?<option value="([^"]*)" selected', form, re.S))
    values.update(re.findall(r'<textarea [^>]*name="([a-z_]+)"[^>]*>([^<]*)</textarea>', form))
    return values


def test_stream_form_reads_danish_numbers_and_explains_doubt(app, small_store):
    cups = danish(app, "cups")
    values = _stream_form(cups, "/streams/S2/edit")
    assert values["unit"] == "t/yr" and values["material"] == "food_organic"  # choices, not free text
    page = cups.get("/streams/S2/edit").get_data(as_text=True)
    assert "Mængde om året" in page and "quantity</" not in page and "t/år" in page  # labels, not column names
    bad = cups.post("/streams/S2/edit", data={**values, "quantity": "1.200", "ewc": "99 99 99", "csrf_token": values["csrf_token"]})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "= 1.200 t/år" in html and "ukendt EAK-kode" in html
    assert small_store.stream("S2").quantity == 60  # nothing written
    ok = cups.post("/streams/S2/edit", data={**values, "quantity": "1.200", "price_dkk_per_unit": "1,5"})
    assert ok.status_code == 302
    s2 = small_store.stream("S2")
    assert (s2.quantity, s2.price_dkk_per_unit) == (1200, 1.5)
    assert "Gemt." in visible(cups.get(ok.headers["Location"]).get_data(as_text=True))  # saved confirmation
    cups.set_cookie("lang", "en")
    doubt = cups.post("/streams/S2/edit", data={**values, "quantity": "1.200"})
    text = visible(doubt.get_data(as_text=True))
    assert doubt.status_code == 422 and "1.2 with a decimal point, or 1200" in text
    assert small_store.stream("S2").quantity == 1200


def test_a_firm_sees_its_stream_as_others_see_it(app):
    havnen, mejeri = danish(app, "havnen"), danish(app, "mejeri")
    own = havnen.get("/streams/S3").get_data(as_text=True)
    assert "Restaurant Havnen" in own and "Se den, som andre ser den" in own
    preview = visible(havnen.get("/streams/S3/preview").get_data(as_text=True))
    assert "Forhåndsvisning" in preview and "Restaurant Havnen" not in preview and "anonymiseret" in preview.lower()
    assert "er privat" in visible(mejeri.get("/streams/S7/preview").get_data(as_text=True))
    assert havnen.get("/streams/S7/preview").status_code == 404  # not someone else's
    assert app.test_client().get("/streams/S3/preview").status_code == 302  # a visitor logs in first


def test_ewc_help_searches_the_842_titles(app):
    c = app.test_client()
    found = c.get("/api/ewc", query_string={"q": "concrete"}).get_json()["codes"]
    assert any(f["code"] == "17 01 01" for f in found)
    assert c.get("/api/ewc", query_string={"q": "20 01 08"}).get_json()["codes"][0]["code"] == "20 01 08"
    assert c.get("/api/ewc").get_json() == {"codes": []}


def test_chain_exports_open_in_danish_excel(app):
    fac = danish(app, "fac")
    query = {"programme": PROG, "members": ["K1", "B1"], "lead": "B1"}
    text = fac.get("/chains/custom.csv", query_string=query).get_data(as_text=True)
    assert text.startswith("\ufeffsection;from;to;") and "\r\n" in text
    flow = next(line for line in text.splitlines() if line.startswith("flow;")).split(";")
    assert re.fullmatch(r"\d+(,\d+)?", flow[5]), flow  # the score with a decimal comma
    r = fac.get("/chains/custom.xlsx", query_string=query)
    ws = openpyxl.load_workbook(io.BytesIO(r.data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("section", "from", "to") and isinstance(rows[1][5], float)


def test_rule_reasons_and_match_sentences_are_danish_on_danish_pages(app):
    """Reasons come from the domain as msg() texts: Danish words and Danish numbers on a Danish page,
    the same English text in the CLI (str), and the 'warning' status has its label."""
    from matchmaker.programmes.rules import WARN, CheckResult
    from web.labels import LABELS
    fac = danish(app, "fac")
    text = visible(fac.get("/chains/custom?members=K1&members=B1&budget_dkk=400.000").get_data(as_text=True))
    assert "ingen hovedansøger valgt" in text and "no lead applicant" not in text
    assert "mangler hvilken forordning (forventet: Generel)" in text      # a code inside a reason gets its name
    assert "økonomisk(e) partner(e)" in text and "economic partner(s)" not in text
    assert "ca. DKK 100.000 pr. virksomhed" in text                         # Danish grouping inside a reason
    assert "kan forsyne" in visible(fac.get("/streams/S2").get_data(as_text=True))
    assert CheckResult("x", WARN, "").status in LABELS


def test_a_case_page_and_the_case_list_are_danish(app):
    from matchmaker.programmes import cases as C
    case = C.create_case(app.extensions["matchmaker"].store, "fac", "closing-loops", "Kopper af kaffegrums",
                         [("B1", "lead"), ("K1", "economic_partner")], [("S1", "S2")])
    fac = danish(app, "fac")
    for url in (f"/cases/{case.id}", "/cases?programme=closing-loops"):
        text = visible(fac.get(url).get_data(as_text=True))
        assert [w for w in ENGLISH_UI + ["Members", "Change the phase", "History", "lead applicant", "proposed"] if w in text] == [], url
    text = visible(fac.get(f"/cases/{case.id}").get_data(as_text=True))
    assert "Medlemmer" in text and "foreslået" in text and "hovedansøger" in text.lower()
