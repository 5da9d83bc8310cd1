"""All-pairs at scale: the blocked exact search equals a brute-force ranking of the full score matrix."""

from __future__ import annotations

import numpy as np
import pytest

from matchmaker.matching.index import MatchIndex
from matchmaker.matching.topk import block_top_k
from matchmaker.matching.weights import MatchWeights
from matchmaker.model import Organisation, Stream

WORDS = ("kaffegrums spent coffee grounds whey valle used cooking oil frituresolie crushed concrete beton "
         "wood chips træflis sawdust savsmuld glass cullet plastic film folie steel scrap jern biomass "
         "fermentation residue heat overskudsvarme textile offcuts").split()


def random_store(n: int, seed: int = 0) -> tuple[list[Organisation], list[Stream]]:
    rng = np.random.default_rng(seed)
    orgs = [Organisation(id=f"O{i}", name=f"Firm {i}", kind="firm", sector="other",
                         postcode=str(rng.choice(["8000", "2100", "5000", "9000", "7100"]))) for i in range(n // 3 + 1)]
    streams = []
    for i in range(n):
        words = rng.choice(WORDS, size=rng.integers(2, 6))
        streams.append(Stream(id=f"S{i}", org_id=f"O{rng.integers(len(orgs))}",
                              direction="offer" if rng.random() < 0.5 else "need", title=" ".join(words),
                              language="en", material=str(rng.choice(["wood", "food_organic", "other", "concrete_mineral"])),
                              quantity=float(rng.integers(1, 500)) if rng.random() < 0.7 else None,
                              unit="t/yr"))
    return orgs, streams


def brute_force(index: MatchIndex, top: int) -> dict[str, list[str]]:
    """Every pair scored at once, ranked by (score descending, position ascending)."""
    d = index.decision(index.offers, index.needs)
    out = {}
    for mine, theirs, matrix in ((index.offers, index.needs, d), (index.needs, index.offers, d.T)):
        for i, s in enumerate(mine.streams):
            row = matrix[i]
            order = sorted((j for j in range(len(row)) if row[j] > -np.inf), key=lambda j: (-row[j], j))[:top]
            out[s.id] = [theirs.streams[j].id for j in order]
    return out


@pytest.mark.parametrize("block", [1, 7, None])
def test_blocked_all_pairs_equals_brute_force(fake_embedder, vocab, block):
    orgs, streams = random_store(240)
    index = MatchIndex(orgs, streams, fake_embedder, vocab, MatchWeights.default())
    ranked = index.all_pairs(top=5, block=block)
    expected = brute_force(index, 5)
    assert {k: [o for o, _ in v] for k, v in ranked.items()} == expected
    assert any(len(v) == 5 for v in ranked.values())


def test_block_top_k_with_ties_and_excluded_pairs():
    rng = np.random.default_rng(1)
    m = rng.integers(0, 6, (120, 90)).astype(np.float32)     # many ties: the lower index wins
    m[rng.random(m.shape) < 0.2] = -np.inf                  # never returned
    for block, workers in ((1, 1), (13, 2), (None, None)):
        ri, rv, ci, cv = block_top_k(lambda a, b: m[a:b].copy(), 120, 90, 4, block, workers)
        for i in range(120):
            assert list(ri[i][ri[i] >= 0]) == sorted((j for j in range(90) if m[i, j] > -np.inf), key=lambda j: (-m[i, j], j))[:4]
            assert np.array_equal(rv[i][ri[i] >= 0], m[i, ri[i][ri[i] >= 0]])
        for j in range(90):
            assert list(ci[j][ci[j] >= 0]) == sorted((i for i in range(120) if m[i, j] > -np.inf), key=lambda i: (-m[i, j], i))[:4]
