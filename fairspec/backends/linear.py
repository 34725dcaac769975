"""A fitted linear model (logistic, linear SVM, least squares) and its safe npz format.

Every backend that ends with a linear score w·x + b returns a `LinearModel`, so prediction,
saving and loading are written once. The file is a plain `.npz` read with `allow_pickle=False`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from fairspec.backends.base import register_loader
from fairspec.backends.products import matvec

Link = Literal["logit", "identity"]


@dataclass(frozen=True)
class LinearModel:
    """score = link⁻¹(X @ coef + intercept); binary prediction is score ≥ threshold."""

    coef: np.ndarray
    intercept: float
    link: Link = "logit"
    threshold: float = 0.5
    format: str = "linear-npz"

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        return matvec(np.asarray(X, dtype=np.float64), self.coef) + self.intercept

    def predict_score(self, X: np.ndarray) -> np.ndarray:
        return self.predict_scored(X)[0]

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.predict_scored(X)[1]

    def predict_scored(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(`predict_score(X)`, `predict(X)`) from one product X @ coef.

        At the default threshold 0.5 a row is predicted 1 where its margin is ≥ 0 — the rule the
        fitting backends measure with — rather than where the rounded sigmoid is ≥ 0.5, which
        also holds for margins within 1e-16 below 0.
        """
        return self.scored_from_margin(self.decision_function(X))

    def scored_from_margin(self, margin: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(scores, predictions) of rows whose `decision_function` values are `margin`."""
        if self.link == "identity":
            return margin, margin
        score = 0.5 * (1.0 + np.tanh(0.5 * margin))   # a sigmoid that never overflows
        selected = margin >= 0 if self.threshold == 0.5 else score >= self.threshold
        return score, selected.astype(np.int64)

    def save(self, directory: Path) -> Path:
        path = Path(directory) / "model.npz"
        with open(path, "wb") as handle:
            np.savez(handle, coef=self.coef.astype(np.float64), intercept=np.float64(self.intercept),
                     link=np.array(self.link), threshold=np.float64(self.threshold))
        return path

    @classmethod
    def load(cls, path: Path) -> "LinearModel":
        with np.load(path, allow_pickle=False) as data:
            return cls(coef=data["coef"].copy(), intercept=float(data["intercept"]),
                       link=str(data["link"]), threshold=float(data["threshold"]))  # type: ignore[arg-type]


register_loader("linear-npz", LinearModel.load)
