"""Per-group rates: the mean of a row quantity over the rows of each group that meet a condition.

A `Rate` leaf (see `expressions.py`) names an event (or a loss) and a condition. Here both become
per-row arrays and the group means come from weighted `np.bincount`, so one pass over the rows
gives every group at once. Rows with partition code -1 (left out of the partition) count nowhere,
not even in the overall rate.
"""

from __future__ import annotations

import numpy as np

from fairspec.metrics.expressions import Rate

BINARY_EVENTS = frozenset({"selected", "rejected", "error", "correct", "label_positive"})
SCORE_EVENTS = frozenset({"log_loss", "squared_error", "prediction"})
# Scores are clipped to [LOG_LOSS_CLIP, 1 − LOG_LOSS_CLIP] before the log, so one confident
# mistake costs at most −log(1e-15) ≈ 34.5 instead of infinity.
LOG_LOSS_CLIP = 1e-15


def row_quantity(rate: Rate, y_true, y_pred, score=None) -> np.ndarray:
    """The per-row quantity that `rate` averages, as float64 (an indicator or a loss).

    Binary events read 0/1 labels and predictions. `log_loss` needs `score` (the predicted
    probability of class 1). `squared_error` and `prediction` use `score` when it is given and
    otherwise `y_pred` (a regression prediction).
    """
    event = rate.event
    if event in BINARY_EVENTS:
        y, yhat = as_binary(y_true, "y_true"), as_binary(y_pred, "y_pred")
        indicator = {
            "selected": yhat,
            "rejected": ~yhat,
            "error": yhat != y,
            "correct": yhat == y,
            "label_positive": y,
        }[event]
        return indicator.astype(np.float64)
    if event == "log_loss":
        if score is None:
            raise ValueError("rate(log_loss) needs the predicted probabilities (score)")
        y = as_binary(y_true, "y_true")
        p = np.clip(np.asarray(score, dtype=np.float64), LOG_LOSS_CLIP, 1.0 - LOG_LOSS_CLIP)
        return -np.where(y, np.log(p), np.log1p(-p))
    values = np.asarray(y_pred if score is None else score, dtype=np.float64)
    if event == "squared_error":
        return (values - np.asarray(y_true, dtype=np.float64)) ** 2
    if event == "prediction":
        return values
    raise ValueError(f"unknown rate event {event!r}")


def row_condition(rate: Rate, y_true, y_pred) -> np.ndarray:
    """Boolean mask of the rows that `rate` averages over (its `given`)."""
    given = rate.given
    if given == "all":
        return np.ones(len(y_true), dtype=bool)
    if given == "label_positive":
        return as_binary(y_true, "y_true")
    if given == "label_negative":
        return ~as_binary(y_true, "y_true")
    if given == "selected":
        return as_binary(y_pred, "y_pred")
    raise ValueError(f"unknown rate condition {given!r}")


def group_rates(rate: Rate, y_true, y_pred, partition_codes, n_groups: int, score=None,
                weights=None) -> tuple[np.ndarray, np.ndarray]:
    """Each group's rate and support: `(values, support)`, both of length `n_groups`.

    `values[g]` is the (weighted) mean of the rate's quantity over the rows with code g that meet
    its condition; `support[g]` is how many such rows there are (int), or their total weight
    (float) when `weights` is given. A group with support 0 has value NaN.
    """
    _check_lengths(y_true, y_pred, score, weights)
    codes = _checked_codes(partition_codes, n_groups, len(y_true))
    keep = row_condition(rate, y_true, y_pred) & (codes >= 0)
    quantity = row_quantity(rate, y_true, y_pred, score)[keep]
    kept_codes = codes[keep]
    if weights is None:
        support = np.bincount(kept_codes, minlength=n_groups)
        totals = np.bincount(kept_codes, weights=quantity, minlength=n_groups)
    else:
        row_weights = np.asarray(weights, dtype=np.float64)[keep]
        support = np.bincount(kept_codes, weights=row_weights, minlength=n_groups)
        totals = np.bincount(kept_codes, weights=quantity * row_weights, minlength=n_groups)
    return mean_or_nan(totals, support), support


def overall_rate(rate: Rate, y_true, y_pred, partition_codes, score=None,
                 weights=None) -> tuple[float, float]:
    """The rate over all rows of the partition (code ≥ 0) and its support; NaN if support is 0."""
    codes = np.asarray(partition_codes)
    in_partition = np.where(codes >= 0, 0, -1)
    value, support = group_rates(rate, y_true, y_pred, in_partition, 1, score, weights)
    return float(value[0]), support[0].item()


def mean_or_nan(totals, support) -> np.ndarray:
    """totals / support elementwise, NaN where support is 0 (an undefined rate)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(support > 0, totals / np.where(support > 0, support, 1), np.nan)


def as_binary(values, name: str) -> np.ndarray:
    """`values` as a boolean array; ValueError unless every value is 0 or 1 (or a bool)."""
    array = np.asarray(values)
    if array.dtype == bool:
        return array
    if not np.all((array == 0) | (array == 1)):
        raise ValueError(f"{name} must hold 0/1 values for this rate")
    return array == 1


def _check_lengths(y_true, *others) -> None:
    n_rows = len(y_true)
    for other in others:
        if other is not None and len(other) != n_rows:
            raise ValueError(f"inputs differ in length: {len(other)} rows against {n_rows}")


def _checked_codes(partition_codes, n_groups: int, n_rows: int) -> np.ndarray:
    codes = np.asarray(partition_codes)
    if codes.shape != (n_rows,):
        raise ValueError(f"partition codes have shape {codes.shape}, expected ({n_rows},)")
    if not np.issubdtype(codes.dtype, np.integer):
        raise ValueError("partition codes must be integers")
    if codes.size and (codes.min() < -1 or codes.max() >= n_groups):
        raise ValueError(f"partition codes must lie in [-1, {n_groups})")
    return codes
