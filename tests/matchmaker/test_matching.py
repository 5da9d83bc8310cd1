import numpy as np
import pytest

from matchmaker.errors import MatchmakerError, NotFound
from matchmaker.io.importer import import_files
from matchmaker.matching.features import COMPONENTS, distance_km, site_vectors
from matchmaker.matching.index import MatchIndex
from matchmaker.matching.stored import refresh_matches, stored_matches, sync_changed
from matchmaker.matching.weights import MatchWeights


def test_concepts_tag_danish_and_english_and_compounds(vocab):
    assert vocab.tag("Vi har kaffegrumset fra 3 caféer") == {"coffee_grounds"}
    assert vocab.tag("spent coffee for cups") == {"coffee_grounds"}
    assert vocab.tag("Betonknusanlæg med knust beton") == {"crushed_concrete"}
    assert vocab.tag("nothing here", ewc="020501") == {"whey"}          # a code naming one concept
    assert vocab.tag("coffee grounds and more coffee grounds") == {"coffee_grounds"}
    assert vocab.uses_of({"coffee_grounds"}) == {"bioplastic"}


def test_every_component_is_in_unit_interval_and_same_org_excluded(index):
    score, comps = index.score(index.offers, index.needs)
    for name in COMPONENTS:
        assert comps[name].min() >= 0 and comps[name].max() <= 1, name
    offers = [s.org_id for s in index.offers.streams]
    needs = [s.org_id for s in index.needs.streams]
    for i, o in enumerate(offers):
        for j, n in enumerate(needs):
            assert (score[i, j] < 0) == (o == n)


def test_danish_offer_finds_english_need_with_explanation(index):
    best = index.match_stream("S1", top=3)[0]
    assert best.need_id == "S2"
    assert best.shared_concepts == ["coffee grounds"]
    assert best.components["uplift"] == 1.0          # incinerated -> raw material
    assert "Grøn Kop ApS" in best.sentence and "from disposal to recycling" in best.sentence
    assert best.km == pytest.approx(5.9, abs=1.5)   # Aarhus C to Aarhus N


def test_typical_use_links_different_concepts(index):
    m = index.explain_pair("S3", "S4")  # used cooking oil -> bioplastic maker
    unrelated = index.explain_pair("S3", "S6")  # used cooking oil -> road base
    assert m.components["taxonomy"] > unrelated.components["taxonomy"] + 0.3
    assert m.uses == ["used cooking oil -> bioplastic"]


def test_need_finds_offers_and_never_its_own_org(index):
    found = index.match_stream("S4", top=10)
    assert found[0].offer_id == "S3"
    assert "S9" not in {m.offer_id for m in found}  # S9 belongs to the same firm as S4


def test_text_query_for_unregistered_firm(index):
    found = index.match_text("Vi har valle fra vores ostemejeri", "offer", postcode="2200", top=2)
    assert found[0].need_id == "S8" and found[0].km == pytest.approx(0, abs=1)
    with pytest.raises(MatchmakerError, match="postcode"):
        index.match_text("valle", "offer", postcode="0000")
    with pytest.raises(MatchmakerError, match="EWC"):
        index.match_text("valle", "offer", ewc="999999")
    with pytest.raises(MatchmakerError, match="empty"):
        index.match_text("  ", "need")
    with pytest.raises(NotFound):
        index.match_stream("nope")


def test_hazardous_offer_is_flagged(index):
    m = index.explain_pair("S3", "S4")
    assert m.hazardous is False
    assert "CAUTION" not in m.sentence


def test_great_circle_distance():
    sites = site_vectors(np.array([56.1567, 55.6761, 56.1567]), np.array([10.2108, 12.5683, 10.2108]))
    km = distance_km(sites, sites)
    assert km[0, 1] == pytest.approx(157, abs=3)   # Aarhus - Copenhagen
    assert km[0, 2] == pytest.approx(0, abs=0.5) and km[1, 0] == pytest.approx(km[0, 1])


def test_all_pairs_equals_single_queries(index):
    ranked = index.all_pairs(top=3, block=2)  # small blocks exercise the blocking
    for stream_id, pairs in ranked.items():
        single = index.match_stream(stream_id, top=3)
        assert [o for o, _ in pairs] == [m.other(stream_id) for m in single]


def test_weights_fit_save_load(tmp_path):
    with pytest.raises(MatchmakerError, match="not fitted"):
        MatchWeights().score({c: np.zeros(1) for c in COMPONENTS})
    from matchmaker.matching.ranking import Queries
    rng = np.random.default_rng(0)
    Q = rng.random((50, 20, len(COMPONENTS)))
    Q[:, 0, 0] += 0.5  # semantic marks the true partner (candidate 0)
    q = Queries(Q, np.ones((50, 20), dtype=bool), np.zeros(50, dtype=int), np.arange(50), np.zeros((50, 20), dtype=int),
                [], [], COMPONENTS)
    w = MatchWeights().fit(q)
    assert w.coef_["semantic"] > abs(w.coef_["quantity"]) and min(w.coef_.values()) >= 0
    X = rng.random((200, len(COMPONENTS))).astype(np.float32)
    loaded = MatchWeights.load(w.save(tmp_path / "w.json"))
    comps = {c: X[:, k] for k, c in enumerate(COMPONENTS)}
    assert np.allclose(loaded.score(comps), w.score(comps))


def test_embedding_cache_computes_nothing_second_time(tmp_path, fake_embedder):
    from matchmaker.matching.embedding import CachedEmbedder
    cached = CachedEmbedder(fake_embedder, tmp_path)
    first = cached.encode(["a b", "c d", "a b"])
    assert fake_embedder.calls == 2
    again = CachedEmbedder(fake_embedder, tmp_path).encode(["c d", "a b"])  # a new process would see the file
    assert fake_embedder.calls == 2
    assert np.allclose(again, first[[1, 0]])


def test_stored_matches_and_incremental_update(small_store, fake_embedder, vocab, tmp_path, monkeypatch):
    monkeypatch.setattr("matchmaker.matching.textmodel.FROZEN_FROM", 0)  # row by row, as on a large store
    monkeypatch.setattr("matchmaker.matching.index.default_vocabulary", lambda: vocab)
    monkeypatch.setattr("matchmaker.matching.stored.current_weights", MatchWeights.default)
    weights = MatchWeights.default()
    index = MatchIndex(small_store.organisations(), small_store.streams(), fake_embedder, vocab, weights)
    assert refresh_matches(small_store, index, top=3) > 0
    assert stored_matches(small_store, "S1")[0]["need_id"] == "S2"
    before_s5 = stored_matches(small_store, "S5")
    new = tmp_path / "new.csv"
    new.write_text("id,org_id,direction,title,language,material,quantity,unit\n"
                   "S11,N1,need,Brugt kaffegrums til kopper,da,food_organic,40,t/yr\n", encoding="utf-8")
    import_files(small_store, [new])
    assert sync_changed(small_store, ["S11"], fake_embedder) > 0
    assert [m["need_id"] for m in stored_matches(small_store, "S1")][:1] == ["S11"]  # coffee grounds: a new candidate
    assert stored_matches(small_store, "S5") == before_s5  # same owner as S11: never its list
    index = MatchIndex(small_store.organisations(), small_store.streams(), fake_embedder, vocab, weights,
                       text_model=index.text_model)
    full = index.all_pairs(top=3)
    for stream_id, pairs in full.items():             # incremental result == full recompute
        assert [m["need_id"] if m["offer_id"] == stream_id else m["offer_id"]
                for m in stored_matches(small_store, stream_id, 3)] == [o for o, _ in pairs], stream_id
