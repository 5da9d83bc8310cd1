"""Roles, confidentiality, consent and editing through the web app.

The small programme has Restaurant Havnen (R1) whose only stream S3 is
anonymised, and Mejeriet Thy (M1) whose only stream S7 is private.
"""

from __future__ import annotations

import re

import pytest

from matchmaker.trust.access import neutral_id
from matchmaker.trust.audit import audit_log
from matchmaker.trust.introductions import list_introductions

from .conftest import token

ANON_SECRETS = ["Restaurant Havnen", "Restauranten har brugt frituresolie", "Restaurant med stort forbrug"]
PRIVATE_SECRETS = ["Mejeriet Thy", "Valle fra osteproduktion", "Syrevalle", "ostemejeri"]
ORG_IDS = ["K1", "B1", "R1", "N1", "V1", "M1", "F1", "T1"]
STREAM_IDS = [f"S{i}" for i in range(1, 11)]
QUERIES = ["brugt frituresolie", "used cooking oil", "valle whey", "kaffegrums", "crushed concrete"]


def crawl(c) -> dict[str, str]:
    """Every route a visitor or firm can reach, with every organisation and stream id."""
    urls = ["/", "/orgs", "/network?min_score=0", "/network.graphml?min_score=0", "/network.gexf",
            "/api/network?min_score=0", "/api/stats", "/api/introductions", "/introductions"]
    urls += [f"/?text={q}&direction={d}" for q in QUERIES for d in ("offer", "need")]
    urls += [f"/api/search?text={q}&direction={d}&top=50" for q in QUERIES for d in ("offer", "need")]
    for oid in ORG_IDS:
        urls += [f"/orgs/{oid}", f"/api/orgs/{oid}"]
    for sid in STREAM_IDS:
        urls += [f"/streams/{sid}?top=50", f"/api/streams/{sid}", f"/api/streams/{sid}/matches?top=50"]
    return {u: c.get(u).get_data(as_text=True) for u in urls}


def leaks(pages: dict[str, str], secrets: list[str]) -> list[tuple[str, str]]:
    return [(url, s) for url, body in pages.items() for s in secrets if s.lower() in body.lower()]


@pytest.mark.parametrize("who", [None, "cups", "fermenta"])
def test_anonymised_and_private_streams_never_leak(client_for, small_store, who):
    pages = crawl(client_for(who))
    assert leaks(pages, ANON_SECRETS + PRIVATE_SECRETS) == []
    c = client_for(who)
    assert c.get("/api/streams/S3").status_code == 404  # known only under its neutral id (issue 16)
    s3 = c.get(f"/api/streams/{neutral_id(small_store.secret(), 'S3')}").get_json()["stream"]  # shown, but anonymised
    assert s3["org_name"] == "A firm in Region Nordjylland" and s3["org_id"].startswith("anon-")  # sector withheld: one food firm there
    assert s3["quantity"] == 10 and s3["anonymised"] and s3["treatment_cost_dkk_per_unit"] is None
    assert c.get("/streams/S7").status_code == 404 and c.get("/api/streams/S7").status_code == 404
    assert c.get("/orgs/R1").status_code == 404 and c.get("/orgs/M1").status_code == 404
    k1 = c.get("/api/orgs/K1").get_json()["organisation"]
    assert k1["turnover_eur"] is None and k1["de_minimis_eur"] is None  # firms' finances are for facilitators


def test_facilitator_sees_everything(client):
    pages = crawl(client)
    found = {s for _, s in leaks(pages, ANON_SECRETS + PRIVATE_SECRETS)}
    assert found == set(ANON_SECRETS + PRIVATE_SECRETS)  # the crawl would have caught a leak
    assert client.get("/api/streams/S3").get_json()["stream"]["quantity"] == 8
    assert client.get("/api/orgs/K1").get_json()["organisation"]["turnover_eur"] == 2500000


def test_firm_sees_its_own_private_stream_and_finances(client_for):
    c = client_for("mejeri")
    assert "Valle fra osteproduktion" in c.get("/streams/S7").get_data(as_text=True)
    assert c.get("/api/orgs/M1").get_json()["organisation"]["turnover_eur"] == 20000000
    assert c.get("/api/orgs/K1").get_json()["organisation"]["turnover_eur"] is None


STAFF_ONLY = ["/chains", "/chains/custom?programme=closing-loops-2-check&members=K1&members=B1",
              "/chains/custom.csv?programme=closing-loops-2-check&members=K1&members=B1",
              "/chains/custom/summary?members=K1&members=B1", "/import", "/audit", "/orgs/new"]
STAFF_API = ["/api/chains", "/api/chains/custom?members=K1&members=B1"]
OPEN = ["/", "/orgs", "/orgs/K1", "/streams/S1", "/network", "/network.graphml", "/api/search?text=oil",
        "/api/stats", "/api/programmes", "/api/network", "/login"]


@pytest.mark.parametrize("who,staff,api,own_edit,other_edit,intro", [
    (None, 302, 401, 302, 302, 302),
    ("cups", 403, 403, 200, 403, 200),
    ("fac", 200, 200, 200, 200, 200),
    ("root", 200, 200, 200, 200, 200),
])
def test_each_role_reaches_exactly_its_pages(client_for, who, staff, api, own_edit, other_edit, intro):
    c = client_for(who)
    for url in OPEN:
        assert c.get(url).status_code == 200, url
    for url in STAFF_ONLY:
        assert c.get(url).status_code == staff, url
    for url in STAFF_API:
        assert c.get(url).status_code == api, url
    assert c.get("/streams/S2/edit").status_code == own_edit   # S2 belongs to B1, the 'cups' firm
    assert c.get("/orgs/B1/edit").status_code == own_edit
    assert c.get("/streams/S1/edit").status_code == other_edit
    assert c.get("/orgs/K1/streams/new").status_code == other_edit
    assert c.get("/introductions").status_code == intro
    if who is None:
        assert c.get("/chains").headers["Location"].startswith("/login")


def test_login_rejects_wrong_password_and_logs_attempts(anon, small_store):
    html = anon.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    r = anon.post("/login", data={"username": "fac", "password": "wrong password!", "csrf_token": csrf})
    assert r.status_code == 401 and "wrong username or password" in r.get_data(as_text=True)
    assert anon.post("/login", data={"username": "fac", "password": "x"}).status_code == 400  # no CSRF token
    r = anon.post("/login", data={"username": "fac", "password": "correct horse battery", "csrf_token": csrf,
                                  "next": "//evil.example/"})
    assert r.status_code == 302 and r.headers["Location"] == "/"  # no open redirect
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    actions = [e["action"] for e in audit_log(small_store)]
    assert actions[:2] == ["login", "login_failed"]


def test_removed_user_loses_access_at_once(client_for, small_store):
    from matchmaker.trust.accounts import remove_user
    c = client_for("fac")
    assert c.get("/chains").status_code == 200
    remove_user(small_store, "fac")
    assert c.get("/chains").status_code == 302


def _post(c, url: str, **data):
    return c.post(url, data={"csrf_token": token(c), **data})


def test_introduction_needs_both_sides_before_names_are_shown(client_for, small_store):
    cups, havnen, other = client_for("cups"), client_for("havnen"), client_for("fermenta")
    assert _post(cups, "/introductions", offer_id="S3", need_id="S4").status_code == 302
    assert leaks(crawl(cups), ANON_SECRETS) == []           # asked, not yet agreed
    intro = list_introductions(small_store)[0]
    assert (intro.status, intro.need_consent, intro.offer_consent) == ("requested", True, None)
    assert _post(other, f"/introductions/{intro.id}/accept").status_code == 403   # not its match
    assert cups.post(f"/introductions/{intro.id}/accept").status_code == 400       # no CSRF token
    assert _post(havnen, f"/introductions/{intro.id}/accept").status_code == 302
    assert list_introductions(small_store)[0].status == "introduced"
    assert "Restaurant Havnen" in cups.get("/streams/S3").get_data(as_text=True)
    assert "Restaurant Havnen" in cups.get("/api/streams/S3").get_data(as_text=True)
    assert leaks(crawl(other), ANON_SECRETS) == []          # a third firm still sees nothing
    assert "introduced" in cups.get("/streams/S4").get_data(as_text=True)
    actions = [e["action"] for e in audit_log(small_store)]
    assert "request_introduction" in actions and "accept_introduction" in actions


def test_declined_introduction_reveals_nothing(client_for, small_store):
    fac, fermenta, mejeri = client_for("fac"), client_for("fermenta"), client_for("mejeri")
    assert _post(fac, "/introductions", offer_id="S7", need_id="S8").status_code == 302
    intro = list_introductions(small_store)[0]
    assert (intro.offer_consent, intro.need_consent) == (None, None)  # a facilitator asks, both firms answer
    assert _post(fermenta, f"/introductions/{intro.id}/accept").status_code == 302
    assert _post(fermenta, f"/introductions/{intro.id}/accept").status_code == 400  # answered already
    assert _post(mejeri, f"/introductions/{intro.id}/decline").status_code == 302
    assert list_introductions(small_store)[0].status == "declined"
    assert leaks(crawl(fermenta), PRIVATE_SECRETS) == []
    assert _post(fac, f"/introductions/{intro.id}/chain").status_code == 400  # only introduced ones
    assert "a private stream" in fermenta.get("/introductions").get_data(as_text=True)


def test_in_chain_status_after_introduction(client_for, small_store):
    fac, cups, k1 = client_for("fac"), client_for("cups"), None
    _post(fac, "/introductions", offer_id="S1", need_id="S2")
    intro = list_introductions(small_store)[0]
    assert _post(cups, f"/introductions/{intro.id}/accept").status_code == 302
    assert list_introductions(small_store)[0].status == "requested"  # K1 has no account yet: still waiting
    from matchmaker.trust.accounts import add_user
    add_user(small_store, "kaffe", "firm", "correct horse battery", "K1")
    k1 = client_for("kaffe")
    assert _post(k1, f"/introductions/{intro.id}/accept").status_code == 302
    assert _post(cups, f"/introductions/{intro.id}/chain").status_code == 403
    assert _post(fac, f"/introductions/{intro.id}/chain", chain_id="C-1").status_code == 302
    assert list_introductions(small_store)[0].status == "in_chain"


def test_firm_edits_only_its_own_records(client_for, small_store):
    cups = client_for("cups")
    form = cups.get("/streams/S2/edit").get_data(as_text=True)
    values = dict(re.findall(r'<input [^>]*name="([a-z_]+)" value="([^"]*)"', form))
    values.update(re.findall(r'<select [^>]*name="([a-z_]+)"[^>]*>(?:(?!</select>).)*?<option value="([^"]*)" selected', form, re.S))
    values.pop("csrf_token", None)
    values.update(title="Spent coffee grounds, dried", org_id="K1")  # org_id is locked: ignored
    r = _post(cups, "/streams/S2/edit", **values, description="Dried grounds.")
    assert r.status_code == 302
    s2 = small_store.stream("S2")
    assert s2.title == "Spent coffee grounds, dried" and s2.org_id == "B1"
    bad = _post(cups, "/streams/S2/edit", **{**values, "quantity": "-5"})
    assert bad.status_code == 422 and "quantity" in bad.get_data(as_text=True)
    assert small_store.stream("S2").quantity == s2.quantity  # nothing written
    assert _post(cups, "/streams/S1/edit", title="mine now").status_code == 403
    assert small_store.stream("S1").title == "Kaffegrums fra vores kaffebarer"
    assert cups.post("/streams/S2/edit", data=values).status_code == 400  # no CSRF token
    new = dict(values, id="K1-FAKE", title="Cup offcuts", direction="offer", fate="recycling", invented="true",
               confidentiality="anonymised")
    r = _post(cups, "/orgs/B1/streams/new", **new)
    assert r.status_code == 302
    made = small_store.stream(r.headers["Location"].rsplit("/", 1)[1])
    assert made.org_id == "B1" and made.invented is False
    assert made.id.startswith("S-") and not made.id.startswith("B1") and small_store.stream("K1-FAKE") is None  # id says nothing
    assert _post(cups, "/orgs/K1/streams/new", **dict(new, org_id="K1")).status_code == 403
    assert len(small_store.streams()) == 11
    assert {"edit_stream", "add_stream"} <= {e["action"] for e in audit_log(small_store)}


def test_hidden_records_look_missing_and_login_redirects_stay_here(client_for, anon):
    cups = client_for("cups")
    for url in ("/streams/S7/edit", "/orgs/M1/edit", "/orgs/R1/edit", "/orgs/M1/streams/new", "/streams/NOPE/edit"):
        assert cups.get(url).status_code == 404, url
    # a private stream cannot be named in a request, and answers like a missing one
    assert _post(cups, "/introductions", offer_id="S9", need_id="S7").status_code == 404
    assert _post(cups, "/introductions", offer_id="S7", need_id="S2").status_code == 404
    assert _post(cups, "/introductions/99999999999999999999/accept").status_code == 404
    stats = anon.get("/api/stats").get_json()
    assert (stats["streams"], stats["organisations"]) == (9, 6)  # S7, M1 and R1 are not counted for visitors
    for evil in ("/%09/evil.example", "/\n/x", "/%0d%0a/x", "//evil.example", "https://evil.example", "/\\evil"):
        html = anon.get(f"/login?next={evil}").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        c = client_for(None)
        c.get("/login")
        with c.session_transaction() as sess:
            sess["csrf"] = csrf
        r = c.post("/login", data={"username": "fac", "password": "correct horse battery", "csrf_token": csrf,
                                   "next": evil.replace("%09", "\t").replace("%0d%0a", "\r\n")})
        assert r.status_code == 302 and r.headers["Location"] == "/", evil


def test_requester_name_hidden_until_agreed(client_for, small_store):
    havnen, cups = client_for("havnen"), client_for("cups")
    assert _post(havnen, "/introductions", offer_id="S3", need_id="S4").status_code == 302
    listed = cups.get("/api/introductions").get_json()["introductions"][0]
    assert listed["requested_by"] == "the other firm" and "havnen" not in cups.get("/introductions").get_data(as_text=True)
    assert havnen.get("/api/introductions").get_json()["introductions"][0]["requested_by"] == "havnen"
