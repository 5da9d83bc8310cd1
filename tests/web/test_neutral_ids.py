"""Anonymised streams are shown under neutral ids (issue 16, finding 13: 'secret.o1' named its
owner's id): a visitor and an unrelated firm crawl pages, API answers, graph exports, searches
and introductions, and never meet the stored id; the neutral id opens the stream and asks for
an introduction."""

import re
from collections import deque
from urllib.parse import urljoin, urlparse

import pytest

from matchmaker.model import Stream
from matchmaker.store import introductions
from matchmaker.trust.access import NEUTRAL_PREFIX, neutral_id

from .conftest import token

STORED = "havnen.secret.o1"  # an id that names its owner, as firms type them


@pytest.fixture
def secret_stream(small_store):
    s = Stream(id=STORED, org_id="R1", direction="offer", title="Brugt frituresolie fra køkkenet",
               description="Havnens køkken har brugt frituresolie hver uge.", language="da", ewc="200125",
               material="oils_fats", quantity=12, unit="t/yr", confidentiality="anonymised")
    with small_store.transaction() as conn:
        small_store.upsert(conn, [], [s])
    return neutral_id(small_store.secret(), STORED)


def _crawl(c, limit: int = 120) -> dict[str, str]:
    """Every internal page reachable from the start pages (GET only), with a search and the JSON twins."""
    start = ["/", "/orgs", "/network", "/introductions", "/?text=brugt+frituresolie&direction=need",
             "/?text=frituresolie&direction=need&postcode=8000", "/api/search?text=frituresolie&direction=need",
             "/api/network?min_score=0", "/network.graphml?min_score=0", "/network.gexf?min_score=0",
             "/api/introductions", "/api/stats"]
    seen: dict[str, str] = {}
    queue = deque(start)
    while queue and len(seen) < limit:
        url = queue.popleft()
        if url in seen:
            continue
        r = c.get(url)
        body = r.get_data(as_text=True)
        seen[url] = body
        if r.status_code != 200 or "html" not in (r.content_type or ""):
            continue
        for href in re.findall(r'href="([^"#]+)"', body):
            target = urljoin(url, href.replace("&amp;", "&"))
            parsed = urlparse(target)
            if parsed.netloc or parsed.path.startswith(("/static", "/vendor", "/logout", "/lang")):
                continue
            queue.append(parsed.path + (f"?{parsed.query}" if parsed.query else ""))
    return seen


@pytest.mark.parametrize("who", [None, "cups"])
def test_the_stored_id_never_appears_and_the_neutral_id_works(client_for, secret_stream, who):
    c = client_for(who)
    pages = _crawl(c)
    assert len(pages) > 20
    leaks = [url for url, body in pages.items() if STORED in body or "secret.o1" in body]
    assert leaks == []
    assert any(secret_stream in body for body in pages.values())  # it is shown, under its neutral id
    assert secret_stream.startswith(NEUTRAL_PREFIX)
    page = c.get(f"/streams/{secret_stream}")
    assert page.status_code == 200 and "frituresolie" in page.get_data(as_text=True)
    api = c.get(f"/api/streams/{secret_stream}").get_json()
    assert api["stream"]["id"] == secret_stream and STORED not in str(api)
    # the stored id answers like a missing one
    assert c.get(f"/streams/{STORED}").status_code == 404
    assert c.get(f"/api/streams/{STORED}").status_code == 404


def test_a_firm_asks_for_an_introduction_by_the_neutral_id(client_for, small_store, secret_stream):
    c = client_for("fermenta")  # F1: needs oils? any own need stream will do
    own_need = next(s.id for s in small_store.streams() if s.org_id == "F1" and s.direction == "need")
    r = c.post("/introductions", data={"offer_id": secret_stream, "need_id": own_need, "csrf_token": token(c)})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    with small_store.engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(introductions.select().with_only_columns(
            introductions.c.offer_id, introductions.c.need_id))]
    assert (STORED, own_need) in rows
    listing = c.get("/introductions").get_data(as_text=True) + c.get("/api/introductions").get_data(as_text=True)
    assert STORED not in listing and secret_stream in listing


def test_a_search_alert_links_an_anonymised_stream_by_its_neutral_id(client_for, small_store, outbox):
    cups = client_for("cups")
    assert cups.post("/searches", data={"text": "brugt frituresolie", "direction": "need",
                                        "csrf_token": token(cups)}).status_code == 302
    fac = client_for("fac")
    data = {"id": STORED, "org_id": "R1", "direction": "offer", "title": "Brugt frituresolie fra køkkenet",
            "description": "Brugt frituresolie hver uge.", "language": "da", "material": "oils_fats",
            "quantity": "12", "unit": "t/yr", "availability": "continuous", "confidentiality": "anonymised",
            "csrf_token": token(fac)}
    assert fac.post("/orgs/R1/streams/new", data=data).status_code == 302
    page = cups.get("/notifications").get_data(as_text=True)
    alias = neutral_id(small_store.secret(), STORED)
    assert f"/streams/{alias}" in page and STORED not in page
    assert not outbox.exists() or STORED not in outbox.read_text(encoding="utf-8")
