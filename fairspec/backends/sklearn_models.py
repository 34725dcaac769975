"""A fitted scikit-learn classifier as a `FittedModel`, saved with skops and loaded safely.

Only allow-listed estimator classes are built or loaded: a policy names an estimator by dotted
path, and that path must be in `ALLOWED_ESTIMATORS`, so a policy never imports arbitrary code.
Files are read with skops, trusting only the estimator-internal types listed here; anything else
in a file is refused before an object is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from fairspec.backends.base import register_loader
from fairspec.errors import EXIT_TAMPERED, FairspecError
from fairspec.language.vocabulary import SKLEARN_ESTIMATORS

# Classifiers that accept `sample_weight` in `fit`, so the cost-sensitive reduction applies; the
# list is the language's (pure data), so `fairspec check` refuses any other name at its place.
ALLOWED_ESTIMATORS = SKLEARN_ESTIMATORS
# Types inside those estimators that skops does not trust by default.
TRUSTED_INTERNALS = (
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.tree._tree.Tree",
)


class UnsafeModelFile(FairspecError):
    """A model file holds a type outside the allow-list; it was not loaded."""

    exit_code = EXIT_TAMPERED


def public_path(estimator: Any) -> str:
    """The estimator's class as its public dotted path, e.g. sklearn.tree.DecisionTreeClassifier."""
    module = type(estimator).__module__.split(".")
    return ".".join(module[:2] + [type(estimator).__name__])


@dataclass(frozen=True)
class SklearnModel:
    """An allow-listed classifier and a threshold shift on its margin: ŷ = 1 iff margin + shift ≥ 0.

    The margin is P(y=1) − 0.5 for estimators with `predict_proba`, else `decision_function`.
    """

    estimator: Any
    shift: float = 0.0
    format: str = "skops"

    def margin(self, X: np.ndarray) -> np.ndarray:
        if hasattr(self.estimator, "predict_proba"):
            return self.estimator.predict_proba(X)[:, 1] - 0.5
        return np.asarray(self.estimator.decision_function(X), dtype=np.float64)

    def predict_score(self, X: np.ndarray) -> np.ndarray:
        if hasattr(self.estimator, "predict_proba"):
            return self.estimator.predict_proba(X)[:, 1]
        return 0.5 * (1.0 + np.tanh(0.5 * self.margin(X)))

    def predict(self, X: np.ndarray) -> np.ndarray:
        return (self.margin(X) + self.shift >= 0).astype(np.int64)

    def save(self, directory: Path) -> Path:
        path = Path(directory) / "model.skops"
        import skops.io as sio   # imported when used: it loads much of scikit-learn (and torch, if present)

        sio.dump({"estimator": self.estimator, "shift": float(self.shift)}, path)
        return path

    @classmethod
    def load(cls, path: Path) -> "SklearnModel":
        """Read a file written by `save`, refusing any type outside the allow-list."""
        import skops.io as sio

        untrusted = sio.get_untrusted_types(file=path)
        refused = [name for name in untrusted if name not in TRUSTED_INTERNALS]
        if refused:
            raise UnsafeModelFile(f"{path} holds types outside the allow-list: "
                                  + ", ".join(refused), hint="only models saved by fairspec load")
        content = sio.load(path, trusted=untrusted)
        estimator = content.get("estimator") if isinstance(content, dict) else None
        if estimator is None or public_path(estimator) not in ALLOWED_ESTIMATORS:
            raise UnsafeModelFile(f"{path} does not hold an allow-listed estimator")
        return cls(estimator, float(content.get("shift", 0.0)))


register_loader("skops", SklearnModel.load, TRUSTED_INTERNALS)
