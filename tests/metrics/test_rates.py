"""group_rates and overall_rate against a per-group loop over the rows."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from fairspec.metrics.expressions import Rate
from fairspec.metrics.rates import LOG_LOSS_CLIP, group_rates, overall_rate

BINARY_EVENTS = ["selected", "rejected", "error", "correct", "label_positive"]
GIVENS = ["all", "label_positive", "label_negative", "selected"]


def _row_value(event: str, y: int, yhat: int, p: float) -> float:
    """One row's quantity, written out case by case."""
    if event == "selected":
        return float(yhat == 1)
    if event == "rejected":
        return float(yhat == 0)
    if event == "error":
        return float(yhat != y)
    if event == "correct":
        return float(yhat == y)
    if event == "label_positive":
        return float(y == 1)
    if event == "log_loss":
        p = min(max(p, LOG_LOSS_CLIP), 1 - LOG_LOSS_CLIP)
        return -math.log(p) if y == 1 else -math.log(1 - p)
    if event == "squared_error":
        return (p - y) ** 2
    return p


def _meets(given: str, y: int, yhat: int) -> bool:
    return {"all": True, "label_positive": y == 1, "label_negative": y == 0,
            "selected": yhat == 1}[given]


def _loop_rates(rate: Rate, y, yhat, score, codes, n_groups, weights=None):
    totals, support = [0.0] * n_groups, [0.0] * n_groups
    for i in range(len(y)):
        if codes[i] < 0 or not _meets(rate.given, y[i], yhat[i]):
            continue
        weight = 1.0 if weights is None else weights[i]
        totals[codes[i]] += weight * _row_value(rate.event, y[i], yhat[i], score[i])
        support[codes[i]] += weight
    values = [t / s if s > 0 else math.nan for t, s in zip(totals, support)]
    return np.array(values), np.array(support)


@pytest.fixture(scope="module")
def rows():
    rng = np.random.default_rng(3)
    n = 400
    y = rng.integers(0, 2, n)
    score = rng.random(n)
    score[:5] = [0.0, 1.0, 1e-20, 1 - 1e-17, 0.5]        # exercise the log-loss clip
    yhat = (score > 0.4).astype(int)
    codes = rng.integers(-1, 5, n)
    codes[codes == 3] = 2                                 # group 3 has no rows at all
    return y, yhat, score, codes


RATES = [Rate(event, given) for event, given in itertools.product(BINARY_EVENTS, GIVENS)] + [
    Rate("log_loss"), Rate("squared_error"), Rate("prediction")]


@pytest.mark.parametrize("rate", RATES, ids=str)
def test_group_rates_match_loop(rows, rate):
    y, yhat, score, codes = rows
    values, support = group_rates(rate, y, yhat, codes, 5, score=score)
    expected_values, expected_support = _loop_rates(rate, y, yhat, score, codes, 5)
    np.testing.assert_allclose(values, expected_values, rtol=1e-12, equal_nan=True)
    np.testing.assert_array_equal(support, expected_support)
    assert support.dtype.kind == "i"
    assert support[3] == 0 and np.isnan(values[3])


@pytest.mark.parametrize("rate", [Rate("selected", "label_positive"), Rate("log_loss")], ids=str)
def test_weighted_rates_match_loop_and_repeated_rows(rows, rate):
    y, yhat, score, codes = rows
    weights = np.random.default_rng(4).integers(0, 4, len(y)).astype(float)
    values, support = group_rates(rate, y, yhat, codes, 5, score=score, weights=weights)
    expected_values, expected_support = _loop_rates(rate, y, yhat, score, codes, 5, weights)
    np.testing.assert_allclose(values, expected_values, rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(support, expected_support)
    repeat = weights.astype(int)
    repeated_values, _ = group_rates(rate, np.repeat(y, repeat), np.repeat(yhat, repeat),
                                     np.repeat(codes, repeat), 5, score=np.repeat(score, repeat))
    np.testing.assert_allclose(values, repeated_values, rtol=1e-12, equal_nan=True)


def test_overall_rate_leaves_out_rows_outside_the_partition(rows):
    y, yhat, score, codes = rows
    value, support = overall_rate(Rate("selected", "label_negative"), y, yhat, codes)
    inside = (codes >= 0) & (y == 0)
    assert support == inside.sum()
    assert value == pytest.approx(yhat[inside].mean(), abs=1e-15)


def test_overall_rate_is_nan_without_support():
    value, support = overall_rate(Rate("selected", "label_positive"), np.zeros(4, int),
                                  np.ones(4, int), np.zeros(4, int))
    assert math.isnan(value) and support == 0


def test_regression_rates_use_the_prediction_without_a_score():
    y = np.array([1.0, 2.0, 4.0])
    prediction = np.array([1.5, 2.0, 3.0])
    codes = np.array([0, 0, 1])
    values, _ = group_rates(Rate("squared_error"), y, prediction, codes, 2)
    np.testing.assert_allclose(values, [0.125, 1.0])
    values, _ = group_rates(Rate("prediction"), y, prediction, codes, 2)
    np.testing.assert_allclose(values, [1.75, 3.0])


@pytest.mark.parametrize("bad_call, message", [
    (lambda: group_rates(Rate("log_loss"), [0, 1], [0, 1], [0, 0], 1), "score"),
    (lambda: group_rates(Rate("selected"), [0, 1], [0, 0.7], [0, 0], 1), "0/1"),
    (lambda: group_rates(Rate("selected"), [0, 1], [0, 1, 1], [0, 0], 1), "length"),
    (lambda: group_rates(Rate("selected"), [0, 1], [0, 1], [0, 2], 2), r"\[-1, 2\)"),
    (lambda: group_rates(Rate("selected"), [0, 1], [0, 1], [0.0, 1.0], 2), "integers"),
    (lambda: group_rates(Rate("selected"), [0, 1], [0, 1], [0], 2), "shape"),
])
def test_bad_inputs_are_refused(bad_call, message):
    with pytest.raises(ValueError, match=message):
        bad_call()
