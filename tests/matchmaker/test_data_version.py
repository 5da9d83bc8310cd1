"""The data version moves with every write, in the same transaction, and only then."""

from __future__ import annotations

import pytest

from matchmaker.io.backup import backup, restore
from matchmaker.io.importer import import_files
from matchmaker.matching.stored import build_index, refresh_matches, sync_changed
from matchmaker.store import organisations
from matchmaker.trust import editing, introductions
from matchmaker.trust.accounts import User, add_user, remove_user
from matchmaker.trust.audit import log

from ..conftest import SMALL

FAC = User("fac", "facilitator")


def moved(store, write) -> set[str]:
    """The counters a write moved ("*" included)."""
    before = store.data_versions()
    write()
    after = store.data_versions()
    return {name for name, v in after.items() if v != before.get(name)}


@pytest.fixture
def matched(small_store, fake_embedder, vocab, monkeypatch):
    monkeypatch.setattr("matchmaker.matching.index.default_vocabulary", lambda: vocab)
    refresh_matches(small_store, build_index(small_store, fake_embedder))
    return small_store


def test_every_write_path_bumps_the_tables_it_wrote(matched, fake_embedder, tmp_path):
    store = matched
    s1 = store.stream("S1")
    edited = {**editing.form_values(s1, "stream"), "title": "Kaffegrums, tørret"}
    assert moved(store, lambda: editing.save(store, FAC, "stream", edited, s1)) == {"*", "streams"}
    org = store.organisation("K1")
    values = {**editing.form_values(org, "organisation"), "profile": "Nye kaffebarer."}
    assert moved(store, lambda: editing.save(store, FAC, "organisation", values, org)) == {"*", "organisations"}
    rows = (SMALL / "streams.csv").read_text(encoding="utf-8").replace("Valle fra osteproduktion", "Valle (sur)")
    upload = {"streams.csv": rows.encode("utf-8")}
    assert moved(store, lambda: import_files(store, [], uploads=upload)) == {"*", "streams"}
    assert moved(store, lambda: sync_changed(store, ["S7"], fake_embedder)) == {"*", "matches"}
    assert moved(store, lambda: refresh_matches(store, build_index(store, fake_embedder))) == {"*", "matches"}
    assert moved(store, lambda: add_user(store, "cups", "firm", "correct horse battery", "B1")) == {"*", "users"}
    made: list = []
    assert moved(store, lambda: made.append(introductions.request(store, FAC, "S1", "S2"))) == {"*", "introductions"}
    cups = User("cups", "firm", "B1")
    assert moved(store, lambda: introductions.respond(store, cups, made[0].id, True)) == {"*", "introductions"}
    assert moved(store, lambda: remove_user(store, "cups")) == {"*", "users"}
    backup(store, tmp_path / "b.json")
    assert {"*", "organisations", "streams", "matches", "introductions"} <= moved(
        store, lambda: restore(store, tmp_path / "b.json", replace=True))


def test_reads_audit_entries_dry_runs_and_failed_writes_move_nothing(small_store):
    store = small_store
    assert moved(store, lambda: store.organisations()) == set()
    assert moved(store, lambda: import_files(store, [SMALL / "organisations.csv"], dry_run=True)) == set()

    def audit_only():
        with store.transaction() as conn:
            log(conn, "someone", "login", "session")
    assert moved(store, audit_only) == set()  # a login changes no view

    def failing():
        with store.transaction() as conn:
            conn.execute(organisations.update().values(profile="half-written"))
            raise RuntimeError("crash inside the write")
    assert moved(store, lambda: pytest.raises(RuntimeError, failing)) == set()
    assert "half-written" not in {o.profile for o in store.organisations()}


def test_the_version_commits_with_the_write_it_counts(small_store):
    """A reader that sees the new version sees the new data (same transaction, one commit)."""
    store = small_store
    seen = []
    with store.transaction() as conn:
        conn.execute(organisations.update().where(organisations.c.id == "K1").values(profile="new"))
        seen.append(store.data_version())  # another connection: neither the data nor the bump yet
    assert seen[0] == store.data_version() - 1
    assert store.organisation("K1").profile == "new"
