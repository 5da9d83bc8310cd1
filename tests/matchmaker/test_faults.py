"""Issue 16, finding 5 and the fault test of 14: a real subprocess doing an import (with its match
update), a full refresh of the stored matches, or a restore is SIGKILLed at several points inside
its writes; the store is found exactly as before, and the next command repairs nothing it must not."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from matchmaker.io.backup import backup
from matchmaker.matching.stored import build_index, is_stale, refresh_matches
from matchmaker.store import Store, matches, meta, users
from matchmaker.trust.accounts import add_user

from ..conftest import FakeEmbedder

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys, time
from sqlalchemy import event
from sqlalchemy.engine import Engine
from matchmaker.store import Store
from tests.conftest import FakeEmbedder

op, url, arg, stop_after = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
writes = [0]

@event.listens_for(Engine, "after_cursor_execute")
def stop(conn, cursor, statement, *rest):
    if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
        writes[0] += 1
        if writes[0] == stop_after:
            print("stopped", flush=True)
            time.sleep(120)  # killed here, the transaction open

store = Store(url)
if op == "import":
    from matchmaker.io.importer import import_files
    from matchmaker.matching.stored import sync
    import_files(store, [arg])
    sync(store, FakeEmbedder())
elif op == "refresh":
    from matchmaker.matching.stored import build_index, refresh_matches
    refresh_matches(store, build_index(store, FakeEmbedder()))
elif op == "restore":
    from matchmaker.io.backup import restore
    restore(store, arg, replace=True)
print("finished", flush=True)
"""


def state(store: Store) -> str:
    with store.engine.connect() as conn:
        rows = {name: [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]
                for name, t in (("matches", matches), ("users", users), ("meta", meta))}
    return json.dumps({"orgs": [o.__dict__ for o in store.organisations()],
                       "streams": [s.__dict__ for s in store.streams()], **rows}, default=str, sort_keys=True)


def kill_at(op: str, store: Store, arg: str, point: int) -> str:
    with subprocess.Popen([sys.executable, "-c", SCRIPT, op, store.url, arg, str(point)], cwd=ROOT,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        line = proc.stdout.readline().strip()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    return line


@pytest.fixture
def matched(small_store, vocab, monkeypatch):
    monkeypatch.setattr("matchmaker.matching.index.default_vocabulary", lambda: vocab)
    refresh_matches(small_store, build_index(small_store, FakeEmbedder()))
    add_user(small_store, "fac", "facilitator", "correct horse battery")
    return small_store


@pytest.mark.parametrize("point", [1, 2, 5, 12, 40])
def test_killed_import_and_update(matched, tmp_path, point):
    new = tmp_path / "new.csv"
    new.write_text("id,org_id,direction,title,language,material,quantity,unit\n"
                   + "".join(f"N{i},N1,need,Brugt kaffegrums {i},da,food_organic,{i + 1},t/yr\n" for i in range(30))
                   + "S1,K1,offer,Kaffegrums (rettet),da,food_organic,41,t/yr\n", encoding="utf-8")
    before = state(matched)
    line = kill_at("import", matched, str(new), point)
    after = Store(matched.url)
    if line == "stopped" and point <= 32:  # killed inside the import's own transaction (31 rows and the stale mark)
        assert state(after) == before
    else:  # killed in the match update (or later): the rows are in, the lists marked stale
        assert after.stream("N0") is not None and (is_stale(after) or line == "finished")


@pytest.mark.parametrize("point", [1, 2, 3, 5])  # delete, the lists (one insert per 5,000 streams), model, token
def test_killed_refresh_leaves_the_matches_as_before(matched, point):
    before = state(matched)
    assert kill_at("refresh", matched, "-", point) == "stopped"
    assert state(Store(matched.url)) == before


@pytest.mark.parametrize("point", [1, 4, 10, 20, 30])
def test_killed_restore_leaves_the_store_as_before(matched, tmp_path, point):
    path = tmp_path / "b.json"
    backup(matched, path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    for s in doc["streams"]:
        s["title"] += " (restored)"
    path.write_text(json.dumps(doc), encoding="utf-8")
    before = state(matched)
    assert kill_at("restore", matched, str(path), point) == "stopped"
    assert state(Store(matched.url)) == before
