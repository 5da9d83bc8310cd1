"""The approximate neighbour index: same top-10 as the exact search on a small store."""

from __future__ import annotations

import numpy as np

from matchmaker import settings as settings_module
from matchmaker.matching import ann
from matchmaker.matching.ann import ExactSearch, HnswSearch, neighbour_search
from matchmaker.matching.index import MatchIndex
from matchmaker.matching.weights import MatchWeights
from tests.matchmaker.test_scale import random_store


def test_hnsw_finds_the_exact_neighbours():
    rng = np.random.default_rng(3)
    centres = rng.standard_normal((40, 32)).astype(np.float32)
    v = centres[rng.integers(40, size=3000)] + 0.3 * rng.standard_normal((3000, 32)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    q = v[:100] + 0.05 * rng.standard_normal((100, 32)).astype(np.float32)
    exact, approx = ExactSearch(v).search(q, 10), HnswSearch(v).search(q, 10)
    assert approx.shape == exact.shape == (100, 10)
    recall = np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approx, exact)])
    assert recall >= 0.99
    assert (exact[:, 0] == np.argmax(q @ v.T, axis=1)).all()
    # more asked than stored: every row, once
    assert sorted(HnswSearch(v[:7]).search(q[:1], 50)[0]) == list(range(7))


def test_switched_on_by_store_size(monkeypatch):
    v = np.eye(4, dtype=np.float32)
    monkeypatch.setenv("MATCHMAKER_ANN_MIN", "3")
    settings_module.reload()
    try:
        assert neighbour_search(v).approximate
        assert not neighbour_search(v[:2]).approximate
        assert not neighbour_search(v, approximate=False).approximate
    finally:
        monkeypatch.delenv("MATCHMAKER_ANN_MIN")
        settings_module.reload()
    assert not neighbour_search(v).approximate  # default: 100,000 streams


def test_exact_and_approximate_queries_return_the_same_top_10(fake_embedder, vocab, monkeypatch):
    monkeypatch.setattr(ann, "CANDIDATES", 200)  # a small store: fewer candidates than one side holds
    orgs, streams = random_store(1000)
    exact = MatchIndex(orgs, streams, fake_embedder, vocab, MatchWeights.default(), approximate=False)
    approx = MatchIndex(orgs, streams, fake_embedder, vocab, MatchWeights.default(), approximate=True)
    assert min(len(approx.offers), len(approx.needs)) > 2 * ann.CANDIDATES  # the index really narrows the field
    for stream in streams[::10]:
        want = [(m.offer_id, m.need_id, m.score) for m in exact.match_stream(stream.id, top=10)]
        got = [(m.offer_id, m.need_id, m.score) for m in approx.match_stream(stream.id, top=10)]
        assert got == want, stream.id
    assert set(approx._search) == {("offers", "emb"), ("needs", "emb")}  # the approximate path really ran
    text = "spent coffee grounds kaffegrums from a roastery, about 40 t a year"
    assert [m.need_id for m in approx.match_text(text, "offer")] == [m.need_id for m in exact.match_text(text, "offer")]
