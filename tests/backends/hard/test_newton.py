"""The warm-started chord-Newton learner reaches the same optimum as an independent solver."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from fairspec.backends.convex.newton import NewtonLearner
from tests.backends.hard.conftest import make_split


def _sklearn_fit(X, labels, weights):
    """scikit-learn's lbfgs on the same objective: C = 1/(l2·n) with weights scaled to mean 1."""
    est = LogisticRegression(C=1.0, tol=1e-12, max_iter=10_000)
    est.fit(X, labels, sample_weight=weights * len(weights) / weights.sum())
    return np.append(est.coef_.ravel(), est.intercept_)


@pytest.mark.parametrize("start", ["zero", "previous"])
def test_each_fit_of_a_sequence_matches_an_independent_solver(start):
    split = make_split(800, seed=4)
    X, y = split.X, split.y
    learner = NewtonLearner(X, "logistic", 1.0 / len(y))
    rng = np.random.default_rng(0)
    for _ in range(3):                       # reweighted and relabelled, as the reduction does
        weights = rng.uniform(0.2, 2.0, len(y))
        labels = np.where(rng.random(len(y)) < 0.1, 1 - y, y)
        if start == "zero":
            learner.start, learner.factor = np.zeros(X.shape[1] + 1), None
        params = learner.fit(labels, weights)
        assert np.allclose(params, _sklearn_fit(X, labels, weights), atol=1e-5)


def test_the_same_sequence_gives_the_same_bytes():
    split = make_split(500, seed=5)
    runs = []
    for _ in range(2):
        learner = NewtonLearner(split.X, "squared_hinge", 1e-3)
        runs.append([learner.fit(split.y, np.linspace(0.5, 1.5, len(split.y)) ** k).tobytes()
                     for k in range(3)])
    assert runs[0] == runs[1]
