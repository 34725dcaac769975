"""Counted metrics agree with fairlearn; smoothed rates approach counted ones; the threshold scan
agrees with brute force."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from fairlearn.metrics import MetricFrame, false_positive_rate, selection_rate, true_positive_rate

from fairspec.backends.torch.relaxations import (expression_rates, expression_value, group_bins,
                                                  measure)
from fairspec.backends.torch.thresholds import Bound, scan_thresholds
from fairspec.metrics.catalog import metric

RNG = np.random.default_rng(3)
N = 600
LOGITS = RNG.normal(size=N)
Y = (RNG.random(N) < 0.4).astype(np.int64)
GROUPS = RNG.choice(3, size=N, p=[0.6, 0.3, 0.1])


def _frame(function) -> MetricFrame:
    pred = (LOGITS >= 0).astype(int)
    return MetricFrame(metrics=function, y_true=Y, y_pred=pred, sensitive_features=GROUPS)


def _accuracy(y_true, y_pred) -> float:
    return float(np.mean(y_true == y_pred))


def _error(y_true, y_pred) -> float:
    return float(np.mean(y_true != y_pred))


ORACLES = {
    "demographic_parity": lambda: _frame(selection_rate).difference(),
    "equal_opportunity": lambda: _frame(true_positive_rate).difference(),
    "fpr_parity": lambda: _frame(false_positive_rate).difference(),
    "equalized_odds": lambda: max(_frame(true_positive_rate).difference(),
                                  _frame(false_positive_rate).difference()),
    "error_rate_parity": lambda: _frame(_error).difference(),
    "accuracy_parity": lambda: _frame(_accuracy).difference(),
    "disparate_impact": lambda: _frame(selection_rate).ratio(),
}


@pytest.mark.parametrize("name", sorted(ORACLES))
def test_counted_value_matches_fairlearn(name):
    value = measure(metric(name).expression(), LOGITS, Y, GROUPS, 3)
    assert value == pytest.approx(ORACLES[name](), abs=1e-12)


def test_overall_reference_matches_fairlearn():
    value = measure(metric("demographic_parity").expression("overall"), LOGITS, Y, GROUPS, 3)
    assert value == pytest.approx(_frame(selection_rate).difference(method="to_overall"), abs=1e-12)


def test_rows_left_out_do_not_count():
    codes = GROUPS.copy()
    codes[:100] = -1
    value = measure(metric("demographic_parity").expression(), LOGITS, Y, codes, 3)
    expected = measure(metric("demographic_parity").expression(), LOGITS[100:], Y[100:], GROUPS[100:], 3)
    assert value == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("name", ["demographic_parity", "equalized_odds", "disparate_impact"])
def test_sharp_sigmoid_approaches_counted_value(name):
    expr = metric(name).expression()
    logit = torch.from_numpy(LOGITS)
    bins = group_bins(torch.from_numpy(GROUPS), 3)
    rates = expression_rates(expr, torch.sigmoid(1e4 * logit), logit,
                             torch.from_numpy(Y.astype(np.float64)), bins, 3)
    assert float(expression_value(expr, rates)) == pytest.approx(measure(expr, LOGITS, Y, GROUPS, 3),
                                                                 abs=1e-3)


def test_smoothed_value_has_a_gradient():
    expr = metric("demographic_parity").expression()
    logit = torch.from_numpy(LOGITS).requires_grad_()
    bins = group_bins(torch.from_numpy(GROUPS), 3)
    rates = expression_rates(expr, torch.sigmoid(logit), logit, torch.from_numpy(Y.astype(float)), bins, 3)
    expression_value(expr, rates).backward()
    assert torch.count_nonzero(logit.grad) > 0


def test_group_weights_scale_the_gap():
    expr = metric("demographic_parity").expression()
    logit = torch.from_numpy(LOGITS)
    bins = group_bins(torch.from_numpy(GROUPS), 3)
    rates = expression_rates(expr, torch.sigmoid(logit), logit, torch.from_numpy(Y.astype(float)), bins, 3)
    plain = float(expression_value(expr, rates))
    doubled = float(expression_value(expr, rates, torch.full((3,), 2.0, dtype=torch.float64)))
    assert doubled == pytest.approx(2.0 * plain)


@pytest.mark.parametrize("name,bound", [("demographic_parity", 0.05), ("equalized_odds", 0.08),
                                        ("disparate_impact", 0.8)])
def test_scan_finds_the_most_accurate_feasible_threshold(name, bound):
    info = metric(name)
    result = scan_thresholds(LOGITS, Y, [Bound("t", info.expression(), GROUPS, 3, info.direction, bound)])
    best = -1.0
    for threshold in np.concatenate([np.sort(LOGITS), [LOGITS.max() + 1]]):
        value = measure(info.expression(), LOGITS, Y, GROUPS, 3, threshold)
        meets = value <= bound if info.direction == "<=" else value >= bound
        if meets:
            best = max(best, float(np.mean((LOGITS >= threshold) == Y)))
    assert result.feasible
    assert result.accuracy == pytest.approx(best)
    chosen = measure(info.expression(), LOGITS, Y, GROUPS, 3, result.threshold_logit)
    assert chosen == pytest.approx(result.values["t"])
    assert (chosen <= bound) if info.direction == "<=" else (chosen >= bound)
