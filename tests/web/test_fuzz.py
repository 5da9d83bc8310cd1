"""Issue 16, the 500s of finding 14 and the fuzz target: every route, with odd parameters and
JSON bodies of every shape, as a visitor, a firm and a facilitator, answers without a 500."""

import itertools
import json
import re

import pytest

from .conftest import login

PARAMS = ["S1", "S3", "S7", "K1", "R1", "nope", "-1", "0", "99999999999999999999999", "x" * 300, "%00", "'\"<x>"]
QUERIES = ["", "?_method=POST", "?top=1e400", "?top=NaN", "?min_score=-1", "?programme=nope", "?text=kaffe&postcode=0000",
           "?text=kaffe&quantity=1e400&unit=zz", "?sector=%00", "?format=x&page=-1", "?next=//evil"]
BODIES = [None, {}, [], "x", 1, {"members": [["X"]]}, {"members": "x"}, {"members": ["K1", "B1"], "links": "x"},
          {"members": ["K1", "B1"], "links": [1]}, {"members": ["K1", "B1"], "links": [{"offer_id": []}]},
          {"members": ["K1", "B1"], "budget_dkk": float("nan")}, {"members": ["K1", "B1"], "budget_dkk": 1e308 * 10},
          {"members": ["K1", "B1"], "budget_dkk": "1e400"}, {"a": {"b": {"c": {"d": {"e": {"f": {"g": [[[[[[[]]]]]]]}}}}}}}]


def deep(n: int) -> str:
    return "[" * n + "]" * n


def fill(rule) -> list[str]:
    names = sorted(rule.arguments)
    out = []
    for values in itertools.islice(itertools.product(PARAMS, repeat=len(names)), 0, None, 5) if names else [()]:
        path = rule.rule
        for name, value in zip(names, values):
            path = re.sub(rf"<(?:[^:<>]+:)?{name}>", value, path)
        out.append(path)
    return out[:8]


@pytest.fixture
def fuzz_app(app):
    app.config.update(PROPAGATE_EXCEPTIONS=False, TESTING=False)
    return app


def test_no_route_answers_500(fuzz_app):
    clients = {"anon": fuzz_app.test_client(), "firm": fuzz_app.test_client(), "fac": fuzz_app.test_client()}
    login(clients["firm"], "cups")
    login(clients["fac"], "fac")
    tokens = {k: c.get("/api/me").get_json()["csrf_token"] for k, c in clients.items()}
    failures = []
    for rule in fuzz_app.url_map.iter_rules():
        if rule.endpoint == "static" or "logout" in rule.rule:
            continue
        for path in fill(rule):
            for who, c in clients.items():
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                    if method == "GET":
                        for q in QUERIES:
                            r = c.get(path + q)
                            if r.status_code >= 500:
                                failures.append((who, "GET", path + q, r.status_code))
                        continue
                    for body in [*BODIES, deep(5000)]:
                        data = body if isinstance(body, str) and body.startswith("[[") else json.dumps(body)
                        r = c.open(path, method=method, data=data, content_type="application/json",
                                   headers={"X-CSRF-Token": tokens[who]})
                        if r.status_code >= 500:
                            failures.append((who, method, path, body if len(str(body)) < 80 else "deep", r.status_code))
                    r = c.open(path, method=method, data={"csrf_token": tokens[who], "offer_id": "S1", "need_id": "x"})
                    if r.status_code >= 500:
                        failures.append((who, method, path, "form", r.status_code))
    assert not failures, failures[:20]
