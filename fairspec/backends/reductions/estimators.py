"""Allow-listed scikit-learn estimators: built from a dotted path, fitted on reweighted rows."""

from __future__ import annotations

import importlib
import inspect
from typing import Any, Mapping

import numpy as np
from sklearn.base import clone

from fairspec.backends.sklearn_models import ALLOWED_ESTIMATORS, SklearnModel
from fairspec.errors import FairspecError


def build_estimator(path: str | None, params: Mapping[str, Any], seed: int) -> Any:
    """A fresh estimator of the allow-listed class `path`, with `params` and a seeded state.

    The path is checked against the allow-list before anything is imported.
    """
    if path not in ALLOWED_ESTIMATORS:
        raise FairspecError(f"estimator {path!r} is not on the allow-list",
                            hint="allowed: " + ", ".join(ALLOWED_ESTIMATORS))
    module_name, class_name = path.rsplit(".", 1)
    estimator_class = getattr(importlib.import_module(module_name), class_name)
    arguments = dict(params)
    if "random_state" in inspect.signature(estimator_class).parameters:
        arguments.setdefault("random_state", seed)
    try:
        return estimator_class(**arguments)
    except TypeError as error:
        raise FairspecError(f"bad parameters for {path}: {error}") from None


class EstimatorLearner:
    """Cost-sensitive fits of one estimator: each `fit` clones it and passes `sample_weight`."""

    def __init__(self, estimator: Any, X: np.ndarray) -> None:
        self.estimator, self.X = estimator, X

    def fit(self, labels: np.ndarray, weights: np.ndarray) -> SklearnModel:
        if np.unique(labels).size < 2:
            raise FairspecError("the reduction relabelled every row to one class",
                                hint="the bounds leave no room for a classifier: loosen them")
        fitted = clone(self.estimator).fit(self.X, labels, sample_weight=weights)
        return SklearnModel(fitted)

    def margin(self, model: SklearnModel) -> np.ndarray:
        return model.margin(self.X)
