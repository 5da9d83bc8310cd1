"""The pruned exact all-pairs (matching/allpairs.py + topk.pruned_top_k) equals a plain dense
ranking of the full decision matrix: same top-k indices and the same float32 values, ties included."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from matchmaker.matching import textmodel
from matchmaker.matching.allpairs import PrunedPairs, prunable
from matchmaker.matching.index import MatchIndex
from matchmaker.matching.topk import pruned_top_k
from matchmaker.matching.weights import MatchWeights, current_weights

from .test_scale import random_store


def dense_reference(matrix: np.ndarray, k: int) -> tuple[list[list[int]], list[list[float]]]:
    """Each row's k best by (value descending, index ascending), -inf never listed."""
    idx, val = [], []
    for row in matrix:
        order = sorted((j for j in range(len(row)) if row[j] > -np.inf), key=lambda j: (-row[j], j))[:k]
        idx.append(order)
        val.append([row[j] for j in order])
    return idx, val


@pytest.mark.parametrize("weights", [MatchWeights.default(), current_weights()])
@pytest.mark.parametrize("block, workers", [(7, 1), (None, 2)])
def test_pruned_all_pairs_equals_dense_reference(fake_embedder, vocab, monkeypatch, weights, block, workers):
    monkeypatch.setattr(textmodel, "LSA_ABOVE", 50)   # dense LSA text rows on a small store
    monkeypatch.setattr(textmodel, "LSA_DIM", 24)
    orgs, streams = random_store(200, seed=3)
    streams += [replace(s, id=f"{s.id}b") for s in streams[:80]]   # twins: exact ties in every row
    index = MatchIndex(orgs, streams, fake_embedder, vocab, weights)
    o, n = index.offers, index.needs
    assert prunable(o, n, weights)
    dense = index.decision(o, n)
    assert sum(len(set(r[np.isfinite(r)].tolist())) < np.isfinite(r).sum() for r in dense) > 20  # ties really occur
    pairs = PrunedPairs(o, n, weights)
    ri, rv, ci, cv = pruned_top_k(pairs.bound, pairs.exact, len(o), len(n), 5, block, workers)
    for got_i, got_v, matrix in ((ri, rv, dense), (ci, cv, dense.T)):
        want_i, want_v = dense_reference(matrix, 5)
        for r in range(len(matrix)):
            kept = got_i[r] >= 0
            assert list(got_i[r][kept]) == want_i[r]
            assert np.array_equal(got_v[r][kept], np.array(want_v[r], dtype=np.float32))  # the same bits


def test_all_pairs_takes_the_pruned_path_with_the_dense_result(fake_embedder, vocab, monkeypatch):
    """MatchIndex.all_pairs on LSA rows prunes, and its ranked lists are the dense path's, bit for bit."""
    from matchmaker.matching import allpairs
    from matchmaker.matching.index import _dense_concepts
    from matchmaker.matching.topk import block_top_k
    monkeypatch.setattr(textmodel, "LSA_ABOVE", 50)
    monkeypatch.setattr(textmodel, "LSA_DIM", 24)
    orgs, streams = random_store(240, seed=5)
    index = MatchIndex(orgs, streams, fake_embedder, vocab, current_weights())
    calls = []
    monkeypatch.setattr(allpairs.PrunedPairs, "exact",
                        lambda self, *a, _f=allpairs.PrunedPairs.exact: calls.append(len(a[1])) or _f(self, *a))
    index.all_pairs(top=5, block=9)
    assert calls, "all_pairs did not take the pruned path"
    o, n = _dense_concepts(index.offers), _dense_concepts(index.needs)
    want = block_top_k(lambda s, e: index.decision(o.take(slice(s, e), False), n), len(o), len(n), 5, 9)
    got = index.ranked
    for a, b in zip((got.o_idx, got.o_val, got.n_idx, got.n_val), want):
        assert np.array_equal(a, b)
