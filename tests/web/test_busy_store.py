"""Issue 16, finding 6: SQLite in WAL mode; while another process holds the write lock, pages
still read, a write answers 503 with Retry-After (not 500), and a second CLI writer gives up
with a clear message after the busy timeout."""

import re
import sqlite3
import time

import pytest

from matchmaker.cli import cli
from matchmaker.store import Store
from web import create_app

from ..conftest import SMALL, FakeEmbedder
from .conftest import PASSWORD


@pytest.fixture
def locked(small_store, monkeypatch, vocab):
    monkeypatch.setenv("MATCHMAKER_BUSY_TIMEOUT", "0.3")
    monkeypatch.setattr("matchmaker.matching.index.default_vocabulary", lambda: vocab)
    from matchmaker.trust.accounts import add_user
    add_user(small_store, "fac", "facilitator", PASSWORD)
    path = small_store.url.removeprefix("sqlite:///")
    app = create_app({"TESTING": True, "DB": small_store.url, "EMBEDDER": FakeEmbedder(), "SECRET_KEY": "t"})
    client = app.test_client()
    assert client.get("/orgs").status_code == 200  # warm: the pages' data is read once
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the store (a long import)
    holder.execute("UPDATE organisations SET profile = 'x' WHERE id = 'K1'")
    yield small_store, client
    holder.execute("ROLLBACK")
    holder.close()


def test_wal_mode(small_store):
    with small_store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_locked_store_answers_503_and_reads_go_on(locked):
    store, client = locked
    assert client.get("/orgs").status_code == 200  # readers are not blocked by the writer
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    start = time.perf_counter()
    r = client.post("/login", data={"username": "fac", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 503 and r.headers["Retry-After"] == "5", r.status_code
    assert time.perf_counter() - start < 5


def test_second_writer_gives_up_with_a_clear_message(locked, runner, tmp_path):
    store, _ = locked
    changed = tmp_path / "orgs.csv"
    changed.write_text((SMALL / "organisations.csv").read_text(encoding="utf-8").replace("Grøn Kop ApS", "Grøn Kop A/S"),
                       encoding="utf-8")
    result = runner.invoke(cli, ["import", str(changed), "--db", store.url])
    assert result.exit_code == 1
    assert "busy with another write" in result.output and "Traceback" not in result.output
    assert Store(store.url).organisation("K1").profile != "x"
