"""Exact all-pairs decisions with pruning: a cheap upper bound for every pair, the full score
only where the bound can reach a row's or a column's top-k (the selection is topk.pruned_top_k).

Per block of offers against every need:
- semantic and lexical: the two dense products (embeddings, LSA rows) as they are, kept for the
  pairs scored in full; coef x max(x, 0) bounds coef x clip(x, 0, 1);
- taxonomy: one sparse product of the offer's concepts (each weighted by the larger of its
  concept and its use normalisation, an upper bound of the max of the two cosines) plus one-hot
  columns for material, EWC code, subchapter and chapter (the EWC agreement 1 / 0.6 / 0.3 is
  0.4 [code] + 0.3 [subchapter] + 0.3 [chapter]) against the needs' dense columns;
- distance: from a table over the distinct sites (and transport scales) of each side;
- quantity by 1, uplift and intercept exact per row, plus a margin for float32 rounding.
The pairs it keeps get the full score from `features.assemble`, the same elementwise code the
dense score runs, on the block products' own values, so every returned value has the dense bits.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

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


def _taxonomy_rows(o: StreamFeatures, n: StreamFeatures, so: dict, sn: dict, coef: float
                   ) -> tuple[sparse.csr_matrix, np.ndarray]:
    """(offer rows sparse, need columns dense) whose product bounds coef x taxonomy from above."""
    conc_o = sparse.csr_matrix(o.concepts, dtype=np.float32)
    uses_o = sparse.csr_matrix(o.uses, dtype=np.float32)
    weight = np.maximum(conc_o.multiply(so["inv_c"][:, None]).toarray(), uses_o.multiply(so["inv_u"][:, None]).toarray())
    cols_n = [np.asarray(sparse.csr_matrix(n.concepts).toarray(), np.float32) * sn["inv_c"][:, None]]
    parts_o = [weight * np.float32(0.6 * coef)]
    for values_o, values_n, w in ((o.material, n.material, 0.15), (o.ewc, n.ewc, 0.25 * 0.4),
                                  (o.subchapter, n.subchapter, 0.25 * 0.3), (o.chapter, n.chapter, 0.25 * 0.3)):
        keys = np.unique(values_n[values_n >= 0]) if w != 0.15 else np.unique(values_n)
        col_o = np.searchsorted(keys, values_o)
        hit_o = (col_o < len(keys)) & (keys[np.minimum(col_o, max(len(keys) - 1, 0))] == values_o) if len(keys) else \
            np.zeros(len(values_o), bool)
        if w != 0.15:
            hit_o &= values_o >= 0
        onehot_o = np.zeros((len(values_o), len(keys)), np.float32)
        onehot_o[np.flatnonzero(hit_o), col_o[hit_o]] = np.float32(w * coef)
        onehot_n = (values_n[:, None] == keys[None, :]).astype(np.float32)
        parts_o.append(onehot_o)
        cols_n.append(onehot_n)
    rows_o = sparse.csr_matrix(np.hstack(parts_o))
    return rows_o, np.ascontiguousarray(np.hstack(cols_n).T)


def _add_product(a: sparse.csr_matrix, b: np.ndarray, out: np.ndarray) -> None:
    """out += a @ b for a sparse a and a C-ordered dense b, without a temporary block."""
    try:
        from scipy.sparse import _sparsetools
        _sparsetools.csr_matvecs(a.shape[0], a.shape[1], b.shape[1], a.indptr, a.indices, a.data, b.ravel(), out.ravel())
    except (ImportError, AttributeError, TypeError, ValueError):   # a scipy without the kernel: the plain product
        out += a @ b


class PrunedPairs:
    """`bound(start, stop)` and `exact(start, rows, cols, ctx)` for topk.pruned_top_k."""

    def __init__(self, o: StreamFeatures, n: StreamFeatures, weights: MatchWeights):
        self.o, self.n, self.weights = o, n, weights
        coef = {c: np.float32(weights.coef_[c]) for c in COMPONENTS}
        self.coef = coef
        self.so, self.sn = side_arrays(o), side_arrays(n)
        self.bits = (_bits(o.concepts), _bits(o.uses), _bits(n.concepts))
        self.tax_o, self.tax_n = _taxonomy_rows(o, n, self.so, self.sn, float(coef["taxonomy"]))
        # distance: km between the distinct sites once; coef x exp(-km/scale) per distinct (site, scale)
        site_o, sites_o = _sites(o.xyz)
        self.site_n, sites_n = _sites(n.xyz)
        km = distance_km(sites_o, sites_n)
        pairs = np.stack([site_o, self.so["scale"].view(np.int32)], axis=1)
        distinct, self.dist_row = np.unique(pairs, axis=0, return_inverse=True)
        self.dist_row = self.dist_row.ravel()
        km_rows = km[distinct[:, 0]]
        scale = distinct[:, 1].astype(np.int32).view(np.float32)[:, None]
        dist = np.where(np.isnan(km_rows), np.float32(0.5), np.exp(-km_rows / scale))
        self.dist = (coef["distance"] * dist).astype(np.float32)
        # per row: intercept, quantity at most 1, the offer's uplift, and a margin for rounding
        margin = 1e-4 * (1.0 + sum(abs(float(v)) for v in coef.values()) + abs(weights.intercept_))
        self.row_const = (np.float32(weights.intercept_) + coef["quantity"] + coef["uplift"] * self.so["uplift"]
                          + np.float32(margin)).astype(np.float32)

    def bound(self, start: int, stop: int):
        coef, o, n = self.coef, self.o, self.n
        semantic = o.emb[start:stop] @ n.emb.T
        lexical = o.tfidf[start:stop] @ n.tfidf.T
        # coef x max(x, 0) >= coef x clip(x, 0, 1): two cheap passes instead of a clip
        upper = np.multiply(semantic, coef["semantic"])
        np.maximum(upper, 0.0, out=upper)
        tmp = np.multiply(lexical, coef["lexical"])
        np.maximum(tmp, 0.0, out=tmp)
        upper += tmp
        _add_product(self.tax_o[start:stop], self.tax_n, upper)
        table = self.dist[self.dist_row[start:stop]] + self.row_const[start:stop, None]
        np.take(table, self.site_n, axis=1, out=tmp, mode="clip")
        upper += tmp
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
