"""Issue 18, item 4: a few changed streams update the index and the ranked lists row by row,
and the result equals a full build and all-pairs on the changed store, bit for bit."""

from dataclasses import replace

import numpy as np
import pytest

from matchmaker.io.importer import import_files
from matchmaker.matching import rowupdate
from matchmaker.matching.grid import on_grid
from matchmaker.matching.index import MatchIndex
from matchmaker.paths import DATA_DIR
from matchmaker.store import Store

from ..conftest import FakeEmbedder


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'd.db'}")
    import_files(store, [DATA_DIR / "demo" / "organisations.csv", DATA_DIR / "demo" / "streams.csv"])
    return store.organisations(), store.streams()


def _full(orgs, streams, model, top):
    index = MatchIndex(orgs, streams, FakeEmbedder(), text_model=model)
    index.all_pairs(top)
    return index


def _same(a, b) -> None:
    for name in ("o_idx", "o_val", "n_idx", "n_val"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name


@pytest.mark.parametrize("seed,lsa,edits_only", [(0, False, False), (1, False, False), (2, True, False),
                                                 (3, True, False), (4, False, True), (5, True, True)])
def test_row_update_equals_full_build(demo, seed, lsa, edits_only, monkeypatch):
    """Sparse TF-IDF rows (small stores) and LSA rows (large ones); changes that add and remove
    rows, and edits only (rows keep their places: a path of their own)."""
    if lsa:
        monkeypatch.setattr("matchmaker.matching.textmodel.LSA_ABOVE", 100)
    orgs, streams = demo
    rng = np.random.default_rng(seed)
    base = _full(orgs, streams, None, 10)
    pick = rng.choice(len(streams), 12, replace=False)
    changed = {}
    for n, i in enumerate(pick):
        s = streams[i]
        if edits_only:
            other = streams[int(rng.integers(len(streams)))]
            changed[s.id] = replace(s, title=other.title, description=other.description, ewc=other.ewc)
        elif n % 3 == 0:
            changed[s.id] = None  # removed
        elif n % 3 == 1:  # edited: another stream's words, so it moves in many lists
            other = streams[int(rng.integers(len(streams)))]
            changed[s.id] = replace(s, title=other.title, description=other.description, quantity=other.quantity)
        else:  # a new stream with a copy's text: exact ties with the copy
            changed[f"{s.id}x"] = replace(s, id=f"{s.id}x")
    after = [changed.get(s.id, s) for s in streams if changed.get(s.id, s) is not None] \
        + [s for sid, s in changed.items() if s is not None and sid.endswith("x")]
    new, moved = rowupdate.updated(base, changed)
    ranked, touched = rowupdate.rerank(base, new, moved)
    full = _full(orgs, after, base.text_model, 10)
    assert base.text_model.dense == lsa
    assert [s.id for s in new.streams] == [s.id for s in full.streams]
    assert np.array_equal(new.offers.emb, full.offers.emb) and np.array_equal(new.needs.emb, full.needs.emb)
    _same(ranked, full.ranked)
    # every list that differs from before is among those reported as touched
    before = base.all_pairs(10)
    now = full.all_pairs(10)
    assert {sid for sid in now if now[sid] != before.get(sid)} <= touched
    assert touched, "the changes moved no list"


def test_grid_products_do_not_depend_on_shape():
    rng = np.random.default_rng(0)
    a = on_grid(rng.standard_normal((300, 384)).astype(np.float32))
    b = on_grid(rng.standard_normal((500, 384)).astype(np.float32))
    block = a[:64] @ b.T
    assert np.array_equal(block[5], (a[5:6] @ b.T)[0])      # one row alone
    assert np.array_equal(block[:, 7], (a[:64] @ b[7:8].T)[:, 0])  # one column alone
    assert np.array_equal(a[5] @ b.T, block[5])             # a vector product
    # and it is close to the float product: about 8 bits per component
    exact = a[:64] @ b.T
    assert np.abs(exact - block).max() == 0


def test_lists_explained_together_equal_one_by_one(demo):
    """Storing 100k lists explains their pairs in chunks (explain_lists); each list must read as
    the one-by-one explanation does: same counterparts, order, figures and sentence."""
    orgs, streams = demo
    index = MatchIndex(orgs, streams, FakeEmbedder())
    ranked = index.all_pairs(5)
    some = {sid: ranked[sid] for sid in list(ranked)[::7] if ranked[sid]}
    together = index.explain_lists(some, chunk=13)  # several chunks, lists split across them
    offers = {s.id for s in index.offers.streams}
    for sid, pairs in some.items():
        alone = [index.explain_pair(sid, o) if sid in offers else index.explain_pair(o, sid) for o, _ in pairs]
        got = together[sid]
        assert [m.other(sid) for m in got] == [o for o, _ in pairs]
        assert [m.score for m in got] == [round(s, 4) for _, s in pairs]
        for a, b in zip(got, alone):
            assert (a.offer_id, a.need_id, a.km, a.shared_concepts, a.shared_terms) == \
                (b.offer_id, b.need_id, b.km, b.shared_concepts, b.shared_terms)
            assert all(abs(a.components[c] - b.components[c]) <= 1e-4 for c in a.components)
