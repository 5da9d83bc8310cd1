"""The hybrid score's weights: a small estimator fitted on ranking queries of real exchanges.

Follows the scikit-learn contract: `__init__` stores parameters, `fit`
returns self and sets attributes ending in `_`. Saved as JSON in `models/`
with a record of the data, method, folds and cross-validated score
(`matchmaker fit`, see `matching/fitting.py`).

Without a fitted file the documented defaults apply:
score = sigmoid(-6 + 6*semantic + 2*lexical + 4*taxonomy + 1*distance + 0.5*quantity + 0.5*uplift)
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from scipy.optimize import minimize_scalar

from matchmaker.errors import ConfigError
from matchmaker.matching.features import COMPONENTS
from matchmaker.matching.ranking import L2, Queries, fit_listwise
from matchmaker.paths import MODELS_DIR

DEFAULT_COEF = {"semantic": 6.0, "lexical": 2.0, "taxonomy": 4.0, "distance": 1.0, "quantity": 0.5, "uplift": 0.5}
DEFAULT_INTERCEPT = -6.0
WEIGHTS_FILE = MODELS_DIR / "match_weights.json"


class NotFittedError(ConfigError):
    pass


class MatchWeights:
    """Non-negative component weights (a component can only add evidence) and an intercept.

    `fit` minimises a listwise ranking loss over queries (`ranking.fit_listwise`), then sets
    the intercept so that sigmoid(decision) is 0.5 where true pairs and other candidates are
    balanced (a class-balanced logistic loss in the intercept alone). `record` says what the
    weights were fitted on and how well they did under cross-validation.
    """

    def __init__(self, l2: float = L2):
        self.l2 = l2
        self.record: dict = {}

    def get_params(self) -> dict:
        return {"l2": self.l2}

    def fit(self, queries: Queries) -> MatchWeights:
        cols = [queries.columns.index(c) for c in COMPONENTS]
        X = queries.X[:, :, cols]
        w = fit_listwise(Queries(X, queries.valid, queries.pos, queries.group, queries.cand_group, []), self.l2)
        self.coef_ = dict(zip(COMPONENTS, (float(c) for c in w)))
        s = X @ w
        true = s[np.arange(len(queries)), queries.pos]
        others = queries.valid.copy()
        others[np.arange(len(queries)), queries.pos] = False
        rest = s[others]

        def balanced(b: float) -> float:
            return float(np.mean(np.logaddexp(0.0, -(true + b))) + np.mean(np.logaddexp(0.0, rest + b)))
        self.intercept_ = float(minimize_scalar(balanced, bounds=(-50.0, 50.0), method="bounded").x)
        self.n_samples_ = int(len(queries))
        return self

    def check_fitted(self) -> None:
        if not hasattr(self, "coef_"):
            raise NotFittedError("MatchWeights is not fitted: call fit() or load()")

    def decision(self, comps: dict[str, np.ndarray]) -> np.ndarray:
        self.check_fitted()
        total = np.full(np.shape(comps["semantic"]), self.intercept_, dtype=np.float32)
        for name in COMPONENTS:
            total += np.float32(self.coef_[name]) * comps[name]
        return total

    def score(self, comps: dict[str, np.ndarray]) -> np.ndarray:
        """Hybrid score in [0, 1]."""
        return (1.0 / (1.0 + np.exp(-self.decision(comps)))).astype(np.float32)

    def save(self, path: Path = WEIGHTS_FILE) -> Path:
        self.check_fitted()
        path.parent.mkdir(parents=True, exist_ok=True)
        doc = {"coef": self.coef_, "intercept": self.intercept_, "params": self.get_params(),
               "n_samples": getattr(self, "n_samples_", 0), "record": self.record}
        path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: Path = WEIGHTS_FILE) -> MatchWeights:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            weights = cls(**doc.get("params", {}))
            weights.coef_ = {name: float(doc["coef"][name]) for name in COMPONENTS}
            weights.record = dict(doc.get("record", {}))
            weights.intercept_ = float(doc["intercept"])
            weights.n_samples_ = int(doc.get("n_samples", 0))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"cannot read match weights {path}: {exc}") from None
        return weights

    @classmethod
    def default(cls) -> MatchWeights:
        weights = cls()
        weights.coef_ = dict(DEFAULT_COEF)
        weights.intercept_ = DEFAULT_INTERCEPT
        weights.n_samples_ = 0
        return weights

    def vector(self) -> np.ndarray:
        self.check_fitted()
        return np.array([self.coef_[c] for c in COMPONENTS])

    def is_default(self) -> bool:
        return getattr(self, "coef_", None) == DEFAULT_COEF and getattr(self, "intercept_", None) == DEFAULT_INTERCEPT


def current_weights(path: Path = WEIGHTS_FILE) -> MatchWeights:
    """The fitted weights if `models/` holds them, else the documented defaults."""
    return MatchWeights.load(path) if path.exists() else MatchWeights.default()
