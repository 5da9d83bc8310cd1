"""Introductions that connect people (issue 17, item 2): contacts shown only after both accept,
a short message, notifications in the app and by mail (outbox), the menu's badges, asking from a
search result, the visitor's prompt, a chain introduced in one step, saved searches with alerts."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from matchmaker.errors import MatchmakerError
from matchmaker.io.validate import parse_organisation
from matchmaker.store import Store
from matchmaker.trust import notifications as notes


def _contacts(app) -> None:
    store: Store = app.extensions["matchmaker"].store
    with store.transaction() as conn:
        for org, person, mail, phone in (("B1", "Karen Kop", "karen@groenkop.example", "+45 12 34 56 78"),
                                         ("R1", "Hans Havn", "hans@havnen.example", "87 65 43 21")):
            current = store.organisation(org)
            store.upsert(conn, [replace(current, contact_person=person, contact_email=mail, contact_phone=phone)], [])


def _csrf(c, url: str = "/") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', c.get(url).get_data(as_text=True)).group(1)


def test_contact_fields_are_validated():
    base = {"id": "X1", "name": "X", "kind": "firm", "sector": "other", "postcode": "8000"}
    org, problems = parse_organisation({**base, "contact_email": "karen@groenkop.dk", "contact_phone": "+45 12 34 56 78"})
    assert problems == [] and org.contact_email == "karen@groenkop.dk"
    _, problems = parse_organisation({**base, "contact_email": "not an address", "contact_phone": "abc"})
    assert {c for c, _ in problems} == {"contact_email", "contact_phone"}


def test_search_ask_accept_and_contacts_shown_only_after_both_accept(app, client_for, outbox):
    _contacts(app)
    havnen, cups, visitor = client_for("havnen"), client_for("cups"), client_for(None)
    # a visitor is asked to log in on every card
    html = visitor.get("/", query_string={"text": "used cooking oil", "direction": "offer"}).get_data(as_text=True)
    assert "Log in to get in touch" in html and "Ask for an introduction" not in html
    # the firm that owns the anonymised cooking oil finds the bioplastic maker and asks, with a note
    html = havnen.get("/", query_string={"text": "used cooking oil frying oil", "direction": "offer"}).get_data(as_text=True)
    card = re.search(r'<li class="match card".*?</li>', html, re.S)
    assert card and "Details" in html and "<details" in html
    assert 'name="offer_id" value="S3"' in html and 'name="need_id" value="S4"' in html
    note = "Hej! <script>alert(1)</script> Vi har olie hver måned."
    r = havnen.post("/introductions", data={"offer_id": "S3", "need_id": "S4", "message": note, "csrf_token": _csrf(havnen)})
    assert r.status_code == 302
    # the other side: a badge, a notice, the note escaped; no contacts yet, anywhere
    page = cups.get("/introductions").get_data(as_text=True)
    assert 'id="pending-badge"' in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert "hans@havnen.example" not in page and "Restaurant Havnen" not in page
    assert "karen@groenkop.example" not in havnen.get("/introductions").get_data(as_text=True)
    assert "Someone asks to be introduced" in cups.get("/notifications").get_data(as_text=True)
    mail = outbox.read_text(encoding="utf-8")
    assert "To: karen@groenkop.example" in mail and "Vi har olie hver måned." in mail and "Restaurant Havnen" not in mail
    assert "hans@havnen" not in cups.get("/api/introductions").get_data(as_text=True)
    intro_id = int(re.search(r'/introductions/(\d+)/accept', page).group(1))
    assert cups.post(f"/introductions/{intro_id}/accept", data={"csrf_token": _csrf(cups, "/introductions")}).status_code == 302
    # both accepted (the asker's side consented by asking): each sees the other's contact, not its own
    mine, theirs = havnen.get("/introductions").get_data(as_text=True), cups.get("/introductions").get_data(as_text=True)
    assert "Karen Kop" in mine and "karen@groenkop.example" in mine and "+45 12 34 56 78" in mine
    assert "Hans Havn" in theirs and "hans@havnen.example" in theirs and "Karen Kop" not in theirs
    assert 'id="pending-badge"' not in theirs
    assert "contact details" in havnen.get("/notifications").get_data(as_text=True)
    assert outbox.read_text(encoding="utf-8").count("Subject: Matchmaker: I er nu introduceret") == 2
    # a third firm sees no contacts
    assert "karen@groenkop" not in client_for("fermenta").get("/introductions").get_data(as_text=True)


def test_a_firm_without_a_stream_of_that_direction_is_offered_to_create_one(client_for):
    mejeri = client_for("mejeri")  # Mejeriet Thy has an offer only
    html = mejeri.get("/", query_string={"text": "whey", "direction": "need"}).get_data(as_text=True)
    assert "Create a stream to ask for an introduction" in html and "/orgs/M1/streams/new" in html


def test_message_is_length_limited(client_for):
    havnen = client_for("havnen")
    r = havnen.post("/introductions", data={"offer_id": "S3", "need_id": "S4", "message": "x" * 501,
                                            "csrf_token": _csrf(havnen)})
    assert r.status_code == 400 and "500" in r.get_data(as_text=True)


def test_distance_filter_and_sort(client_for):
    c = client_for("fac")
    html = c.get("/", query_string={"text": "coffee grounds", "direction": "need", "postcode": "8000",
                                    "max_km": "1", "top": "10"}).get_data(as_text=True)
    kms = [float(k) for k in re.findall(r'data-km="([0-9.]+)"', html)]
    assert all(k <= 1 for k in kms)
    html = c.get("/", query_string={"text": "coffee grounds oil whey", "direction": "need", "postcode": "8000",
                                    "sort": "distance"}).get_data(as_text=True)
    kms = [float(k) for k in re.findall(r'data-km="([0-9.]+)"', html)]
    assert len(kms) >= 2 and kms == sorted(kms)
    assert c.get("/", query_string={"text": "x", "max_km": "10"}).status_code == 400  # no postcode


def test_facilitator_introduces_a_whole_chain(app, client_for, outbox):
    fac = client_for("fac")
    html = fac.get("/chains/custom", query_string=[("members", "K1"), ("members", "B1"), ("link", "S1>S2")]).get_data(as_text=True)
    assert "Introduce all partners" in html
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html.split('id="introduce-chain"')[1].split("</form>")[0]))
    r = fac.post("/chains/custom/introduce", data={**form, "link": "S1>S2", "members": ["K1", "B1"],
                                                    "csrf_token": _csrf(fac, "/introductions")})
    assert r.status_code == 302
    intros = fac.get("/api/introductions").get_json()
    rows = intros if isinstance(intros, list) else intros.get("introductions", [])
    assert any(i["offer_id"] == "S1" and i["need_id"] == "S2" and i["status"] == "requested" for i in rows)
    # both sides are asked, so Grøn Kop's user has a notice and a badge
    cups = client_for("cups")
    assert 'id="pending-badge"' in cups.get("/").get_data(as_text=True)
    # a second press asks nothing twice
    r = fac.post("/chains/custom/introduce", data={"link": "S1>S2", "members": ["K1", "B1"], "csrf_token": _csrf(fac, "/introductions")})
    assert r.status_code == 302
    assert sum(1 for i in fac.get("/api/introductions").get_json()["introductions"] if i["offer_id"] == "S1") == 1
    # firms may not
    assert cups.post("/chains/custom/introduce", data={"link": "S1>S2", "members": ["K1", "B1"],
                                                                     "csrf_token": _csrf(cups)}).status_code == 403


def test_saved_search_alerts_on_a_new_matching_stream(app, client_for, outbox):
    cups = client_for("cups")
    r = cups.post("/searches", data={"text": "kaffegrums coffee grounds", "direction": "need", "postcode": "8000",
                                     "max_km": "100", "csrf_token": _csrf(cups)})
    assert r.status_code == 302
    assert "kaffegrums coffee grounds" in cups.get("/").get_data(as_text=True)  # listed under saved searches
    assert notes.unread_count(app.extensions["matchmaker"].store, "cups") == 0  # today's partners are not news
    # a facilitator adds a new coffee-grounds offer in Aarhus: the saved search hears of it, once
    fac = client_for("fac")
    token = _csrf(fac, "/orgs/K1/streams/new")
    data = {"id": "S99", "org_id": "K1", "direction": "offer", "title": "Mere kaffegrums fra caféen",
            "description": "Brugt kaffegrums, coffee grounds, 10 tons om året.", "language": "da",
            "material": "food_organic", "quantity": "10", "unit": "t/yr", "availability": "continuous",
            "confidentiality": "public", "csrf_token": token}
    r = fac.post("/orgs/K1/streams/new", data=data)
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    page = cups.get("/notifications").get_data(as_text=True)
    assert "Mere kaffegrums fra caféen" in page and 'id="unread-badge"' in page
    assert notes.unread_count(app.extensions["matchmaker"].store, "cups") == 1
    # editing the same stream again is no news; coffee grounds in Copenhagen (F1, > 100 km) are outside the distance
    fac.post("/streams/S99/edit", data={**data, "title": "Mere kaffegrums fra caféen (opdateret)",
                                        "csrf_token": _csrf(fac, "/streams/S99/edit")})
    r = fac.post("/orgs/F1/streams/new", data={**data, "id": "S98", "org_id": "F1", "title": "Kaffegrums i København",
                                               "csrf_token": _csrf(fac, "/orgs/F1/streams/new")})
    assert r.status_code == 302
    assert notes.unread_count(app.extensions["matchmaker"].store, "cups") == 1
    cups.post("/notifications/read", data={"csrf_token": _csrf(cups, "/notifications")})
    assert notes.unread_count(app.extensions["matchmaker"].store, "cups") == 0


def test_outbox_default_is_beside_the_store(small_store, monkeypatch):
    monkeypatch.delenv("MATCHMAKER_OUTBOX", raising=False)
    from matchmaker.settings import reload
    path = notes.outbox_path(small_store, reload())
    assert path.name == "outbox.txt" and str(path.parent) in small_store.url
    with pytest.raises(MatchmakerError):
        from matchmaker.trust.introductions import clean_message
        clean_message("x" * 600)


def test_mail_goes_through_smtp_when_configured(small_store, monkeypatch):
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            sent.append(("connect", host, port))

        def __enter__(self):
            return self

        def __exit__(self, *a):
            return False

        def has_extn(self, name):
            return False

        def login(self, user, password):
            sent.append(("login", user))

        def send_message(self, message):
            sent.append(("send", message["To"], message["Subject"]))

    monkeypatch.setattr("smtplib.SMTP", FakeSMTP)
    monkeypatch.setenv("MATCHMAKER_SMTP_HOST", "mail.example")
    monkeypatch.setenv("MATCHMAKER_SMTP_USER", "mm")
    from matchmaker.settings import reload
    env = reload()
    where = notes.send(small_store, [notes.Mail("a@b.example", "Subj", "Body")], env)
    monkeypatch.delenv("MATCHMAKER_SMTP_HOST")
    monkeypatch.delenv("MATCHMAKER_SMTP_USER")
    reload()
    assert where == "smtp" and ("connect", "mail.example", 587) in sent and ("login", "mm") in sent
    assert ("send", "a@b.example", "Subj") in sent
