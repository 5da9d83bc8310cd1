"""Known XSS payloads through every text field of organisations and streams, and
malformed, truncated, oversized and absurd files through the import page."""

from __future__ import annotations

import html
import io
import zipfile

import pytest
from markupsafe import escape

from matchmaker.io.exporter import to_json
from matchmaker.trust.access import neutral_id

from .conftest import token

PAYLOADS = [
    '<script>alert("x")</script>',
    '<img src=x onerror=alert(1)>',
    '"><svg onload=alert(1)>',
    "'><iframe src=javascript:alert(1)></iframe>",
    '<a href="javascript:alert(1)">click</a>',
    '</script><script>alert(1)</script>',
    '<body onload=alert(1)>',
    '{{7*7}}<b>{% raw %}</b>',
    '<div style="background:url(javascript:alert(1))">',
    '<math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>',
    '=HYPERLINK("http://evil.example","x")<b>',
    '<details open ontoggle=alert(1)>',
]
ORG_TEXT = ("name", "profile", "competences")
STREAM_TEXT = ("title", "description")
PAGES = ["/", "/orgs", "/orgs/K1", "/orgs/B1", "/streams/S1", "/streams/S2", "/streams/S3", "/network?min_score=0",
         "/introductions", "/?text=kaffegrums&direction=offer", "/chains?programme=closing-loops-2-check&min_score=0",
         "/chains/custom?programme=closing-loops-2-check&members=K1&members=B1",
         "/chains/custom/summary?programme=closing-loops-2-check&members=K1&members=B1",
         "/streams/S1/edit", "/orgs/K1/edit"]
DATA = ["/api/orgs/K1", "/api/streams/S1", "/api/streams/S2/matches", "/api/network?min_score=0",
        "/api/search?text=kaffegrums&direction=offer", "/network.graphml?min_score=0", "/network.gexf",
        "/chains/custom.json?programme=closing-loops-2-check&members=K1&members=B1"]


def poison(store, payload: str) -> None:
    """Put the payload in every text field of every organisation and stream."""
    orgs, streams = store.organisations(), store.streams()
    for o in orgs:
        o.name = f"{payload} {o.id}"
        o.profile = payload
        o.competences = [payload]
    for s in streams:
        s.title = f"{payload} {s.id}"
        s.description = payload
    with store.transaction() as conn:
        store.upsert(conn, orgs, streams)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_is_inert_everywhere(client_for, small_store, payload):
    poison(small_store, payload)
    for who in ("fac", "cups", None):
        c = client_for(who)
        for url in PAGES:
            if who != "fac":  # others know the anonymised S3 only under its neutral id (issue 16)
                url = url.replace("/streams/S3", f"/streams/{neutral_id(small_store.secret(), 'S3')}")
            r = c.get(url)
            if r.status_code in (302, 403):
                continue
            body = r.get_data(as_text=True)
            assert r.status_code == 200, (who, url, r.status_code)
            assert payload not in body, (who, url)                 # never raw markup
            if url in ("/orgs/K1", "/streams/S1"):  # the payload was rendered, as text (and not evaluated)
                assert str(escape(payload)) in body, (who, url)
        for url in DATA:
            r = c.get(url)
            if r.status_code in (302, 401, 403):
                continue
            assert r.status_code == 200, (who, url)
            assert r.mimetype in ("application/json", "application/xml"), url
            assert r.headers["X-Content-Type-Options"] == "nosniff"
            if r.mimetype == "application/xml":
                assert "<script" not in r.get_data(as_text=True).lower().replace("&lt;script", ""), url
    csv_text = client_for("fac").get("/chains/custom.csv", query_string={
        "programme": "closing-loops-2-check", "members": ["K1", "B1"]}).get_data(as_text=True)
    assert not any(cell.startswith(("=", "+", "-", "@")) for line in csv_text.splitlines()
                   for cell in line.split(","))


def _xlsx(rows: list[list]) -> bytes:
    from openpyxl import Workbook
    wb = Workbook()
    wb.active.title = "organisations"
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


ORG_HEADER = "id,name,kind,sector,postcode,employees"
GOOD_ORG = "Z1,Zeta ApS,firm,food_bio,8000,5"
BAD_FILES = {
    "truncated.xlsx": _xlsx([ORG_HEADER.split(","), GOOD_ORG.split(",")])[:300],
    "random.xlsx": bytes(range(256)) * 8,
    "empty.xlsx": b"",
    "zip-not-excel.xlsx": (lambda b: (zipfile.ZipFile(b, "w").writestr("x.txt", "hi"), b.getvalue())[1])(io.BytesIO()),
    "empty.csv": b"",
    "header-only-bad.csv": b"foo,bar\n1,2\n",
    "unclosed-quote.csv": f'{ORG_HEADER}\nZ1,"Zeta ApS,firm,food_bio,8000,5\n'.encode(),
    "invalid-utf8.csv": f"{ORG_HEADER}\nZ1,Zeta ".encode() + b"\x81\x8d\x90\xff" + b",firm,food_bio,8000,5\n",
    "nul-bytes.csv": f"{ORG_HEADER}\nZ1,Ze\x00ta,firm,food_bio,8000,5\n".encode(),
    "absurd-employees.csv": f"{ORG_HEADER}\nZ1,Zeta ApS,firm,food_bio,8000,1e400\n".encode(),
    "nan-employees.csv": f"{ORG_HEADER}\nZ1,Zeta ApS,firm,food_bio,8000,nan\n".encode(),
    "negative-employees.csv": f"{ORG_HEADER}\nZ1,Zeta ApS,firm,food_bio,8000,-3\n".encode(),
    "huge-digits.csv": f"{ORG_HEADER}\nZ1,Zeta ApS,firm,food_bio,8000,{'9' * 400}\n".encode(),
    "bad-year.csv": b"id,name,kind,sector,postcode,founded_year\nZ1,Zeta ApS,firm,food_bio,8000,99999\n",
    "unknown-codes.csv": b"id,name,kind,sector,postcode,nace\nZ1,Zeta ApS,firm,space,0000,99.99\n",
    "bad-cvr.csv": b"id,name,kind,sector,postcode,cvr\nZ1,Zeta ApS,firm,food_bio,8000,12345678\n",
    "duplicate-ids.csv": f"{ORG_HEADER}\n{GOOD_ORG}\n{GOOD_ORG}\n".encode(),
    "hostile-id.csv": f"{ORG_HEADER}\n../../etc/passwd,Zeta,firm,food_bio,8000,5\n".encode(),
    "truncated.json": b'{"organisations": [{"id": "Z1", "name": "Ze',
    "wrong-shape.json": b"[1, 2, 3]",
    "json-absurd.json": b'{"organisations": [{"id": "Z1", "name": "Z", "kind": "firm", "sector": "food_bio", '
                        b'"postcode": "8000", "employees": 1e999}]}',
    "deep.json": b"[" * 100000 + b"]" * 100000,
    "unknown-kind.txt": b"id,name\nZ1,Zeta\n",
}


def _store_snapshot(store) -> str:
    return to_json(store.organisations(), store.streams())


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_rejected_with_clear_message_and_nothing_written(client, small_store, name):
    before = _store_snapshot(small_store)
    good = f"{ORG_HEADER}\nZ2,Other ApS,firm,food_bio,8000,3\n".encode()  # a good file in the same upload
    r = client.post("/import", data={"csrf_token": token(client),
                                     "files": [(io.BytesIO(BAD_FILES[name]), name), (io.BytesIO(good), "good.csv")]},
                    content_type="multipart/form-data")
    body = r.get_data(as_text=True)
    assert r.status_code == 422, (name, body[:300])
    assert "nothing was written" in body or "problem" in body.lower()
    assert html.escape(name) in body, name                      # says which file
    assert _store_snapshot(small_store) == before               # not even the good file
    assert small_store.organisation("Z2") is None


def test_oversized_upload_and_too_many_rows(client, small_store, monkeypatch):
    before = _store_snapshot(small_store)
    client.application.config["MAX_CONTENT_LENGTH"] = 1024
    r = client.post("/import", data={"csrf_token": token(client), "files": (io.BytesIO(b"x" * 5000), "big.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 413
    client.application.config["MAX_CONTENT_LENGTH"] = 20 * 1024 * 1024
    monkeypatch.setattr("matchmaker.io.readers.MAX_ROWS", 3, raising=False)
    rows = "\n".join(f"Y{i},Y{i} ApS,firm,food_bio,8000,1" for i in range(10))
    r = client.post("/import", data={"csrf_token": token(client),
                                     "files": (io.BytesIO(f"{ORG_HEADER}\n{rows}\n".encode()), "many.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 422 and "rows" in r.get_data(as_text=True)
    assert _store_snapshot(small_store) == before


COUNTS = {"payloads": len(PAYLOADS), "fields": len(ORG_TEXT) + len(STREAM_TEXT), "bad_files": len(BAD_FILES) + 2}
