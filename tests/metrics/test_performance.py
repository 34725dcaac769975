"""performance() and the rank-formula AUC against scikit-learn."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import (accuracy_score, log_loss, mean_absolute_error, mean_squared_error,
                             r2_score, roc_auc_score)

from fairspec.metrics import auc, performance


@pytest.mark.parametrize("case_name", ["adult", "german"])
def test_binary_performance_matches_sklearn(cases, case_name):
    case = cases[case_name]
    figures = performance("binary", case.y_true, case.y_pred, case.score)
    assert figures["n"] == len(case.y_true)
    assert figures["accuracy"] == pytest.approx(accuracy_score(case.y_true, case.y_pred), abs=1e-12)
    assert figures["error_rate"] == pytest.approx(1 - figures["accuracy"], abs=1e-12)
    assert figures["selection_rate"] == pytest.approx(case.y_pred.mean(), abs=1e-12)
    clipped = np.clip(case.score, 1e-15, 1 - 1e-15)
    assert figures["log_loss"] == pytest.approx(log_loss(case.y_true, clipped), rel=1e-10)
    assert figures["auc"] == pytest.approx(roc_auc_score(case.y_true, case.score), abs=1e-12)
    assert json.dumps(figures, allow_nan=False)


@pytest.mark.parametrize("case_name", ["adult-hours", "german-amount"])
def test_regression_performance_matches_sklearn(cases, case_name):
    case = cases[case_name]
    figures = performance("regression", case.y_true, case.y_pred)
    assert figures["mse"] == pytest.approx(mean_squared_error(case.y_true, case.y_pred), rel=1e-12)
    assert figures["mae"] == pytest.approx(mean_absolute_error(case.y_true, case.y_pred), rel=1e-12)
    assert figures["r2"] == pytest.approx(r2_score(case.y_true, case.y_pred), rel=1e-12)


def test_missing_score_and_single_class_give_none():
    without_score = performance("binary", np.array([0, 1, 1]), np.array([0, 1, 0]))
    assert without_score["log_loss"] is None and without_score["auc"] is None
    one_class = performance("binary", np.ones(3, int), np.array([0, 1, 1]), np.array([.2, .6, .9]))
    assert one_class["auc"] is None and one_class["log_loss"] > 0
    assert performance("regression", np.ones(3), np.zeros(3))["r2"] is None


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="same length"):
        performance("binary", np.array([0, 1]), np.array([0]))
    with pytest.raises(ValueError, match="at least one row"):
        performance("binary", np.array([]), np.array([]))
    with pytest.raises(ValueError, match="task"):
        performance("multiclass", np.array([0]), np.array([0]))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 5)), min_size=2, max_size=50))
def test_auc_matches_sklearn_with_heavy_ties(pairs):
    labels = np.array([label for label, _ in pairs])
    scores = np.array([value for _, value in pairs]) / 5.0        # six distinct scores: many ties
    if labels.min() == labels.max():
        assert np.isnan(auc(labels, scores))
    else:
        assert auc(labels, scores) == pytest.approx(roc_auc_score(labels, scores), abs=1e-12)
