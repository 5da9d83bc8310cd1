"""Stream vectors and the nearest-neighbour index in PostgreSQL (matching/vectorstore.py).

Against a real PostgreSQL with pgvector (MATCHMAKER_TEST_PG, or a server the conftest starts),
otherwise skipped with the reason; the SQLite test always runs.
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import inspect, text

from matchmaker.io.importer import import_files
from matchmaker.matching import ann, vectorstore
from matchmaker.matching.index import MatchIndex
from matchmaker.matching.stored import build_index
from matchmaker.matching.weights import MatchWeights
from matchmaker.store import Store
from tests.conftest import SMALL, FakeEmbedder
from tests.matchmaker.test_scale import random_store

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def vector_store(pg_store: Store) -> Store:
    """An empty PostgreSQL store with the pgvector table ready (skipped, saying why, when it cannot be)."""
    reason = vectorstore.unavailable(pg_store)
    if reason:
        pytest.skip(f"pgvector tests skipped: {reason}")
    return pg_store


def clustered(n: int, dim: int = 32, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((40, dim)).astype(np.float32)
    v = centres[rng.integers(40, size=n)] + 0.3 * rng.standard_normal((n, dim)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    q = v[:60] + 0.05 * rng.standard_normal((60, dim)).astype(np.float32)
    return v, q / np.linalg.norm(q, axis=1, keepdims=True)


def _dense_text_model(monkeypatch, above: int) -> None:
    """LSA text vectors (the 'lex' kind) from `above` streams instead of 5000, wherever the
    threshold lives (the index, or the store's text model)."""
    try:
        from matchmaker.matching import textmodel
        monkeypatch.setattr(textmodel, "LSA_ABOVE", above)
    except ImportError:
        from matchmaker.matching import index as index_module
        monkeypatch.setattr(index_module, "LSA_ABOVE", above)


def test_database_search_finds_the_exact_top_10(vector_store):
    v, q = clustered(3000)
    ids = [f"S{i}" for i in range(len(v))]
    table = vectorstore.VectorTable(vector_store.engine)
    assert table.publish("emb", "test#1", "offer", ids, [f"h{i}" for i in ids], v) == (3000, 0)
    assert table.ensure_index("emb", "test#1", "offer", v.shape[1])
    assert vectorstore.index_name("emb", "test#1", "offer") in table.plan("emb", "test#1", "offer", q[0], 10)
    # row numbers in the caller's order, which need not be the table's
    order = np.random.default_rng(0).permutation(len(v))
    search = vectorstore.DatabaseSearch(table, "emb", "test#1", "offer", [ids[i] for i in order], v[order])
    found, exact = search.search(q, 10), ann.ExactSearch(v[order]).search(q, 10)
    assert found.shape == exact.shape == (60, 10)
    assert [set(f) for f in found] == [set(e) for e in exact]
    assert (found[:, 0] == exact[:, 0]).all()
    # more asked than the side holds: every row once; rows the table lacks come from the exact order
    small = vectorstore.DatabaseSearch(table, "emb", "test#1", "offer", ids[:5] + ["not-in-table"], v[:6])
    assert sorted(small.search(q[:1], 50)[0]) == list(range(6))


def test_only_changed_texts_are_rewritten_and_unchanged_ones_read_back(vector_store):
    import_files(vector_store, [SMALL / "organisations.csv", SMALL / "streams.csv"])
    first = FakeEmbedder()
    index = build_index(vector_store, first)
    assert isinstance(index.neighbours, vectorstore.SharedNeighbours)
    assert index.embedder is first  # queries embed with the plain embedder, no table look-up
    streams = vector_store.streams()
    with vector_store.engine.connect() as conn:
        before = dict(conn.execute(text(f"SELECT stream_id, xmin::text FROM {vectorstore.TABLE}")).all())
    assert set(before) == {s.id for s in streams}

    again = FakeEmbedder()  # another build on the same texts: nothing embedded, nothing written
    build_index(vector_store, again)
    assert again.calls == 0
    with vector_store.engine.connect() as conn:
        assert dict(conn.execute(text(f"SELECT stream_id, xmin::text FROM {vectorstore.TABLE}")).all()) == before

    edited = replace(streams[0], title=streams[0].title + " and sawdust")
    with vector_store.transaction() as conn:
        vector_store.upsert(conn, [], [edited])
    third = FakeEmbedder()
    index = build_index(vector_store, third)
    assert third.calls == 1  # only the edited text went to the model
    with vector_store.engine.connect() as conn:
        after = dict(conn.execute(text(f"SELECT stream_id, xmin::text FROM {vectorstore.TABLE}")).all())
        stored = conn.execute(text(f"SELECT text_hash FROM {vectorstore.TABLE} WHERE stream_id = :s"), {"s": edited.id}).scalar()
    assert [s for s in after if after[s] != before[s]] == [edited.id]
    assert stored == vectorstore.text_hash(index.texts[index.row[edited.id]])
    # the vectors read back are, bit for bit, those of an index that ran the model on every text
    plain = MatchIndex(vector_store.organisations(), vector_store.streams(), FakeEmbedder())
    assert plain.streams == index.streams
    assert np.array_equal(plain.offers.emb, index.offers.emb) and np.array_equal(plain.needs.emb, index.needs.emb)


SECOND_PROCESS = """
import json, sys
from matchmaker.store import Store
from matchmaker.matching import vectorstore
from matchmaker.matching.stored import build_index
from tests.conftest import FakeEmbedder
store = Store(sys.argv[1])
embedder = FakeEmbedder()
index = build_index(store, embedder)
search = index.neighbours("needs", "emb", index.needs)
query = index.offers.emb[:3]
print(json.dumps({"embedded": embedder.calls, "shared": type(search).__name__,
                  "found": [[index.needs.streams[j].id for j in row] for row in search.search(query, 5)]}))
"""


def test_two_processes_share_one_index(vector_store):
    import_files(vector_store, [SMALL / "organisations.csv", SMALL / "streams.csv"])
    index = build_index(vector_store, FakeEmbedder())
    search = index.neighbours("needs", "emb", index.needs)
    assert isinstance(search, vectorstore.DatabaseSearch)
    name = vectorstore.index_name("emb", index.neighbours.models["emb"], "need")
    url = vector_store.engine.url.render_as_string(hide_password=False)

    other = Store(url)  # a second engine: finds the index built, builds nothing
    try:
        assert not vectorstore.VectorTable(other.engine).ensure_index("emb", index.neighbours.models["emb"], "need", 64)
    finally:
        other.engine.dispose()
    done = subprocess.run([sys.executable, "-c", SECOND_PROCESS, url], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["embedded"] == 0 and seen["shared"] == "DatabaseSearch"
    mine = [[index.needs.streams[j].id for j in row] for row in search.search(index.offers.emb[:3], 5)]
    assert seen["found"] == mine
    with vector_store.engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM pg_indexes WHERE indexname = :n"), {"n": name}) == 1


def test_approximate_queries_in_postgresql_match_the_exact_ones(vector_store, fake_embedder, vocab, monkeypatch):
    monkeypatch.setattr(ann, "CANDIDATES", 200)  # a small store: fewer candidates than one side holds
    _dense_text_model(monkeypatch, 500)          # and dense text vectors, so both kinds are indexed
    orgs, streams = random_store(1000)
    with vector_store.transaction() as conn:
        vector_store.upsert(conn, orgs, streams)
    orgs, streams = vector_store.organisations(), vector_store.streams()
    exact = MatchIndex(orgs, streams, fake_embedder, vocab, MatchWeights.default(), approximate=False)
    approx = vectorstore.attach(vector_store, MatchIndex(orgs, streams, fake_embedder, vocab, MatchWeights.default(),
                                                         approximate=True))
    assert set(approx.neighbours.models) == {"emb", "lex"}
    table, lex = vectorstore.VectorTable(vector_store.engine), approx.neighbours.models["lex"]
    approx.neighbours("needs", "lex", approx.needs)  # writes the LSA rows and builds their index
    assert vectorstore.index_name("lex", lex, "need") in table.plan("lex", lex, "need", approx.offers.tfidf[0], 200)
    assert min(len(approx.offers), len(approx.needs)) > 2 * ann.CANDIDATES  # the index really narrows the field
    for stream in streams[::10]:
        want = [(m.offer_id, m.need_id, m.score) for m in exact.match_stream(stream.id, top=10)]
        got = [(m.offer_id, m.need_id, m.score) for m in approx.match_stream(stream.id, top=10)]
        assert got == want, stream.id
    assert {key: type(s).__name__ for key, s in approx._search.items()} == {
        (side, kind): "DatabaseSearch" for side in ("offers", "needs") for kind in ("emb", "lex")}
    text_query = "wood chips and sawdust from a joinery, about 40 t a year"
    assert [m.need_id for m in approx.match_text(text_query, "offer")] == [m.need_id for m in exact.match_text(text_query, "offer")]
    with vector_store.engine.connect() as conn:
        kinds = dict(conn.execute(text(f"SELECT kind, count(*) FROM {vectorstore.TABLE} GROUP BY kind")).all())
    assert kinds == {"emb": 1000, "lex": 1000}

    # a pickled copy (the on-disk index cache) carries no connection and searches in memory
    copy = pickle.loads(pickle.dumps(dict(approx.__dict__, embedder=None, _search={})))
    assert copy["neighbours"].table is None and copy["neighbours"]("needs", "emb", approx.needs) is None


def test_sqlite_stores_are_untouched(small_store, fake_embedder):
    assert vectorstore.unavailable(small_store) == "the store is sqlite, not PostgreSQL"
    assert vectorstore.reading(small_store, fake_embedder) is fake_embedder
    index = build_index(small_store, fake_embedder)
    assert index.neighbours is None and index.embedder is fake_embedder
    assert vectorstore.TABLE not in inspect(small_store.engine).get_table_names()
