import re

import pytest

from matchmaker.trust.accounts import add_user
from web import create_app

PASSWORD = "correct horse battery"


@pytest.fixture
def app(small_store, fake_embedder, vocab, monkeypatch):
    monkeypatch.setattr("matchmaker.matching.index.default_vocabulary", lambda: vocab)
    add_user(small_store, "fac", "facilitator", PASSWORD)
    add_user(small_store, "root", "admin", PASSWORD)
    add_user(small_store, "cups", "firm", PASSWORD, "B1")       # Grøn Kop ApS
    add_user(small_store, "havnen", "firm", PASSWORD, "R1")     # owns the anonymised stream S3
    add_user(small_store, "mejeri", "firm", PASSWORD, "M1")     # owns the private stream S7
    add_user(small_store, "fermenta", "firm", PASSWORD, "F1")
    return create_app({"TESTING": True, "DB": small_store.url, "EMBEDDER": fake_embedder, "SECRET_KEY": "test"})


def login(client, username: str) -> None:
    """Log in through the real form (CSRF token and all)."""
    client.set_cookie("lang", "en")  # these tests read English text: the language switch's cookie
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    r = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302, r.get_data(as_text=True)


def token(client) -> str:
    return client.get("/api/me").get_json()["csrf_token"]


@pytest.fixture
def client(app):
    """A facilitator's browser: sees everything."""
    c = app.test_client()
    login(c, "fac")
    return c


@pytest.fixture
def anon(app):
    c = app.test_client()
    c.set_cookie("lang", "en")  # English, as the switch leaves it; Danish pages are tested in test_i18n
    return c


@pytest.fixture
def client_for(app):
    def make(username: str | None):
        c = app.test_client()
        c.set_cookie("lang", "en")
        if username:
            login(c, username)
        return c
    return make


@pytest.fixture
def server(app):
    """The app behind a real HTTP server on 127.0.0.1 (threads, like waitress): for the
    browser tests and the tests that write from another process."""
    import threading

    from werkzeug.serving import make_server
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(5)


@pytest.fixture
def outbox(tmp_path, monkeypatch):
    """Mail goes to a file in the test's folder (no SMTP server): the path to read it back."""
    path = tmp_path / "outbox.txt"
    monkeypatch.setenv("MATCHMAKER_OUTBOX", str(path))
    monkeypatch.delenv("MATCHMAKER_SMTP_HOST", raising=False)
    from matchmaker.settings import reload
    reload()
    yield path
    monkeypatch.delenv("MATCHMAKER_OUTBOX")
    reload()
