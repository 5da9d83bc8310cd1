"""Facilitators mark suggestions from the stream page and the API; firms and visitors cannot."""

import re

from matchmaker.matching.feedback import labels

from .conftest import token


def first_match(client, stream_id: str) -> str:
    matches = client.get(f"/api/streams/{stream_id}").get_json()["matches"]
    m = matches[0]
    return m["need_id"] if m["offer_id"] == stream_id else m["offer_id"]


def test_facilitator_marks_from_the_stream_page(client, small_store):
    html = client.get("/streams/S1").get_data(as_text=True)
    assert "Good match" in html and "Not relevant" in html
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    other = first_match(client, "S1")
    r = client.post("/streams/S1/feedback", data={"other_id": other, "verdict": "good", "csrf_token": csrf})
    assert r.status_code == 302
    assert [(x.label, x.source) for x in labels(small_store)] == [(1, "mark")]
    assert "good match</span>" in client.get("/streams/S1").get_data(as_text=True)


def test_api_feedback_needs_staff_and_csrf(client, client_for, small_store):
    other = first_match(client, "S1")
    body = {"stream_id": "S1", "other_id": other, "verdict": "not_relevant"}
    assert client.post("/api/feedback", json=body).status_code == 400          # no CSRF header
    r = client.post("/api/feedback", json=body, headers={"X-CSRF-Token": token(client)})
    assert r.status_code == 200 and r.get_json()["verdict"] == "not_relevant"
    assert [x.label for x in labels(small_store)] == [0]
    firm = client_for("cups")
    assert firm.post("/api/feedback", json=body, headers={"X-CSRF-Token": token(firm)}).status_code in (401, 403)
    assert "Good match" not in firm.get("/streams/S1").get_data(as_text=True)
    bad = client.post("/api/feedback", json={**body, "verdict": "<script>"}, headers={"X-CSRF-Token": token(client)})
    assert bad.status_code == 400 and "<script>" not in bad.get_data(as_text=True)
