"""Exact high-confidence bounds on a metric: per-group rate intervals and interval arithmetic.

Each group's rate gets a Clopper–Pearson interval (0/1 events) or a Hoeffding interval (a quantity
in [0, b]), conditional on how many rows meet the rate's condition. Interval arithmetic turns them
into a bound on the metric: an upper bound on a gap or a worst-group loss, a lower bound on a
ratio. Every interval that can fail holds with probability 1 − δ/m, where m is the number of such
intervals (union bound: δ split equally), so the bound holds with probability at least 1 − δ. A
group with no row meeting a condition gets the vacuous interval [0, b], which cannot fail and
takes no share of δ. The same construction underlies Seldonian algorithms' safety tests (Thomas
et al., Science 2019), here with exact binomial intervals where the rate is a 0/1 event.

A pairwise gap between exactly two groups has a sharper exact bound than interval arithmetic:
the exact test of the difference itself (`difference.py`), one per direction, each at δ / 2 (over
the gaps of a max, δ / 2m). `binary_method="exact"` (the default) uses it wherever every gap of the
expression compares two groups of a 0/1 event, and Clopper–Pearson intervals otherwise; the
returned `method` says which. The choice reads only how many groups have rows, and each method is
exact given those counts, so choosing does not spend any of δ.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np

from fairspec.data.spec import Partition
from fairspec.metrics.binomial import Side, check_delta, check_side, clopper_pearson
from fairspec.metrics.difference import NUISANCE_SHARE, difference_upper_bound
from fairspec.metrics.evaluate import jsonable
from fairspec.metrics.expressions import (Expr, Gap, Largest, Rate, Ratio, Reference, WorstGroup,
                                          leaves)
from fairspec.metrics.rates import BINARY_EVENTS, mean_or_nan, row_condition, row_quantity

BinaryMethod = Literal["exact", "clopper_pearson", "hoeffding"]
DIFFERENCE_METHOD = (f"exact difference test (two groups; Berger–Boos, "
                     f"γ = {NUISANCE_SHARE:g}·α)")


def hoeffding(mean, n, delta: float, side: Side = "two-sided",
              value_range: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Hoeffding interval(s) for the mean of n i.i.d. values in [0, b] (b = `value_range`).

    Radius b·sqrt(log(1/t) / 2n) with t = δ/2 (two-sided) or δ (one-sided), clipped to [0, b].
    With n = 0 the interval is [0, b].
    """
    check_delta(delta)
    check_side(side)
    mean = np.asarray(mean, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    tail = delta / 2.0 if side == "two-sided" else delta
    with np.errstate(divide="ignore", invalid="ignore"):
        radius = np.where(n > 0, value_range * np.sqrt(np.log(1.0 / tail) / (2.0 * n)), np.inf)
    center = np.where(n > 0, mean, 0.0)
    lower = np.zeros(radius.shape) if side == "upper" else np.maximum(0.0, center - radius)
    upper = (np.full(radius.shape, value_range) if side == "lower"
             else np.minimum(value_range, center + radius))
    return lower, upper


# ---------------------------------------------------------------- interval arithmetic

def gap_upper_bound(lower, upper, reference: Reference = "pairwise",
                    overall: tuple[float, float] | None = None) -> float:
    """Upper bound on the gap given each group's rate in [lower_g, upper_g].

    pairwise: max over g ≠ h of upper_g − lower_h (0 with fewer than two groups).
    overall: max over g of max(upper_g − lower_all, upper_all − lower_g), `overall` = (lower_all,
    upper_all), an interval for the rate over the whole partition.
    """
    lower, upper = np.asarray(lower, dtype=np.float64), np.asarray(upper, dtype=np.float64)
    if reference == "pairwise":
        if lower.size < 2:
            return 0.0
        differences = upper[:, None] - lower[None, :]
        np.fill_diagonal(differences, -np.inf)
        return max(0.0, float(differences.max()))
    overall_lower, overall_upper = _required(overall)
    return max(0.0, float(np.max(np.maximum(upper - overall_lower, overall_upper - lower))))


def ratio_lower_bound(lower, upper, reference: Reference = "pairwise",
                      overall: tuple[float, float] | None = None) -> float:
    """Lower bound on the ratio given each group's rate in [lower_g, upper_g] ⊂ [0, ∞).

    pairwise: min_g lower_g / max_g upper_g; overall: min over g of
    min(lower_g, lower_all) / max(upper_g, upper_all). 0/0 is 1.0, as in `evaluate`.
    """
    lower, upper = np.asarray(lower, dtype=np.float64), np.asarray(upper, dtype=np.float64)
    if reference == "pairwise":
        return _zero_over_zero_is_one(float(lower.min()), float(upper.max()))
    overall_lower, overall_upper = _required(overall)
    return min(_zero_over_zero_is_one(min(lo, overall_lower), max(up, overall_upper))
               for lo, up in zip(lower, upper))


def worst_group_upper_bound(upper) -> float:
    """Upper bound on max_g r_g: the largest upper bound."""
    return float(np.max(upper))


def _zero_over_zero_is_one(numerator: float, denominator: float) -> float:
    return 1.0 if numerator == 0.0 and denominator == 0.0 else numerator / denominator


def _required(overall: tuple[float, float] | None) -> tuple[float, float]:
    if overall is None:
        raise ValueError("an overall reference needs the interval of the overall rate")
    return overall


# ---------------------------------------------------------------- a certified bound on a metric

@dataclass(frozen=True)
class RateInterval:
    """The interval of one rate leaf on one group (label "(overall)": the whole partition), or of
    the difference of two groups' rates (label "a − b", support: the rows of both)."""

    leaf: str
    label: str
    lower: float
    upper: float
    support: int
    estimate: float


@dataclass(frozen=True)
class CertifiedBound:
    """`side` "upper": the metric is ≤ `bound` with probability ≥ 1 − δ; "lower": ≥ `bound`."""

    expression: str
    bound: float
    side: Literal["upper", "lower"]
    delta: float
    delta_per_interval: float
    intervals: tuple[RateInterval, ...]
    method: str = "clopper_pearson"

    def to_dict(self) -> dict:
        return jsonable(asdict(self))


OVERALL_LABEL = "(overall)"


def certified_bound(expr: Expr, y_true, y_pred, partition: Partition, score=None, *,
                    delta: float = 0.05, value_range: float = 1.0,
                    binary_method: BinaryMethod = "exact") -> CertifiedBound:
    """A bound on `expr` over the population the rows were drawn from, holding w.p. ≥ 1 − δ.

    Rows are assumed i.i.d.; each rate's interval is conditional on how many rows meet its
    condition. 0/1 events use `binary_method` ("exact": the difference test where
    `compares_two_groups`, Clopper–Pearson otherwise); losses and predictions use Hoeffding with
    range `value_range` and must lie in [0, value_range].
    """
    check_delta(delta)
    tallies = {leaf: _tally(leaf, y_true, y_pred, partition, score, value_range)
               for leaf in leaves(expr)}
    if binary_method == "exact" and compares_two_groups(
            expr, {leaf: tally.support for leaf, tally in tallies.items()}):
        return _difference_bound(expr, tallies, partition.labels, delta)
    if binary_method == "exact":
        binary_method = "clopper_pearson"
    overall_too = uses_overall(expr)
    n_intervals = sum(int(np.count_nonzero(tally.support > 0))
                      + int(overall_too and tally.support.sum() > 0)
                      for tally in tallies.values())
    delta_each = delta / max(n_intervals, 1)
    bounds = {leaf: _leaf_bounds(leaf, tally, delta_each, side_for(expr, leaf), binary_method,
                                 value_range, overall_too)
              for leaf, tally in tallies.items()}
    value, side = _bound(expr, bounds)
    intervals = tuple(interval for leaf_intervals in bounds.values()
                      for interval in _listing(leaf_intervals, tallies, partition.labels))
    return CertifiedBound(str(expr), value, side, delta, delta_each, intervals, binary_method)


def compares_two_groups(expr: Expr, supports: dict[Rate, np.ndarray]) -> bool:
    """Whether every metric node of `expr` is a pairwise gap of a 0/1 event over a partition of
    exactly two groups, both with rows (then the exact difference test bounds it). A third group
    without rows is not left out: its rate is unknown, so interval arithmetic bounds it by [0, 1]."""
    return all(isinstance(node, Gap) and node.reference == "pairwise"
               and node.rate.event in BINARY_EVENTS
               and np.asarray(supports[node.rate]).size == 2
               and bool(np.all(np.asarray(supports[node.rate]) > 0))
               for node in metric_nodes(expr))


def metric_nodes(expr: Expr) -> list[Expr]:
    """The gap, ratio and worst-group nodes of an expression (the terms of a `Largest`)."""
    if isinstance(expr, Largest):
        return [node for term in expr.terms for node in metric_nodes(term)]
    return [expr]


def difference_level(expr: Expr, delta: float) -> float:
    """α of each one-sided difference test: δ split over both directions of every gap."""
    return delta / (2 * len(metric_nodes(expr)))


def _difference_bound(expr: Expr, tallies: dict[Rate, "_Tally"], labels: tuple[str, ...],
                      delta: float) -> CertifiedBound:
    """Each gap of `expr` bounded by the exact difference test in both directions, δ / 2m each."""
    alpha = difference_level(expr, delta)
    listing, value = [], 0.0
    for node in metric_nodes(expr):
        x, n = np.rint(tallies[node.rate].totals).astype(int), tallies[node.rate].support.astype(int)
        above = difference_upper_bound(x[0], n[0], x[1], n[1], alpha)   # bounds r_0 − r_1
        below = difference_upper_bound(x[1], n[1], x[0], n[0], alpha)   # bounds r_1 − r_0
        value = max(value, above, below)
        listing.append(RateInterval(str(node.rate), f"{labels[0]} − {labels[1]}", -below, above,
                                    int(n[0] + n[1]), float(x[0] / n[0] - x[1] / n[1])))
    return CertifiedBound(str(expr), max(0.0, value), "upper", delta, alpha, tuple(listing),
                          DIFFERENCE_METHOD)


@dataclass(frozen=True)
class _Tally:
    totals: np.ndarray      # per group, sum of the quantity over rows meeting the condition
    support: np.ndarray     # per group, rows meeting the condition
    binary: bool


@dataclass(frozen=True)
class _LeafBounds:
    leaf: Rate
    lower: np.ndarray
    upper: np.ndarray
    overall: tuple[float, float] | None


def _tally(leaf: Rate, y_true, y_pred, partition: Partition, score, value_range: float) -> _Tally:
    codes = np.asarray(partition.codes)
    keep = row_condition(leaf, y_true, y_pred) & (codes >= 0)
    quantity = row_quantity(leaf, y_true, y_pred, score)[keep]
    binary = leaf.event in BINARY_EVENTS
    if not binary and quantity.size and (quantity.min() < 0 or quantity.max() > value_range):
        raise ValueError(f"{leaf} has values outside [0, {value_range}]: give a value_range "
                         "that covers the loss")
    k = len(partition.labels)
    return _Tally(np.bincount(codes[keep], weights=quantity, minlength=k),
                  np.bincount(codes[keep], minlength=k), binary)


def _leaf_bounds(leaf: Rate, tally: _Tally, delta_each: float, side: Side, binary_method: str,
                 value_range: float, overall_too: bool) -> _LeafBounds:
    def interval(totals, support):
        if tally.binary and binary_method == "clopper_pearson":
            return clopper_pearson(totals, support, delta_each, side)
        range_b = 1.0 if tally.binary else value_range
        return hoeffding(mean_or_nan(totals, support), support, delta_each, side, range_b)

    lower, upper = interval(tally.totals, tally.support)
    overall = None
    if overall_too:
        overall_lower, overall_upper = interval(tally.totals.sum(), tally.support.sum())
        overall = (float(overall_lower), float(overall_upper))
    return _LeafBounds(leaf, lower, upper, overall)


def _bound(expr: Expr, bounds: dict[Rate, _LeafBounds]) -> tuple[float, Literal["upper", "lower"]]:
    if isinstance(expr, Largest):
        term_bounds = [_bound(term, bounds) for term in expr.terms]
        if any(side != "upper" for _, side in term_bounds):
            raise ValueError("a max of terms can only be bounded above when every term is")
        return max(value for value, _ in term_bounds), "upper"
    leaf_bounds = bounds[expr.rate]
    if isinstance(expr, WorstGroup):
        return worst_group_upper_bound(leaf_bounds.upper), "upper"
    if isinstance(expr, Gap):
        return gap_upper_bound(leaf_bounds.lower, leaf_bounds.upper, expr.reference,
                               leaf_bounds.overall), "upper"
    if isinstance(expr, Ratio):
        return ratio_lower_bound(leaf_bounds.lower, leaf_bounds.upper, expr.reference,
                                 leaf_bounds.overall), "lower"
    raise TypeError(f"not a metric expression: {expr!r}")


def side_for(expr: Expr, leaf: Rate) -> Side:
    """One-sided (upper) where the leaf only feeds worst-group maxima, two-sided otherwise."""
    nodes = _nodes_over(expr, leaf)
    return "upper" if all(isinstance(node, WorstGroup) for node in nodes) else "two-sided"


def _nodes_over(expr: Expr, leaf: Rate) -> list[Expr]:
    if isinstance(expr, Largest):
        return [node for term in expr.terms for node in _nodes_over(term, leaf)]
    return [expr] if expr.rate == leaf else []


def uses_overall(expr: Expr) -> bool:
    """Whether some node compares groups with the overall rate (one more interval per leaf)."""
    if isinstance(expr, Largest):
        return any(uses_overall(term) for term in expr.terms)
    return not isinstance(expr, WorstGroup) and expr.reference == "overall"


def _listing(bounds: _LeafBounds, tallies: dict[Rate, _Tally],
             labels: tuple[str, ...]) -> list[RateInterval]:
    tally = tallies[bounds.leaf]
    estimates = mean_or_nan(tally.totals, tally.support)
    listing = [RateInterval(str(bounds.leaf), label, float(bounds.lower[g]), float(bounds.upper[g]),
                            int(tally.support[g]), float(estimates[g]))
               for g, label in enumerate(labels)]
    if bounds.overall is not None:
        listing.append(RateInterval(str(bounds.leaf), OVERALL_LABEL, *bounds.overall,
                                    int(tally.support.sum()),
                                    float(mean_or_nan(tally.totals.sum(), tally.support.sum()))))
    return listing
