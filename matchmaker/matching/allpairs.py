"""Exact all-pairs decisions with pruning: a cheap upper bound for every pair, the full score
only where the bound can reach a row's or a column's top-k (the selection is topk.pruned_top_k).

Per block of offers, the two dense products (embeddings and LSA rows: the bulk of the work,
the same BLAS calls the full score makes) are computed as they are; everything else is bounded
from small per-side tables:
- distance exactly enough from a table over the distinct sites (exp(-km/scale) of a few
  hundred postcodes instead of every pair);
- EWC code / material agreement exactly, from a table over the distinct (code, material) keys;
- the concept cosine by 1 where both sides have concepts (0 otherwise), quantity by 1.
The bound is the weights' decision with those values (coefficients are non-negative) plus a
margin for float32 rounding. The pairs it keeps get the full score from `features.assemble`,
the same elementwise code the dense score runs, on the block products' own values, so every
returned score has the bits the dense computation gives.
"""

from __future__ import annotations

import numpy as np

from matchmaker.matching.features import COMPONENTS, StreamFeatures, assemble, distance_km, side_arrays
from matchmaker.matching.weights import MatchWeights


def prunable(o: StreamFeatures, n: StreamFeatures, weights: MatchWeights) -> bool:
    """The bound needs dense text rows (LSA) and non-negative weights (a component only adds)."""
    return isinstance(o.tfidf, np.ndarray) and isinstance(n.tfidf, np.ndarray) and \
        all(weights.coef_[c] >= 0 for c in COMPONENTS)


def _bits(matrix) -> np.ndarray:
    """0/1 rows packed into uint64 words: a pair's shared count is a popcount of the AND."""
    dense = np.asarray(matrix.toarray() if hasattr(matrix, "toarray") else matrix) > 0
    packed = np.packbits(dense, axis=1, bitorder="little")
    pad = (-packed.shape[1]) % 8
    packed = np.pad(packed, ((0, 0), (0, pad))) if pad or packed.shape[1] == 0 else packed
    if packed.shape[1] == 0:
        packed = np.zeros((dense.shape[0], 8), np.uint8)
    return np.ascontiguousarray(packed).view(np.uint64)


def _sites(xyz: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(site id per row, distinct sites); unknown sites (nan) share one id and stay nan."""
    key = np.where(np.isnan(xyz), np.float32(9.0), xyz)
    sites, inverse = np.unique(key, axis=0, return_inverse=True)
    return inverse.ravel(), np.where(sites == 9.0, np.nan, sites).astype(np.float32)


def _keys(*columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    table = np.stack(columns, axis=1)
    distinct, inverse = np.unique(table, axis=0, return_inverse=True)
    return inverse.ravel(), distinct


class PrunedPairs:
    """`bound(start, stop)` and `exact(start, rows, cols, ctx)` for topk.pruned_top_k."""

    def __init__(self, o: StreamFeatures, n: StreamFeatures, weights: MatchWeights):
        self.o, self.n, self.weights = o, n, weights
        coef = {c: np.float32(weights.coef_[c]) for c in COMPONENTS}
        self.coef = coef
        self.so, self.sn = side_arrays(o), side_arrays(n)
        self.bits = (_bits(o.concepts), _bits(o.uses), _bits(n.concepts))
        # distance: km between the distinct sites once; exp(-km/scale) per block row
        self.site_o, sites_o = _sites(o.xyz)
        self.site_n, sites_n = _sites(n.xyz)
        self.km = distance_km(sites_o, sites_n)
        # taxonomy without the concept cosine (bounded by 1 where both sides have concepts)
        has_o = (self.so["inv_c"] > 0) | (self.so["inv_u"] > 0)
        has_n = self.sn["inv_c"] > 0
        self.key_o, ko = _keys(o.ewc, o.material, has_o.astype(np.int64))
        self.key_n, kn = _keys(n.ewc, n.material, has_n.astype(np.int64))
        e_o, e_n = ko[:, 0][:, None], kn[:, 0][None, :]
        ewc = np.maximum.reduce([1.0 * ((e_o == e_n) & (e_o >= 0)), 0.6 * ((e_o // 100 == e_n // 100) & (e_o >= 0)),
                                 0.3 * ((e_o // 10000 == e_n // 10000) & (e_o >= 0))])
        tax = 0.6 * (ko[:, 2][:, None] * kn[:, 2][None, :]) + 0.25 * ewc + 0.15 * (ko[:, 1][:, None] == kn[:, 1][None, :])
        self.tax = (coef["taxonomy"] * tax).astype(np.float32)
        # per row: intercept, quantity at most 1, the offer's uplift, and a margin for rounding
        margin = 1e-4 * (1.0 + sum(abs(float(v)) for v in coef.values()) + abs(weights.intercept_))
        self.row_const = (np.float32(weights.intercept_) + coef["quantity"] + coef["uplift"] * self.so["uplift"]
                          + np.float32(margin)).astype(np.float32)

    def bound(self, start: int, stop: int):
        o, n, coef = self.o, self.n, self.coef
        semantic = o.emb[start:stop] @ n.emb.T
        lexical = o.tfidf[start:stop] @ n.tfidf.T
        upper = np.multiply(semantic, coef["semantic"])
        np.maximum(upper, 0, out=upper)
        tmp = np.multiply(lexical, coef["lexical"])
        np.maximum(tmp, 0, out=tmp)
        upper += tmp
        km = self.km[self.site_o[start:stop]]
        dist = np.exp(-km / self.so["scale"][start:stop, None])
        dist = np.where(np.isnan(km), np.float32(0.5), dist) * coef["distance"]
        np.take(dist.astype(np.float32, copy=False), self.site_n, axis=1, out=tmp, mode="clip")
        upper += tmp
        np.take(self.tax[self.key_o[start:stop]], self.key_n, axis=1, out=tmp, mode="clip")
        upper += tmp
        upper += self.row_const[start:stop, None]
        return upper, (semantic, lexical)

    def exact(self, start: int, rows: np.ndarray, cols: np.ndarray, ctx) -> np.ndarray:
        """The full decision of the pairs (start + rows[i], cols[i]), bit for bit the dense one."""
        semantic, lexical = ctx
        grows = rows + start
        bc_o, bu_o, bc_n = self.bits
        shared = np.bitwise_count(bc_o[grows] & bc_n[cols]).sum(axis=1, dtype=np.int64).astype(np.float32)
        used = np.bitwise_count(bu_o[grows] & bc_n[cols]).sum(axis=1, dtype=np.int64).astype(np.float32)
        comps = assemble(semantic[rows, cols], lexical[rows, cols], shared, used, self.so, self.sn,
                         lambda a, b: (a[grows], b[cols]))
        decision = self.weights.decision(comps)
        o_org, n_org = self.o.org[grows], self.n.org[cols]
        decision[(o_org == n_org) & (o_org >= 0)] = -np.inf
        return decision
