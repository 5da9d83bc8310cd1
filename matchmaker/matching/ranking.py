"""Ranking queries, their metrics, a non-negative listwise fit and grouped cross-validation.

A *query* is one true pair seen from one side: the query stream's candidates
are every stream of the opposite direction (never its own organisation's),
each described by a row of component values; one of them is the true partner.
When a stream has several true partners, each true pair is its own query and
the other true partners are left out of its candidates (the "filtered" rank of
link-prediction benchmarks), so a partner is not pushed down by another one.

Ties count against the method: the rank is 1 + the number of other candidates
scoring at least as high as the true partner.

Everything here is numpy/scipy on component tensors, so it is tested on
generated tensors and used on the real benchmark alike.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize
from scipy.special import logsumexp

KS = (1, 5, 10)
L2 = 0.01        # ridge on the weights, fixed before looking at any result
FOLDS = 5


@dataclass
class Queries:
    """Padded tensors of queries: X[q, c] are the columns of candidate c of query q."""

    X: np.ndarray            # (Q, M, K) float64
    valid: np.ndarray        # (Q, M) bool: a real candidate (padding is False)
    pos: np.ndarray          # (Q,) index of the true partner among the candidates
    group: np.ndarray        # (Q,) cross-validation group of the query (its exchange's component)
    cand_group: np.ndarray   # (Q, M) group of each candidate's organisation
    cell: list[str]          # (Q,) e.g. "offer->need en-da"
    key: list[tuple[str, str]] = field(default_factory=list)  # (query stream, true partner) ids
    columns: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.pos)

    def take(self, mask: np.ndarray) -> Queries:
        idx = np.flatnonzero(mask)
        return Queries(self.X[idx], self.valid[idx], self.pos[idx], self.group[idx], self.cand_group[idx],
                       [self.cell[i] for i in idx], [self.key[i] for i in idx] if self.key else [], self.columns)

    @staticmethod
    def build(rows: list[tuple[np.ndarray, int, int, np.ndarray, str, tuple[str, str]]],
              columns: tuple[str, ...]) -> Queries:
        """From (X (m, K), true index, group, candidate groups (m,), cell, key) per query."""
        width = max((len(r[0]) for r in rows), default=1)
        k = len(columns)
        X = np.zeros((len(rows), width, k))
        valid = np.zeros((len(rows), width), dtype=bool)
        cand_group = np.full((len(rows), width), -1, dtype=np.int64)
        for q, (x, _, _, groups, _, _) in enumerate(rows):
            X[q, :len(x)] = x
            valid[q, :len(x)] = True
            cand_group[q, :len(x)] = groups
        return Queries(X, valid, np.array([r[1] for r in rows], dtype=np.int64), np.array([r[2] for r in rows], dtype=np.int64),
                       cand_group, [r[4] for r in rows], [r[5] for r in rows], columns)

    @staticmethod
    def concat(parts: list[Queries]) -> Queries:
        parts = [p for p in parts if len(p)]
        width = max(p.X.shape[1] for p in parts)

        def pad(a: np.ndarray, fill) -> np.ndarray:
            extra = [(0, 0), (0, width - a.shape[1])] + [(0, 0)] * (a.ndim - 2)
            return np.pad(a, extra, constant_values=fill)
        return Queries(np.concatenate([pad(p.X, 0.0) for p in parts]), np.concatenate([pad(p.valid, False) for p in parts]),
                       np.concatenate([p.pos for p in parts]), np.concatenate([p.group for p in parts]),
                       np.concatenate([pad(p.cand_group, -1) for p in parts]),
                       [c for p in parts for c in p.cell], [k for p in parts for k in p.key], parts[0].columns)


def ranks(scores: np.ndarray, valid: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """1 + the number of other valid candidates scoring at least as high as the true one."""
    true = scores[np.arange(len(pos)), pos][:, None]
    others = valid.copy()
    others[np.arange(len(pos)), pos] = False
    return 1 + np.sum((scores >= true) & others, axis=1)


def metrics(r: np.ndarray) -> dict[str, float]:
    r = np.asarray(r, dtype=np.float64)
    if len(r) == 0:
        return {"n": 0, **{f"recall@{k}": float("nan") for k in KS}, "mrr": float("nan")}
    return {"n": int(len(r)), **{f"recall@{k}": float(np.mean(r <= k)) for k in KS}, "mrr": float(np.mean(1.0 / r))}


def scores_for(q: Queries, weights: np.ndarray) -> np.ndarray:
    return q.X @ weights


def _loss(w: np.ndarray, X: np.ndarray, valid: np.ndarray, pos: np.ndarray, l2: float) -> tuple[float, np.ndarray]:
    s = np.where(valid, X @ w, -np.inf)
    lse = logsumexp(s, axis=1)
    p = np.exp(s - lse[:, None])                          # softmax over each query's candidates
    x_pos = X[np.arange(len(pos)), pos]
    loss = float(np.mean(lse - s[np.arange(len(pos)), pos])) + 0.5 * l2 * float(w @ w)
    grad = np.einsum("qm,qmk->k", p, X) / len(pos) - x_pos.mean(axis=0) + l2 * w
    return loss, grad


def fit_listwise(q: Queries, l2: float = L2, start: np.ndarray | None = None) -> np.ndarray:
    """Non-negative weights minimising the mean softmax cross-entropy of each query's true
    partner against its candidates (a listwise ranking loss), plus a small ridge."""
    k = q.X.shape[2]
    w0 = np.ones(k) if start is None else np.asarray(start, dtype=np.float64)
    result = minimize(_loss, w0, args=(q.X, q.valid, q.pos, l2), jac=True, method="L-BFGS-B",
                      bounds=[(0.0, None)] * k, options={"maxiter": 500})
    return np.maximum(result.x, 0.0)


def fold_of_groups(groups: np.ndarray, k: int = FOLDS) -> dict[int, int]:
    """Groups to folds, biggest group first into the fold with fewest queries (deterministic)."""
    sizes = defaultdict(int)
    for g in groups.tolist():
        sizes[g] += 1
    load = [0] * k
    out = {}
    for g, n in sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0])):
        f = min(range(k), key=lambda i: (load[i], i))
        out[g] = f
        load[f] += n
    return out


def cross_validate(q: Queries, columns: list[int], k: int = FOLDS, l2: float = L2) -> tuple[np.ndarray, list[np.ndarray]]:
    """Out-of-fold ranks of every query for weights fitted on the other folds.

    A training query sees only candidates whose organisation is in a training group, so no
    organisation's streams are in both a training and a test fold; a test query is ranked
    against all its candidates, as in use."""
    folds = fold_of_groups(q.group, k)
    q_fold = np.array([folds[g] for g in q.group.tolist()])
    c_fold = np.vectorize(lambda g: folds.get(g, -1), otypes=[np.int64])(q.cand_group)
    out = np.zeros(len(q), dtype=np.int64)
    fitted = []
    X = q.X[:, :, columns]
    for f in range(k):
        test = q_fold == f
        train = ~test
        if not test.any():
            continue
        valid = q.valid[train] & (c_fold[train] != f)
        w = fit_listwise(Queries(X[train], valid, q.pos[train], q.group[train], q.cand_group[train], []), l2)
        fitted.append(w)
        out[test] = ranks(X[test] @ w, q.valid[test], q.pos[test])
    return out, fitted


def table(q: Queries, r: np.ndarray, method: str) -> list[dict]:
    """Rows of method, cell (direction and pairing) and the metrics, plus an 'all' row per direction."""
    by_cell: dict[str, list[int]] = defaultdict(list)
    for cell, rank in zip(q.cell, r.tolist()):
        by_cell[cell].append(rank)
        if not cell.endswith(" feedback"):  # "all" is the benchmark's pairings; labels from use stand apart
            by_cell[cell.split(" ")[0] + " all"].append(rank)
    rows = []
    for cell in sorted(by_cell):
        direction, pairing = cell.split(" ", 1)
        rows.append({"method": method, "direction": direction, "pairing": pairing,
                     **{k: (round(v, 3) if isinstance(v, float) else v) for k, v in metrics(np.array(by_cell[cell])).items()}})
    return rows


def cell_mean_mrr(q: Queries, r: np.ndarray) -> float:
    """The guard's figure: the unweighted mean of the MRR of every direction-and-pairing cell."""
    by_cell: dict[str, list[int]] = defaultdict(list)
    for cell, rank in zip(q.cell, r.tolist()):
        by_cell[cell].append(rank)
    return float(np.mean([np.mean(1.0 / np.array(v)) for v in by_cell.values()]))
