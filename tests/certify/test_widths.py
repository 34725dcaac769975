"""Predicted bounds agree with the safety test's own bounds, and rows-needed estimates are tight."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fairspec.certify.widths import (measured_table, narrower_method, point_value, predicted_bound,
                                     safety_margin,
                                     scale_needed)
from fairspec.data.spec import Partition
from fairspec.metrics.bounds import certified_bound
from fairspec.metrics.catalog import METRICS
from fairspec.metrics.evaluate import evaluate

CERTIFIABLE = ["demographic_parity", "disparate_impact", "equal_opportunity", "equalized_odds",
               "fpr_parity", "error_rate_parity", "accuracy_parity", "bounded_group_loss"]


def rows(seed: int, n: int = 3000):
    rng = np.random.default_rng(seed)
    codes = rng.choice(3, size=n, p=[0.6, 0.3, 0.1])
    y = (rng.random(n) < 0.3 + 0.1 * codes).astype(int)
    score = np.clip(0.25 + 0.5 * y * rng.random(n) + 0.1 * codes, 0.01, 0.99)
    y_pred = (score >= 0.5).astype(int)
    return y, y_pred, score, Partition("g", ("a", "b", "c"), codes)


@pytest.mark.parametrize("name", CERTIFIABLE)
@pytest.mark.parametrize("reference", ["pairwise", "overall"])
def test_predicted_bound_is_the_certified_bound_on_the_same_rows(name, reference):
    y, y_pred, score, partition = rows(1)
    expr = METRICS[name].expression(reference)
    oracle = certified_bound(expr, y, y_pred, partition, score, delta=0.05,
                             value_range=-math.log(1e-15))
    table = measured_table(expr, y, y_pred, partition, score)
    assert predicted_bound(expr, table, 0.05) == pytest.approx(oracle.bound, abs=1e-12)
    assert point_value(expr, table) == pytest.approx(evaluate(expr, y, y_pred, partition, score).value)


@pytest.mark.parametrize("name", ["demographic_parity", "disparate_impact", "equal_opportunity"])
def test_rows_needed_is_the_least_scale_that_passes(name):
    y, y_pred, score, partition = rows(2, n=800)
    info = METRICS[name]
    expr = info.expression()
    table = measured_table(expr, y, y_pred, partition, score)
    value, bound_now = point_value(expr, table), predicted_bound(expr, table, 0.05)
    target = 0.5 * (value + bound_now)          # between the point value and today's bound
    scale = scale_needed(expr, info.direction, target, table, 0.05)
    assert scale is not None and scale > 1.0

    def passes(s):
        bound = predicted_bound(expr, table.scaled(s), 0.05)
        return bound <= target if info.direction == "<=" else bound >= target
    assert passes(scale) and not passes(scale / 1.01)


def test_no_number_of_rows_helps_when_the_value_itself_misses():
    y, y_pred, score, partition = rows(3)
    expr = METRICS["demographic_parity"].expression()
    table = measured_table(expr, y, y_pred, partition, score)
    assert scale_needed(expr, "<=", 0.5 * point_value(expr, table), table, 0.05) is None


def test_margin_shrinks_like_one_over_root_n():
    y, y_pred, score, partition = rows(4)
    expr = METRICS["demographic_parity"].expression()
    table = measured_table(expr, y, y_pred, partition, score)
    ratio = safety_margin(expr, "<=", table, 0.05) / safety_margin(expr, "<=", table.scaled(100), 0.05)
    assert 8.0 < ratio < 12.5


@pytest.mark.parametrize("name", ["demographic_parity", "equal_opportunity", "equalized_odds",
                                  "error_rate_parity"])
def test_on_two_groups_the_exact_prediction_is_the_difference_test_on_the_same_rows(name):
    y, y_pred, score, partition = rows(2)
    two = Partition("g", ("a", "b"), np.minimum(partition.codes, 1))
    expr = METRICS[name].expression("pairwise")
    oracle = certified_bound(expr, y, y_pred, two, score, delta=0.05)
    table = measured_table(expr, y, y_pred, two, score)
    assert oracle.method.startswith("exact difference test")
    assert predicted_bound(expr, table, 0.05, exact=True) == oracle.bound
    quick = predicted_bound(expr, table, 0.05)
    assert quick <= oracle.bound <= quick + 0.01


def test_the_narrower_method_is_chosen_from_the_rates():
    expr = METRICS["demographic_parity"].expression("pairwise")
    y = np.zeros(3000, dtype=int)
    codes = np.repeat([0, 1], [2000, 1000])
    two = Partition("g", ("a", "b"), codes)
    for selected, expected in ((0.002, "clopper_pearson"), (0.03, "exact")):
        y_pred = (np.arange(3000) % 1000 < selected * 1000).astype(int)
        table = measured_table(expr, y, y_pred, two)
        assert narrower_method(expr, table, 0.05) == expected
        chosen = predicted_bound(expr, table, 0.05, exact=True, method=expected)
        other = predicted_bound(expr, table, 0.05, exact=True,
                                method="exact" if expected == "clopper_pearson" else "clopper_pearson")
        assert chosen < other
