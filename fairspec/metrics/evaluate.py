"""Evaluate a metric expression on 0/1 predictions: its value, the groups behind it, the breakdown.

Semantics of the combinators over the groups of a partition (r_g a group's rate, r_all the rate
over every row of the partition):

- Gap pairwise: max over g, h of |r_g − r_h|, which is max_g r_g − min_g r_g.
- Gap overall: max over g of |r_g − r_all|.
- Ratio pairwise: min_g r_g / max_g r_g. When every group's rate is 0 the ratio is 0/0; it is
  defined as 1.0 (all groups are treated alike). Ratios assume rates ≥ 0.
- Ratio overall: min over g of min(r_g / r_all, r_all / r_g), which is
  min(r_g, r_all) / max(r_g, r_all); again 1.0 where both are 0.
- WorstGroup: max over g of r_g.
- Largest: the max of its terms.

A group with no row meeting a rate's condition (support 0) has an undefined rate: it is left out
of the max and min and listed in `MetricValue.undefined`. A gap over a single defined group is 0;
with no defined group the value is NaN. `combine` holds these rules once, on arrays with any
leading batch axes, so the bootstrap in `intervals.py` uses exactly the same definitions.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Mapping

import numpy as np

from fairspec.data.spec import Partition
from fairspec.metrics.catalog import Task, metric
from fairspec.metrics.expressions import (Expr, Gap, Largest, Rate, Ratio, Reference, WorstGroup,
                                          leaves)
from fairspec.metrics.rates import group_rates, overall_rate


@dataclass(frozen=True)
class GroupBreakdown:
    """One group's rates, one per leaf of the expression (NaN where undefined), and supports."""

    label: str
    rates: tuple[float, ...]
    support: tuple[int, ...]


@dataclass(frozen=True)
class MetricValue:
    """A measured metric: its value, which groups set it, and every group's rates.

    `worst` names the groups behind the value: (highest, lowest) for a pairwise gap or ratio, the
    one group for an overall reference or a worst-group loss; for `Largest`, those of the term that
    sets the max; () when the value is NaN. `leaves` gives the rates that `GroupBreakdown.rates`
    and `overall` list, in order. `terms` holds the sub-results of a `Largest`.
    """

    expression: str
    value: float
    reference: Reference | None
    worst: tuple[str, ...]
    leaves: tuple[str, ...]
    groups: tuple[GroupBreakdown, ...]
    overall: tuple[float, ...]
    undefined: tuple[str, ...]
    partition: str = ""
    metric: str | None = None
    terms: tuple["MetricValue", ...] = ()

    def to_dict(self) -> dict:
        """A JSON-able dict: plain floats, ints, strings and lists; NaN becomes None."""
        return jsonable(asdict(self))


def evaluate(expr: Expr, y_true, y_pred, partition: Partition, score=None) -> MetricValue:
    """Measure `expr` over the groups of `partition` (see the module docstring for semantics)."""
    n_groups = len(partition.labels)
    group_values: dict[Rate, np.ndarray] = {}
    group_support: dict[Rate, np.ndarray] = {}
    overall_values: dict[Rate, float] = {}
    for leaf in leaves(expr):
        group_values[leaf], group_support[leaf] = group_rates(
            leaf, y_true, y_pred, partition.codes, n_groups, score)
        overall_values[leaf] = overall_rate(leaf, y_true, y_pred, partition.codes, score)[0]
    tables = _Tables(partition, group_values, group_support, overall_values)
    return _describe(expr, tables)


def measure(metric_name: str, y_true, y_pred, partition: Partition, score=None,
            reference: Reference = "pairwise", task: Task = "binary") -> MetricValue:
    """Evaluate the catalog metric `metric_name` (a group metric) for `task` and `reference`."""
    try:
        info = metric(metric_name)
    except KeyError:
        raise ValueError(f"unknown metric {metric_name!r}") from None
    if not info.group_metric:
        raise ValueError(f"{metric_name} is a performance metric: use metrics.performance()")
    if task not in info.tasks:
        raise ValueError(f"{metric_name} is not defined for a {task} target")
    value = evaluate(info.expression(reference, task), y_true, y_pred, partition, score)
    return replace(value, metric=metric_name)


def combine(expr: Expr, group_values: Mapping[Rate, np.ndarray],
            overall_values: Mapping[Rate, np.ndarray]) -> np.ndarray:
    """The value of `expr` from its leaves' rates: (..., k) arrays per group, (...) overall.

    NaN group rates are undefined groups and are left out; the result is NaN where no group of a
    term is defined. Leading axes are batch axes (bootstrap replicates).
    """
    if isinstance(expr, Largest):
        term_values = np.stack([combine(t, group_values, overall_values) for t in expr.terms])
        return _max_of_defined(term_values, axis=0)
    values = np.asarray(group_values[expr.rate], dtype=np.float64)
    defined = ~np.isnan(values)
    if isinstance(expr, WorstGroup):
        return _max_of_defined(values, axis=-1)
    overall = np.asarray(overall_values[expr.rate], dtype=np.float64)[..., None]
    if isinstance(expr, Gap):
        if expr.reference == "pairwise":
            return _max_of_defined(values, -1) - _min_of_defined(values, -1)
        return _max_of_defined(np.abs(values - overall), -1)
    if isinstance(expr, Ratio):
        if expr.reference == "pairwise":
            return _ratio(_min_of_defined(values, -1), _max_of_defined(values, -1))
        per_group = _ratio(np.minimum(values, overall), np.maximum(values, overall))
        return _min_of_defined(np.where(defined, per_group, np.nan), -1)
    raise TypeError(f"not a metric expression: {expr!r}")


@dataclass(frozen=True)
class _Tables:
    partition: Partition
    group_values: dict[Rate, np.ndarray]
    group_support: dict[Rate, np.ndarray]
    overall_values: dict[Rate, float]


def _describe(expr: Expr, tables: _Tables) -> MetricValue:
    value = float(combine(expr, tables.group_values, tables.overall_values))
    expr_leaves = leaves(expr)
    labels = tables.partition.labels
    groups = tuple(
        GroupBreakdown(label,
                       tuple(float(tables.group_values[leaf][g]) for leaf in expr_leaves),
                       tuple(int(tables.group_support[leaf][g]) for leaf in expr_leaves))
        for g, label in enumerate(labels))
    undefined = tuple(label for g, label in enumerate(labels)
                      if any(tables.group_support[leaf][g] == 0 for leaf in expr_leaves))
    terms = tuple(_describe(t, tables) for t in expr.terms) if isinstance(expr, Largest) else ()
    return MetricValue(
        expression=str(expr), value=value, reference=_reference(expr),
        worst=_worst(expr, value, terms, tables), leaves=tuple(str(leaf) for leaf in expr_leaves),
        groups=groups, overall=tuple(tables.overall_values[leaf] for leaf in expr_leaves),
        undefined=undefined, partition=tables.partition.name, terms=terms)


def _worst(expr: Expr, value: float, terms: tuple[MetricValue, ...],
           tables: _Tables) -> tuple[str, ...]:
    """The labels of the groups that set `value` (first in label order on ties)."""
    if math.isnan(value):
        return ()
    if isinstance(expr, Largest):
        return next(t.worst for t in terms if t.value == value)
    values = tables.group_values[expr.rate]
    labels = tables.partition.labels
    highest = labels[int(np.nanargmax(values))]
    lowest = labels[int(np.nanargmin(values))]
    if isinstance(expr, WorstGroup):
        return (highest,)
    if expr.reference == "pairwise":
        return (highest, lowest)
    overall = tables.overall_values[expr.rate]
    if isinstance(expr, Gap):
        return (labels[int(np.nanargmax(np.abs(values - overall)))],)
    per_group = _ratio(np.minimum(values, overall), np.maximum(values, overall))
    return (labels[int(np.nanargmin(np.where(np.isnan(values), np.nan, per_group)))],)


def _reference(expr: Expr) -> Reference | None:
    if isinstance(expr, Largest):
        references = {_reference(t) for t in expr.terms}
        return references.pop() if len(references) == 1 else None
    return None if isinstance(expr, WorstGroup) else expr.reference


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator with 0/0 = 1.0 (equal zero rates); NaN stays NaN."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where((numerator == 0) & (denominator == 0), 1.0, numerator / denominator)


def _max_of_defined(values: np.ndarray, axis: int) -> np.ndarray:
    defined = ~np.isnan(values)
    highest = np.where(defined, values, -np.inf).max(axis=axis)
    return np.where(defined.any(axis=axis), highest, np.nan)


def _min_of_defined(values: np.ndarray, axis: int) -> np.ndarray:
    return -_max_of_defined(-values, axis)


def jsonable(value):
    """`value` with tuples as lists, numpy scalars as Python numbers and NaN as None."""
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value
