"""Whole-population performance of a model: accuracy, log-loss, AUC, selection rate; MSE, MAE, R².

The selection rate (share predicted positive) is always reported for a binary task: a fairness
gap of 0 from a model that predicts nobody positive is a collapsed model, not a fair one.
"""

from __future__ import annotations

import numpy as np

from fairspec.metrics.catalog import Task
from fairspec.metrics.expressions import Rate
from fairspec.metrics.rates import row_quantity


# The figures that say what a model cost, each with the heading tables print for it: accuracy,
# log-loss and AUC for a binary target, MSE, MAE and R² for a regression one. Every table that
# shows a fairness number shows these beside it (a table shows the ones its models recorded).
COST_FIGURES = {"accuracy": "accuracy", "log_loss": "log-loss", "auc": "AUC", "mse": "MSE",
                "mae": "MAE", "r2": "R²"}


def performance(task: Task, y_true, y_pred, score=None) -> dict[str, float | int | None]:
    """Performance figures for `task`, as plain Python numbers (JSON-able).

    binary: n, accuracy, error_rate, selection_rate, log_loss and auc (of `score`, the predicted
    probability of class 1; None without a score, and auc None when only one class is present).
    regression: n, mse, mae, r2 (None when y_true is constant).
    """
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError("y_true and y_pred must be 1-D arrays of the same length")
    if len(y_true) == 0:
        raise ValueError("performance needs at least one row")
    if task == "binary":
        return _binary_performance(y_true, y_pred, score)
    if task == "regression":
        return _regression_performance(y_true.astype(np.float64), y_pred.astype(np.float64))
    raise ValueError(f"unknown task {task!r}")


def auc(y_true, score) -> float:
    """Area under the ROC curve by the rank-sum (Mann–Whitney) formula; tied scores count 1/2.

    AUC = (sum of the positives' mid-ranks − n₊(n₊+1)/2) / (n₊ n₋). NaN with only one class.
    """
    positive = np.asarray(y_true) == 1
    n_positive = int(positive.sum())
    n_negative = positive.size - n_positive
    if n_positive == 0 or n_negative == 0:
        return float("nan")
    from scipy.stats import rankdata   # scipy loads on first use: checking a policy needs none of it

    ranks = rankdata(np.asarray(score, dtype=np.float64))    # ties get the mean of their ranks
    rank_sum = float(ranks[positive].sum())
    return (rank_sum - n_positive * (n_positive + 1) / 2) / (n_positive * n_negative)


def _binary_performance(y_true, y_pred, score) -> dict[str, float | int | None]:
    accuracy = float(np.mean(y_true == y_pred))
    figures: dict[str, float | int | None] = {
        "n": int(len(y_true)),
        "accuracy": accuracy,
        "error_rate": 1.0 - accuracy,
        "selection_rate": float(np.mean(y_pred == 1)),
        "log_loss": None,
        "auc": None,
    }
    if score is not None:
        figures["log_loss"] = float(row_quantity(Rate("log_loss"), y_true, y_pred, score).mean())
        area = auc(y_true, score)
        figures["auc"] = None if np.isnan(area) else area
    return figures


def _regression_performance(y_true, y_pred) -> dict[str, float | int | None]:
    residual = y_pred - y_true
    mse = float(np.mean(residual ** 2))
    variance = float(np.mean((y_true - y_true.mean()) ** 2))
    return {
        "n": int(len(y_true)),
        "mse": mse,
        "mae": float(np.mean(np.abs(residual))),
        "r2": None if variance == 0 else 1.0 - mse / variance,
    }
