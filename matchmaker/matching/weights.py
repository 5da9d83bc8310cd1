"""The hybrid score's weights: a small estimator fitted on labelled pairs.

Follows the scikit-learn contract: `__init__` stores parameters, `fit`
returns self and sets attributes ending in `_`. Saved as JSON in `models/`.

Without a fitted file the documented defaults apply:
score = sigmoid(-6 + 6*semantic + 2*lexical + 4*taxonomy + 1*distance + 0.5*quantity + 0.5*uplift)
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from matchmaker.errors import ConfigError
from matchmaker.matching.features import COMPONENTS
from matchmaker.paths import MODELS_DIR

DEFAULT_COEF = {"semantic": 6.0, "lexical": 2.0, "taxonomy": 4.0, "distance": 1.0, "quantity": 0.5, "uplift": 0.5}
DEFAULT_INTERCEPT = -6.0
WEIGHTS_FILE = MODELS_DIR / "match_weights.json"


class NotFittedError(ConfigError):
    pass


class MatchWeights:
    def __init__(self, C: float = 1.0, class_weight: str | None = "balanced"):
        self.C = C
        self.class_weight = class_weight

    def get_params(self) -> dict:
        return {"C": self.C, "class_weight": self.class_weight}

    def fit(self, X: np.ndarray, y: np.ndarray) -> MatchWeights:
        from sklearn.linear_model import LogisticRegression
        model = LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=1000)
        model.fit(X, y)
        self.coef_ = dict(zip(COMPONENTS, (float(c) for c in model.coef_[0])))
        self.intercept_ = float(model.intercept_[0])
        self.n_samples_ = int(len(y))
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
               "n_samples": getattr(self, "n_samples_", 0)}
        path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: Path = WEIGHTS_FILE) -> MatchWeights:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            weights = cls(**doc.get("params", {}))
            weights.coef_ = {name: float(doc["coef"][name]) for name in COMPONENTS}
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


def current_weights(path: Path = WEIGHTS_FILE) -> MatchWeights:
    """The fitted weights if `models/` holds them, else the documented defaults."""
    return MatchWeights.load(path) if path.exists() else MatchWeights.default()
