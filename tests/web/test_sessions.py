"""Issue 16, findings 9 and 11 and the password policy of 14: sessions end at logout, password
change and removal; logins are throttled per account and per address; weak passwords refused."""

import pytest

from matchmaker.errors import MatchmakerError
from matchmaker.trust.accounts import add_user, check_password, remove_user
from matchmaker.trust.throttle import LoginThrottle

from .conftest import PASSWORD, login


def cookie_copy(app, client):
    """A second browser holding a copy of `client`'s session cookie (as an attacker who saved it)."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def role(client) -> str:
    return client.get("/api/me").get_json()["role"]


def _csrf(client) -> str:
    return client.get("/api/me").get_json()["csrf_token"]


def test_logout_ends_copied_sessions(app, client_for):
    cups = client_for("cups")
    saved = cookie_copy(app, cups)
    assert role(saved) == "firm"
    assert cups.post("/logout", data={"csrf_token": _csrf(cups)}).status_code == 302
    assert role(saved) == "anonymous" and role(cups) == "anonymous"


def test_password_reset_and_recreation_end_sessions(app, client_for, small_store):
    cups = client_for("cups")
    saved = cookie_copy(app, cups)
    add_user(small_store, "cups", "firm", "a new long passphrase", "B1", replace=True)
    assert role(saved) == "anonymous"
    fac = client_for("fac")
    saved = cookie_copy(app, fac)
    remove_user(small_store, "fac")
    add_user(small_store, "fac", "facilitator", PASSWORD)  # the same name again, a new account
    assert role(saved) == "anonymous"
    login(app.test_client(), "fac")  # the new account itself logs in


def _try(client, username: str, password: str):
    client.get("/login")
    return client.post("/login", data={"username": username, "password": password, "csrf_token": _csrf(client)})


def test_login_throttled_per_account_then_real_user_gets_in(app):
    now = [0.0]
    app.extensions["login_throttle"] = LoginThrottle(clock=lambda: now[0])
    c = app.test_client()
    for _ in range(5):
        assert _try(c, "cups", "wrong password!").status_code == 401
    refused = _try(c, "cups", PASSWORD)  # the right password, but too soon
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert _try(app.test_client(), "havnen", PASSWORD).status_code == 302  # other accounts unaffected
    now[0] += 15 * 60 + 1
    assert _try(c, "cups", PASSWORD).status_code == 302


def test_login_throttled_per_address(app):
    app.extensions["login_throttle"] = LoginThrottle(clock=lambda: 0.0)
    c = app.test_client()
    for i in range(20):
        assert _try(c, f"nobody{i}", "wrong password!").status_code == 401
    assert _try(c, "mejeri", PASSWORD).status_code == 429


@pytest.mark.parametrize("weak", ["aaaaaaaaaa", "abababababab", "password123", "qwertyuiop", "1234567890!", "short"])
def test_weak_passwords_refused(weak, small_store):
    with pytest.raises(MatchmakerError):
        add_user(small_store, "boss", "admin", weak)
    check_password("heather-ladder-quietly")  # a long, uncommon one passes


def test_behind_a_local_proxy_addresses_are_told_apart(app):
    app.extensions["login_throttle"] = LoginThrottle(clock=lambda: 0.0)
    c = app.test_client()
    for i in range(20):  # one client behind the proxy fails 20 times ...
        c.get("/login")
        c.post("/login", data={"username": f"nobody{i}", "password": "wrong password!", "csrf_token": _csrf(c)},
               headers={"X-Forwarded-For": "203.0.113.9"})
    other = app.test_client()  # ... another client behind the same proxy still gets in
    other.get("/login")
    r = other.post("/login", data={"username": "mejeri", "password": PASSWORD, "csrf_token": _csrf(other)},
                   headers={"X-Forwarded-For": "198.51.100.7"})
    assert r.status_code == 302
