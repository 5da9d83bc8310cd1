"""`matchmaker fit`: refit the hybrid weights on the real benchmark (plus labels from use)
under grouped cross-validation, and ship them only when they beat what is there.

The guard's figure is the unweighted mean, over every direction-and-language-pairing
cell (and the feedback cells, when there are labels from use), of the out-of-fold MRR.
The fitted weights are written only if the fitting method's cross-validated figure
beats both the documented defaults and the shipped weights (when those carry a record
and are non-negative), scored on the same queries. The shipped weights may have seen
part of those queries, which favours keeping them: a refit must clearly win.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from matchmaker.matching.benchmark import BENCHMARK_DIR
from matchmaker.matching.embedding import Embedder
from matchmaker.matching.evaluation import all_queries
from matchmaker.matching.features import COMPONENTS
from matchmaker.matching.ranking import FOLDS, L2, Queries, cell_mean_mrr, cross_validate, ranks, table
from matchmaker.matching.weights import WEIGHTS_FILE, MatchWeights
from matchmaker.store import Store

METHOD = ("non-negative weights (L-BFGS-B, bounds >= 0) minimising the mean listwise softmax cross-entropy "
          f"of each true partner against all its candidates, ridge {L2}; intercept by a class-balanced "
          "logistic loss with the weights fixed")
GROUPING = ("folds are groups of organisations: the connected components of the graph whose edges are "
            "the documented exchanges (and labelled pairs), assigned biggest first to the lightest fold; "
            "training queries see only candidates of training organisations")
METRIC = "mean over direction x language-pairing cells of the out-of-fold MRR (ties count against)"


@dataclass
class FitReport:
    shipped: str                 # "fitted", "previous" or "defaults"
    weights: MatchWeights
    scores: dict[str, float]     # cv of the fitted method, defaults, previous
    rows: list[dict]             # cross-validated table of the fitted method
    written: Path | None


def score_fixed(q: Queries, weights: MatchWeights) -> float:
    cols = [q.columns.index(c) for c in COMPONENTS]
    return cell_mean_mrr(q, ranks(q.X[:, :, cols] @ weights.vector(), q.valid, q.pos))


def usable_previous(path: Path) -> MatchWeights | None:
    """The shipped weights count in the guard only if they carry a record and no negative weight."""
    if not path.exists():
        return None
    old = MatchWeights.load(path)
    if not old.record or min(old.coef_.values()) < 0:
        return None
    return old


def fit(benchmark: Path = BENCHMARK_DIR, embedder: Embedder | None = None, store: Store | None = None,
        path: Path = WEIGHTS_FILE, fresh: bool = False, write: bool = True, folds: int = FOLDS) -> FitReport:
    """Cross-validate the fitting method, fit on everything, and write the winner with its record."""
    if embedder is None:
        from matchmaker.matching.embedding import load_embedder
        embedder = load_embedder()
    q, data = all_queries(benchmark, embedder, store)
    return guard(q, data, path, fresh, write, folds)


def guard(q: Queries, data: dict, path: Path = WEIGHTS_FILE, fresh: bool = False, write: bool = True,
          folds: int = FOLDS) -> FitReport:
    """The decision on given queries (tests call it on generated ones)."""
    cols = [q.columns.index(c) for c in COMPONENTS]
    cv_ranks, _ = cross_validate(q, cols, folds)
    default = MatchWeights.default()
    previous = None if fresh else usable_previous(path)
    scores = {"fitted": round(cell_mean_mrr(q, cv_ranks), 4), "defaults": round(score_fixed(q, default), 4)}
    if previous is not None and not previous.is_default():
        scores["previous"] = round(score_fixed(q, previous), 4)
    rows = table(q, cv_ranks, "hybrid (fitted, CV)")
    best_other = max(v for k, v in scores.items() if k != "fitted")
    if scores["fitted"] > best_other:
        shipped, weights = "fitted", MatchWeights().fit(q)
    elif "previous" in scores and scores["previous"] >= scores["defaults"]:
        return FitReport("previous", previous, scores, rows, None)
    else:
        shipped, weights = "defaults", MatchWeights.default()
    weights.record = {
        "date": dt.date.today().isoformat(), "command": "matchmaker fit" + (" --fresh" if fresh else ""),
        "data": data, "method": METHOD, "folds": folds, "grouping": GROUPING, "metric": METRIC,
        "cv_score": scores, "shipped": shipped,
        "cv_table": [{k: r[k] for k in ("direction", "pairing", "n", "recall@1", "recall@5", "recall@10", "mrr")} for r in rows],
    }
    written = weights.save(path) if write else None
    return FitReport(shipped, weights, scores, rows, written)


def recorded_score_reproduces(weights: MatchWeights, embedder: Embedder, benchmark: Path = BENCHMARK_DIR,
                              store: Store | None = None) -> tuple[float, float]:
    """(recorded, recomputed) cross-validated figure of the fitting method on the recorded data."""
    q, _ = all_queries(benchmark, embedder, store)
    cv_ranks, _ = cross_validate(q, [q.columns.index(c) for c in COMPONENTS], weights.record.get("folds", FOLDS))
    return float(weights.record["cv_score"]["fitted"]), round(cell_mean_mrr(q, cv_ranks), 4)


def non_negative(weights: MatchWeights) -> bool:
    return bool(np.all(weights.vector() >= 0))
