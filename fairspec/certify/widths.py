"""Predict the safety test's bound from per-group rates and row counts, before any safety row is seen.

The safety test (`safety.py`) bounds a metric with `fairspec.metrics.bounds.certified_bound`. Here
the same intervals (Clopper–Pearson for 0/1 rates, Hoeffding for losses, the same sides and the
same equal split of δ; for a gap between two groups the exact difference test, or with
`exact=False` its quick MOVER approximation) are computed from a `RateTable` — each leaf's group
rates and supports — instead of from rows. Three uses: how far to tighten the candidate's bound (the predicted gap
between the safety bound and the measured value), how many rows a failed test would have needed,
and which cells are too small for any model to pass.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from fairspec.data.spec import Partition
from fairspec.metrics.bounds import (clopper_pearson, compares_two_groups, difference_level,
                                     gap_upper_bound, hoeffding, metric_nodes, ratio_lower_bound,
                                     side_for, uses_overall, worst_group_upper_bound)
from fairspec.metrics.difference import difference_upper_bound, mover_upper_bound
from fairspec.metrics.evaluate import combine
from fairspec.metrics.expressions import Expr, Gap, Largest, Rate, Ratio, WorstGroup, leaves
from fairspec.metrics.rates import BINARY_EVENTS, LOG_LOSS_CLIP, group_rates, row_condition

# The largest per-row log-loss the metric can take: probabilities are clipped at LOG_LOSS_CLIP
# before the log (fairspec.metrics.rates), so the Hoeffding range is exact, not assumed.
LOG_LOSS_RANGE = -math.log(LOG_LOSS_CLIP)


@dataclass(frozen=True)
class RateTable:
    """Per leaf of an expression: each group's rate and support (rows meeting the condition)."""

    rates: dict[Rate, np.ndarray]
    supports: dict[Rate, np.ndarray]

    def scaled(self, factor: float) -> "RateTable":
        """The same rates on `factor` times as many rows (supports may become fractional)."""
        return replace(self, supports={leaf: s * factor for leaf, s in self.supports.items()})


def measured_table(expr: Expr, y_true, y_pred, partition: Partition, score=None) -> RateTable:
    """The rates a model's predictions reach on a split."""
    rates, supports = {}, {}
    for leaf in leaves(expr):
        rates[leaf], supports[leaf] = group_rates(leaf, y_true, y_pred, partition.codes,
                                                  len(partition.labels), score)
    return RateTable(rates, supports)


def label_table(expr: Expr, y_true, partition: Partition, rate: float) -> RateTable:
    """Every group at `rate`, with supports from the labels alone (no model needed).

    A leaf conditioned on the prediction (`given selected`) gets the group's whole size, the most
    rows it could have.
    """
    y_true = np.asarray(y_true)
    codes = np.asarray(partition.codes)
    k = len(partition.labels)
    rates, supports = {}, {}
    for leaf in leaves(expr):
        meets = (np.ones(len(y_true), dtype=bool) if leaf.given == "selected"
                 else row_condition(leaf, y_true, y_true))
        keep = meets & (codes >= 0)
        supports[leaf] = np.bincount(codes[keep], minlength=k).astype(np.float64)
        rates[leaf] = np.full(k, float(rate))
    return RateTable(rates, supports)


def point_value(expr: Expr, table: RateTable) -> float:
    """The metric at the table's rates (groups with no support left out, as in `evaluate`)."""
    group_values = {leaf: np.where(table.supports[leaf] > 0, table.rates[leaf], np.nan)
                    for leaf in table.rates}
    overall = {leaf: _overall_rate(table, leaf) for leaf in table.rates}
    return float(combine(expr, group_values, overall))


def predicted_bound(expr: Expr, table: RateTable, delta: float, exact: bool = False,
                    method: str = "exact") -> float:
    """The bound `certified_bound(..., binary_method=method)` would return on rows with exactly
    these rates and supports.

    A gap between two groups ("exact" method) is predicted by MOVER (fast, usually a little below
    the exact test) unless `exact`, which runs the exact test on the rounded counts.
    """
    if method == "exact" and compares_two_groups(expr, table.supports):
        return _difference_prediction(expr, table, delta, exact)
    overall_too = uses_overall(expr)
    n_intervals = sum(int(np.count_nonzero(s > 0)) + int(overall_too and s.sum() > 0)
                      for s in table.supports.values())
    delta_each = delta / max(n_intervals, 1)
    intervals = {}
    for leaf in table.rates:
        side = side_for(expr, leaf)
        support = table.supports[leaf]
        rate = np.nan_to_num(table.rates[leaf])
        lower, upper = _interval(leaf, rate, support, delta_each, side)
        overall = None
        if overall_too:
            total = support.sum()
            overall_lower, overall_upper = _interval(leaf, np.nan_to_num(_overall_rate(table, leaf)),
                                                     total, delta_each, side)
            overall = (float(overall_lower), float(overall_upper))
        intervals[leaf] = (lower, upper, overall)
    return _combine_intervals(expr, intervals)


def _difference_prediction(expr: Expr, table: RateTable, delta: float, exact: bool) -> float:
    alpha = difference_level(expr, delta)
    value = 0.0
    for node in metric_nodes(expr):
        support = table.supports[node.rate]
        counts = np.nan_to_num(table.rates[node.rate]) * support
        if exact:              # the test itself, on the nearest whole counts
            support = np.rint(support).astype(int)
            counts = np.minimum(np.rint(counts).astype(int), support)
            bound = difference_upper_bound
        else:
            bound = mover_upper_bound
        value = max(value, float(bound(counts[0], support[0], counts[1], support[1], alpha)),
                    float(bound(counts[1], support[1], counts[0], support[0], alpha)))
    return value


def narrower_method(expr: Expr, table: RateTable, delta: float) -> str:
    """"exact" (the difference test where it applies) or "clopper_pearson" (interval arithmetic),
    whichever is narrower on rows with these rates (both computed exactly). At small rates, such
    as a near-constant model's, interval arithmetic can be the narrower one."""
    if not compares_two_groups(expr, table.supports):
        return "exact"
    arithmetic = predicted_bound(expr, table, delta, method="clopper_pearson")
    return "clopper_pearson" if arithmetic < predicted_bound(expr, table, delta, exact=True) else "exact"


def best_prediction(expr: Expr, table: RateTable, delta: float, exact: bool = False) -> float:
    """The narrower of the two methods' predicted bounds (`exact`: as `narrower_method` decides)."""
    bound = predicted_bound(expr, table, delta, exact)
    if compares_two_groups(expr, table.supports):
        bound = min(bound, predicted_bound(expr, table, delta, method="clopper_pearson"))
    return bound


def safety_margin(expr: Expr, op: str, table: RateTable, delta: float) -> float:
    """How far the predicted bound lies beyond the point value, on the unsafe side (≥ 0)."""
    bound = predicted_bound(expr, table, delta)
    value = point_value(expr, table)
    return max(0.0, bound - value if op == "<=" else value - bound)


def passes(value: float, op: str, bound: float) -> bool:
    return value <= bound if op == "<=" else value >= bound


def scale_needed(expr: Expr, op: str, bound: float, table: RateTable, delta: float) -> float | None:
    """The least factor s ≥ 1 such that these rates on s times the rows would pass; None if none does.

    None when the point value itself misses the bound: more rows at these rates cannot help.
    """
    if not passes(point_value(expr, table), op, bound):
        return None
    return least_scale(lambda s: passes(predicted_bound(expr, table.scaled(s), delta), op, bound))


def least_scale(ok: Callable[[float], bool], max_scale: float = 2.0 ** 30) -> float | None:
    """The least s in [1, max_scale] with ok(s), to 0.1 %, for ok monotone in s; None if none."""
    if ok(1.0):
        return 1.0
    if not ok(max_scale):
        return None
    low, high = 0.0, math.log2(max_scale)        # bisection on log2(s): fails at low, passes at high
    while high - low > 1e-3:
        middle = 0.5 * (low + high)
        if ok(2.0 ** middle):
            high = middle
        else:
            low = middle
    return 2.0 ** high


def _interval(leaf: Rate, rate, support, delta_each: float, side: str):
    if leaf.event in BINARY_EVENTS:
        return clopper_pearson(np.minimum(rate * support, support), support, delta_each, side)
    return hoeffding(rate, support, delta_each, side, LOG_LOSS_RANGE)


def _combine_intervals(expr: Expr, intervals) -> float:
    if isinstance(expr, Largest):
        return max(_combine_intervals(term, intervals) for term in expr.terms)
    lower, upper, overall = intervals[expr.rate]
    if isinstance(expr, WorstGroup):
        return worst_group_upper_bound(upper)
    if isinstance(expr, Gap):
        return gap_upper_bound(lower, upper, expr.reference, overall)
    if isinstance(expr, Ratio):
        return ratio_lower_bound(lower, upper, expr.reference, overall)
    raise TypeError(f"not a metric expression: {expr!r}")


def _overall_rate(table: RateTable, leaf: Rate) -> float:
    support = table.supports[leaf]
    total = support.sum()
    if total <= 0:
        return float("nan")
    return float(np.nansum(np.where(support > 0, table.rates[leaf], 0.0) * support) / total)
