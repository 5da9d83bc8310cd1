"""Issue 18 review: a sync overtaken by another process's sync writes nothing and starts again,
and full-path syncs count towards the text model's drift until it is refitted."""

from sqlalchemy import select

from matchmaker.io.importer import import_files
from matchmaker.matching import rowupdate, stored
from matchmaker.matching.stored import build_index, forget_warm, refresh_matches, sync_changed
from matchmaker.store import text_models
from matchmaker.trust import editing
from matchmaker.trust.accounts import User

from .test_stored_property import cold_refresh, rows

FAC = User("fac", "facilitator")


def _edit(store, stream_id: str, title: str) -> None:
    current = store.stream(stream_id)
    editing.save(store, FAC, "stream", {**editing.form_values(current, "stream"), "title": title}, current)


def test_an_overtaken_row_sync_starts_again(small_store, fake_embedder, vocab, monkeypatch):
    monkeypatch.setattr("matchmaker.matching.index.default_vocabulary", lambda: vocab)
    monkeypatch.setattr("matchmaker.matching.textmodel.FROZEN_FROM", 0)
    monkeypatch.setattr("matchmaker.matching.textmodel.DRIFT", 1e9)
    refresh_matches(small_store, build_index(small_store, fake_embedder))
    real = rowupdate.rerank
    overtaken = []

    def other_process_syncs_meanwhile(*args):
        if not overtaken:  # once: another process edits S3 and stores its lists while this one computes
            overtaken.append(True)
            held = dict(stored._WARM)
            forget_warm()
            _edit(small_store, "S3", "Used cooking oil, filtered")
            sync_changed(small_store, ["S3"], fake_embedder)
            stored._WARM.clear()
            stored._WARM.update(held)  # this process still holds its older index
        return real(*args)

    monkeypatch.setattr("matchmaker.matching.rowupdate.rerank", other_process_syncs_meanwhile)
    _edit(small_store, "S1", "Spent coffee grounds, dried")
    sync_changed(small_store, ["S1"], fake_embedder)
    assert overtaken
    index = build_index(small_store, fake_embedder)  # what this process searches with now
    assert index.streams[index.row["S3"]].title == "Used cooking oil, filtered"
    assert index.streams[index.row["S1"]].title == "Spent coffee grounds, dried"
    incremental = rows(small_store)
    cold_refresh(small_store, fake_embedder)
    assert incremental == rows(small_store)


def test_full_path_syncs_count_towards_drift(small_store, fake_embedder, vocab, monkeypatch, tmp_path):
    monkeypatch.setattr("matchmaker.matching.index.default_vocabulary", lambda: vocab)
    monkeypatch.setattr("matchmaker.matching.textmodel.FROZEN_FROM", 0)
    monkeypatch.setattr("matchmaker.matching.textmodel.DRIFT", 0.5)
    monkeypatch.setattr("matchmaker.matching.stored.ROW_UPDATE_MAX", 0.0)  # one change at most goes row by row
    refresh_matches(small_store, build_index(small_store, fake_embedder))

    def model(store):
        with store.engine.connect() as conn:
            return conn.execute(select(text_models.c.digest, text_models.c.changed, text_models.c.rows)).one()

    first = model(small_store)
    digests = {first.digest}
    for n in range(4):  # two new streams at a time: the full path
        path = tmp_path / f"new{n}.csv"
        path.write_text("id,org_id,direction,title,language,material,quantity,unit\n"
                        f"A{n},K1,offer,Brugt frituresolie {n},da,oils_fats,5,t/yr\n"
                        f"B{n},N1,need,Kaffegrums til svampe {n},da,food_organic,9,t/yr\n", encoding="utf-8")
        import_files(small_store, [path])
        sync_changed(small_store, [f"A{n}", f"B{n}"], fake_embedder)
        now = model(small_store)
        digests.add(now.digest)
        if now.digest == first.digest:
            assert now.changed == 2 * (n + 1)  # counted, not forgotten
    assert len(digests) > 1, "half the fitted streams changed and the text model was never refitted"
