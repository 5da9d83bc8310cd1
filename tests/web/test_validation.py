"""Issue 16, finding 14: JSON bodies schema-checked with a clear 400, private responses not stored."""

import json

import pytest

from .conftest import token


@pytest.mark.parametrize("body,expected", [
    ({"members": [["X"]]}, "'members' must be a list of organisation ids"),
    ({"members": ["K1", "B1"], "links": "x"}, "'links' must be a list"),
    ({"members": ["K1", "B1"], "links": [1]}, "link 1 must be an object"),
    ({"members": ["K1", "B1"], "budget_dkk": "lots"}, "'budget_dkk' must be a non-negative number"),
    ('{"members": ["K1", "B1"], "budget_dkk": NaN}', "bad JSON body"),
    ('{"members": ["K1", "B1"], "budget_dkk": 1e400}', "bad JSON body"),
    ("[" * 5000 + "]" * 5000, "nested more than"),
    ('{"members": ', "bad JSON body"),
])
def test_check_api_bodies_answer_400(client, body, expected):
    data = body if isinstance(body, str) else json.dumps(body)
    r = client.post("/api/check", data=data, content_type="application/json", headers={"X-CSRF-Token": token(client)})
    assert r.status_code == 400, (r.status_code, r.get_data(as_text=True)[:300])
    assert expected in r.get_json()["error"]
    json.loads(r.get_data(as_text=True))  # the answer itself is valid JSON (no NaN echoed)


def test_get_with_method_override_is_not_a_500(client):
    assert client.get("/chains?_method=POST").status_code == 200


def test_private_responses_not_stored(client_for, anon):
    fac = client_for("fac")
    for path in ("/api/me", "/audit", "/orgs/K1"):
        assert fac.get(path).headers.get("Cache-Control") == "no-store", path
    cups = client_for("cups")
    assert cups.get("/api/orgs/B1").headers.get("Cache-Control") == "no-store"  # its own figures
    assert anon.get("/api/me").headers.get("Cache-Control") == "no-store"
    assert anon.get("/orgs").headers.get("Cache-Control") != "no-store"  # public pages may be cached
