"""The declared linear model fitted with no fairness terms: the reference for every comparison.

Used when no enforcing lowering runs (a policy of monitors, or a backend that is not installed), and
by backends to report the unconstrained value of each metric. Regularisation convention shared by
every linear fit in fairspec: minimise mean loss + (l2 / 2)·‖w‖².
"""

from __future__ import annotations

import numpy as np

from fairspec.backends.base import FitRequest, ModelSpec
from fairspec.backends.linear import LinearModel
from fairspec.data.spec import Split
from fairspec.errors import FairspecError

DEFAULT_L2 = 1e-4


def fit_linear(model: ModelSpec, train: Split, sample_weight: np.ndarray | None = None) -> LinearModel:
    """Fit logistic, linear_svm or least_squares with scikit-learn's exact solvers (deterministic)."""
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.svm import LinearSVC

    l2 = float(model.params.get("l2", DEFAULT_L2))
    n = max(train.n_rows, 1)
    max_iter = int(model.params.get("max_iter", 1000))
    if model.family == "logistic":
        est = LogisticRegression(C=1.0 / (l2 * n) if l2 > 0 else 1e12, max_iter=max_iter, tol=1e-8)
        est.fit(train.X, train.y, sample_weight=sample_weight)
        return LinearModel(coef=est.coef_.ravel().astype(np.float64), intercept=float(est.intercept_[0]))
    if model.family == "linear_svm":
        est = LinearSVC(C=1.0 / (l2 * n) if l2 > 0 else 1e12, max_iter=max_iter, dual="auto", random_state=0)
        est.fit(train.X, train.y, sample_weight=sample_weight)
        return LinearModel(coef=est.coef_.ravel().astype(np.float64), intercept=float(est.intercept_[0]))
    if model.family == "least_squares":
        est = Ridge(alpha=l2 * n)
        est.fit(train.X, train.y, sample_weight=sample_weight)
        return LinearModel(coef=np.ravel(est.coef_).astype(np.float64), intercept=float(est.intercept_),
                           link="identity")
    raise FairspecError(f"no unconstrained fit for model {model.family}",
                        hint="model mlp trains in the torch backend: pip install torch==2.13.0 -e \".[torch]\"")


def fit_unconstrained(request: FitRequest, train: Split) -> LinearModel:
    return fit_linear(request.model, train)
