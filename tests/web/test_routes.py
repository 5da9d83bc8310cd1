import io
import re

from tests.web.conftest import token

PROG = "closing-loops-2-check"


def csrf(client, path="/import"):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_search_page_ranks_candidates(client):
    r = client.get("/", query_string={"text": "Vi har valle fra vores ostemejeri", "direction": "offer", "postcode": "2200"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Whey for fermentation" in html
    assert html.index("Whey for fermentation") < html.index("</ol>")


def test_search_api_and_bad_input(client):
    data = client.get("/api/search", query_string={"text": "spent coffee grounds", "direction": "need"}).get_json()
    assert data["results"][0]["offer_id"] == "S1"
    assert data["results"][0]["other"]["org_name"] == "Kaffebaren Aarhus ApS"
    for qs, message in [({"text": "x", "direction": "sideways"}, "unknown direction"),
                        ({"text": "x", "postcode": "0000"}, "postcode"), ({"text": "x", "quantity": "lots"}, "number"),
                        ({}, "give a text")]:
        r = client.get("/api/search", query_string=qs)
        assert r.status_code == 400 and message in r.get_json()["error"]


def test_org_and_stream_pages_and_api(client):
    assert "Kaffegrums fra vores kaffebarer" in client.get("/orgs/K1").get_data(as_text=True)
    assert client.get("/api/orgs/K1").get_json()["organisation"]["region"] == "Region Midtjylland"
    page = client.get("/streams/S1").get_data(as_text=True)
    assert "Spent coffee grounds for bioplastic cups" in page
    api = client.get("/api/streams/S1/matches").get_json()
    assert api["matches"][0]["need_id"] == "S2"
    assert client.get("/orgs/nope").status_code == 404
    assert client.get("/api/streams/nope").get_json()["error"].startswith("unknown stream")
    assert "Grøn Kop ApS" in client.get("/orgs").get_data(as_text=True)


def test_chains_list_chain_page_and_exports(client):
    data = client.get("/api/chains", query_string={"programme": PROG, "top": 100}).get_json()
    assert data["count"] > 0
    chain = next(c for c in data["chains"] if c["members"] == ["K1", "B1"])
    page = client.get(f"/chains/{chain['id']}", query_string={"programme": PROG}).get_data(as_text=True)
    assert "Eligibility" in page and "Economic partners" in page and "Lead applicant is an SME" in page  # rule names, not codes
    assert client.get(f"/chains/{chain['id']}.json", query_string={"programme": PROG}).get_json()["id"] == chain["id"]
    csv_text = client.get(f"/chains/{chain['id']}.csv", query_string={"programme": PROG}).get_data(as_text=True)
    assert csv_text.startswith("\ufeffsection;from;to") and "check;economic_partners;pass" in csv_text  # Danish Excel
    summary = client.get(f"/chains/{chain['id']}/summary", query_string={"programme": PROG}).get_data(as_text=True)
    assert "Application summary" in summary and "lead applicant" in summary
    assert client.get("/chains", query_string={"programme": PROG, "eligibility": "fail"}).status_code == 200
    assert client.get("/chains/C-nothing", query_string={"programme": PROG}).status_code == 404
    assert client.get("/chains", query_string={"programme": "nope"}).status_code == 400


def test_edit_and_recheck(client):
    base = {"programme": PROG, "members": ["K1", "B1"], "lead": "B1", "budget_dkk": "400000", "grant_dkk": "200000"}
    # the small store has no de minimis declarations, accounts year or staff hours: unknown, never a pass (issue 14)
    assert client.get("/api/chains/custom", query_string=base).get_json()["eligibility"] == "unknown"
    bigger = client.get("/api/chains/custom", query_string={**base, "add": "N1", "lead": "N1"}).get_json()
    assert bigger["eligibility"] == "fail" and "N1" in bigger["members"]
    removed = client.get("/api/chains/custom", query_string={**base, "remove": "K1"}).get_json()
    assert removed["members"] == ["B1"] and removed["eligibility"] == "fail"
    page = client.get("/chains/custom", query_string={**base, "grant_dkk": "300000"}).get_data(as_text=True)
    assert "Aid intensity" in page and "75.0%" in page  # the rule by name


def test_check_api(client):
    chain = {"members": ["K1", "B1"], "lead": "B1", "budget_dkk": 300000, "grant_dkk": 150000}
    # a logged-in script must send its session's token: a cookie alone is not enough
    no_token = client.post("/api/check", query_string={"programme": PROG}, json=chain)
    assert no_token.status_code == 400 and "CSRF" in no_token.get_json()["error"]
    headers = {"X-CSRF-Token": token(client)}
    r = client.post("/api/check", query_string={"programme": PROG}, json=chain, headers=headers)
    assert r.status_code == 200 and r.get_json()["eligibility"] == "unknown"   # no declarations in the small store
    assert {c["rule"]: c["status"] for c in r.get_json()["checks"]}["de_minimis"] == "unknown"
    assert client.post("/api/check", json={"members": ["ZZ"]}, headers=headers).status_code == 400
    assert client.post("/api/check", data="nope", headers=headers).status_code == 400


def test_network_page_api_and_exports(client):
    page = client.get("/network").get_data(as_text=True)
    assert 'id="graph-data"' in page and "/vendor/vis/vis-network.min.js" in page
    data = client.get("/api/network", query_string={"min_score": "0"}).get_json()
    assert {n["id"] for n in data["nodes"]} >= {"K1", "B1"} and data["edges"]
    grouped = client.get("/api/network", query_string={"group": "region"}).get_json()
    assert {n["id"] for n in grouped["nodes"]} <= {"Region Hovedstaden", "Region Sjælland", "Region Syddanmark",
                                                   "Region Midtjylland", "Region Nordjylland"}
    only_food = client.get("/api/network", query_string={"sector": "construction", "min_score": "0"}).get_json()
    assert {n["id"] for n in only_food["nodes"]} == {"N1", "V1"}
    assert client.get("/network.graphml").get_data(as_text=True).startswith("<graphml")
    assert b"<gexf" in client.get("/network.gexf").data
    with client.get("/vendor/vis/vis-network.min.js") as js:
        assert js.status_code == 200 and js.mimetype == "text/javascript"
    assert client.get("/vendor/vis/../../network.py").status_code == 404


def test_import_page_rejects_bad_file_and_writes_nothing(client, small_store):
    before = len(small_store.streams())
    bad = b"id,org_id,direction,title,language,material\nS77,K1,offer,x,fr,wood\n"
    r = client.post("/import", data={"csrf_token": csrf(client), "files": (io.BytesIO(bad), "bad.csv")},
                    content_type="multipart/form-data")
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "nothing was written" in html and "bad.csv, row 2, column &#39;language&#39;" in html
    assert len(small_store.streams()) == before


def test_import_page_accepts_good_file_and_requires_csrf(client, small_store):
    good = "id,org_id,direction,title,language,material\nS77,K1,need,Træpiller,da,wood\n".encode("cp1252")
    r = client.post("/import", data={"files": (io.BytesIO(good), "good.csv")}, content_type="multipart/form-data")
    assert r.status_code == 400 and small_store.stream("S77") is None
    r = client.post("/import", data={"csrf_token": csrf(client), "files": (io.BytesIO(good), "good.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 200 and small_store.stream("S77").title == "Træpiller"
    assert "S77" in {s["id"] for s in client.get("/api/orgs/K1").get_json()["streams"]}


def test_security_headers_and_escaping(client, small_store):
    r = client.get("/")
    assert "script-src 'self'" in r.headers["Content-Security-Policy"] and r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_api_index_and_stats(client):
    assert "/api/search" in " ".join(client.get("/api/").get_json()["endpoints"])
    assert client.get("/api/stats").get_json()["streams"] == 10
    assert set(client.get("/api/programmes").get_json()) >= {PROG}


PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_hostile_names_come_out_inert(client, small_store):
    org = small_store.organisation("K1")
    org.name = PAYLOAD
    stream = small_store.stream("S1")
    stream.title = PAYLOAD
    with small_store.transaction() as conn:
        small_store.upsert(conn, [org], [stream])
    for url in ["/orgs/K1", "/streams/S1", "/streams/S2", "/orgs", "/network?min_score=0",
                "/chains/custom?programme=closing-loops-2-check&members=K1&members=B1"]:
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html, url
        assert "&lt;script&gt;" in html or "\\u003cscript\\u003e" in html, url
    graph = client.get("/api/network", query_string={"min_score": "0"}).get_json()
    assert any(PAYLOAD in n["label"] or PAYLOAD in n.get("title", "") for n in graph["nodes"])  # data, not markup
    csv_text = client.get("/chains/custom.csv", query_string={"programme": "closing-loops-2-check",
                                                                "members": ["K1", "B1"]}).get_data(as_text=True)
    assert PAYLOAD[:10] in csv_text
