"""Labels from use: facilitators' marks and introductions' outcomes; who may mark."""

import pytest

from matchmaker.errors import Forbidden, MatchmakerError, NotFound
from matchmaker.matching.feedback import labels, marks_for
from matchmaker.store import introductions
from matchmaker.trust.accounts import User
from matchmaker.trust.feedback import mark_suggestion

FACILITATOR = User("fac", "facilitator")


def offer_need(store):
    streams = store.streams()
    offer = next(s for s in streams if s.direction == "offer")
    need = next(s for s in streams if s.direction == "need" and s.org_id != offer.org_id)
    return offer, need


def test_marks_are_labels_and_the_latest_wins(small_store):
    offer, need = offer_need(small_store)
    assert mark_suggestion(small_store, FACILITATOR, need.id, offer.id, "good") == (offer.id, need.id)  # either order
    assert [(x.offer_id, x.need_id, x.label, x.source) for x in labels(small_store)] == [(offer.id, need.id, 1, "mark")]
    mark_suggestion(small_store, FACILITATOR, offer.id, need.id, "not_relevant")
    assert [x.label for x in labels(small_store)] == [0]
    assert marks_for(small_store, offer.id) == {need.id: 0}


def test_only_staff_mark_and_bad_pairs_are_refused(small_store):
    offer, need = offer_need(small_store)
    with pytest.raises(Forbidden):
        mark_suggestion(small_store, User("f", "firm", offer.org_id), offer.id, need.id, "good")
    with pytest.raises(MatchmakerError, match="verdict"):
        mark_suggestion(small_store, FACILITATOR, offer.id, need.id, "great")
    with pytest.raises(NotFound):
        mark_suggestion(small_store, FACILITATOR, offer.id, "nope", "good")
    other_offer = next(s for s in small_store.streams() if s.direction == "offer" and s.id != offer.id)
    with pytest.raises(MatchmakerError, match="offer with a need"):
        mark_suggestion(small_store, FACILITATOR, offer.id, other_offer.id, "good")
    assert labels(small_store) == []


def test_introductions_count_and_a_mark_overrides(small_store):
    offer, need = offer_need(small_store)
    with small_store.transaction() as conn:
        conn.execute(introductions.insert().values(offer_id=offer.id, need_id=need.id, status="declined",
                                                   requested_by="x", created_at="t", updated_at="t"))
    assert [(x.label, x.source) for x in labels(small_store)] == [(0, "introduction")]
    mark_suggestion(small_store, FACILITATOR, offer.id, need.id, "good")
    assert [(x.label, x.source) for x in labels(small_store)] == [(1, "mark")]


def test_feedback_enters_eval_and_fit_as_its_own_cells(small_store, fake_embedder, vocab, monkeypatch):
    from matchmaker.matching import evaluation
    from matchmaker.matching.benchmark import BENCHMARK_DIR
    monkeypatch.setattr("matchmaker.matching.index.default_vocabulary", lambda: vocab)
    offer, need = offer_need(small_store)
    mark_suggestion(small_store, FACILITATOR, offer.id, need.id, "good")
    result = evaluation.run(BENCHMARK_DIR / "world", fake_embedder, None, small_store)
    cells = {(r["method"], r["direction"], r["pairing"]) for r in result["rows"]}
    assert ("hybrid (fitted, CV)", "offer->need", "feedback") in cells
    assert result["data"]["feedback"] == {"good": 1, "not_relevant": 0, "marks": 1, "introductions": 0}
    assert result["data"]["feedback_labels"] == 1
