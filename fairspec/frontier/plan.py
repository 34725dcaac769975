"""Which models a sweep fits: one `PointPlan` per point, for ε-constraint or weighted-sum scalarization.

Point 0 is the anchor: the policy's own terms and nothing else. The other points are planned from
the anchor's training values:

- ε-constraint: training minimises the model's loss (the performance goal's surrogate) with every
  group goal as a hard bound. For one group goal with anchor value u and ideal value z (0 for a
  gap), point j of N bounds it by z + (u − z)(1 − j/N)², from the anchor down to (u − z)/N²
  short of the ideal. The steps shrink towards the ideal because that is where accuracy falls
  fastest per unit of fairness (on Adult's sex gap, about 3× faster below 0.05 than above 0.08),
  so evenly spaced bounds would leave the steep end of the frontier coarse. With
  k group goals each gets m = ⌈N^(1/k)⌉ levels (level 0: unbounded) and the sweep fits the m^k
  grid.
- weighted sum: minimise w₀·ℓ/R₀ + Σ_g w_g·f_g/R_g, objectives normalised by their range so a
  weight is a share of the trade-off. R₀ is the training log-loss the anchor saves over the
  constant base-rate model (the fairest trivial model), R_g = |u_g − z_g|. Dividing by w₀/R₀
  gives the soft term weight λ_g = (w_g/w₀)·(R₀/R_g). Weights run over the simplex lattice with
  w₀ > 0 (a pure-fairness vertex has no finite λ); weighted sums reach only the convex hull of
  the frontier, which is why ε-constraint is the default method.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from fairspec.backends.base import Term
from fairspec.errors import FairspecError
from fairspec.frontier.axes import Axis, SplitMeasure
from fairspec.metrics.catalog import METRICS, Task

Method = Literal["epsilon_constraint", "weighted_sum"]
METHODS: tuple[str, ...] = ("epsilon_constraint", "weighted_sum")


@dataclass(frozen=True)
class Bound:
    """A hard bound on one group axis: `axis op value`."""

    axis: str
    op: Literal["<=", ">="]
    value: float

    def __str__(self) -> str:
        return f"{self.axis} {self.op} {self.value:.4f}"


@dataclass(frozen=True)
class PointPlan:
    """One point of the sweep: the bounds (ε-constraint) or weights and penalties (weighted sum)."""

    index: int
    bounds: tuple[Bound, ...] = ()
    weights: tuple[tuple[str, float], ...] = ()
    penalties: tuple[tuple[str, float], ...] = ()

    def describe(self) -> str:
        if self.bounds:
            return " and ".join(map(str, self.bounds))
        if self.weights:
            return "weights " + ", ".join(f"{key} {w:.3f}" for key, w in self.weights)
        return "anchor: the policy's own terms only"

    def terms(self, axes: tuple[Axis, ...], task: Task, prefix: str) -> tuple[Term, ...]:
        """The extra backend terms of this point: hard bounds, or soft penalties."""
        by_key = {axis.key: axis for axis in axes}
        hard = tuple(_term(by_key[b.axis], task, prefix, "hard", op=b.op, bound=b.value)
                     for b in self.bounds)
        soft = tuple(_term(by_key[key], task, prefix, "soft", weight=weight)
                     for key, weight in self.penalties if weight > 0)
        return hard + soft

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "describe": self.describe(),
                "bounds": [{"axis": b.axis, "op": b.op, "value": b.value} for b in self.bounds],
                "weights": dict(self.weights), "penalties": dict(self.penalties)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "PointPlan":
        return cls(data["index"], tuple(Bound(b["axis"], b["op"], b["value"]) for b in data["bounds"]),
                   tuple(data["weights"].items()), tuple(data["penalties"].items()))


def _term(axis: Axis, task: Task, prefix: str, mode: str, **bound: Any) -> Term:
    return Term(id=f"{prefix}:{axis.key}", metric=axis.metric, family=METRICS[axis.metric].family,
                expression=axis.expression(task), partition=axis.attribute or "", mode=mode,  # type: ignore[arg-type]
                **bound)


def plan_points(method: str, axes: tuple[Axis, ...], anchor: SplitMeasure, points: int,
                base_rate: float | None) -> tuple[PointPlan, ...]:
    """Every point of the sweep, the anchor (index 0) first."""
    if method not in METHODS:
        raise FairspecError(f"unknown frontier method {method!r}", hint=f"use one of {', '.join(METHODS)}")
    if points < 2:
        raise FairspecError("a frontier needs at least 2 points")
    group_axes = tuple(a for a in axes if a.is_group)
    performance_axes = tuple(a for a in axes if not a.is_group)
    if not group_axes:
        raise FairspecError("a trade-off needs at least one group goal (e.g. minimize "
                            "demographic_parity(sex)); performance goals alone share one loss")
    if len(performance_axes) > 1:
        raise FairspecError("a trade-off takes at most one performance goal: training minimises one "
                            f"loss, which serves {', '.join(a.key for a in performance_axes)} alike",
                            hint="keep one of them")
    if method == "epsilon_constraint":
        return epsilon_plans(group_axes, anchor, points)
    if not performance_axes:
        raise FairspecError("weighted_sum needs a performance goal to weigh fairness against",
                            hint="add e.g. `maximize accuracy`, or use method epsilon_constraint")
    return weighted_plans(group_axes, anchor, points, _loss_range(anchor, base_rate))


def epsilon_plans(group_axes: tuple[Axis, ...], anchor: SplitMeasure, points: int
                  ) -> tuple[PointPlan, ...]:
    """The ε grid: `points` levels for one group goal, ⌈points^(1/k)⌉ per goal for k of them."""
    levels = points if len(group_axes) == 1 else math.ceil(points ** (1 / len(group_axes)) - 1e-9)
    per_axis = [[None] + [_level(axis, anchor.values[axis.key], j, levels) for j in range(1, levels)]
                for axis in group_axes]
    plans = []
    for index, combination in enumerate(itertools.product(*per_axis)):
        bounds = tuple(Bound(axis.key, "<=" if axis.sense == "minimize" else ">=", value)
                       for axis, value in zip(group_axes, combination) if value is not None)
        plans.append(PointPlan(index, bounds=bounds))
    return tuple(plans)


def _level(axis: Axis, anchor_value: float, j: int, levels: int) -> float:
    if math.isnan(anchor_value) or not math.isfinite(axis.ideal):
        raise FairspecError(f"cannot sweep {axis.key}: the anchor's value is {anchor_value} and the "
                            f"metric's best value is {axis.ideal}")
    return float(axis.ideal + (anchor_value - axis.ideal) * (1 - j / levels) ** 2)


def weighted_plans(group_axes: tuple[Axis, ...], anchor: SplitMeasure, points: int,
                   loss_range: float) -> tuple[PointPlan, ...]:
    """Simplex-lattice weights with w₀ > 0, the smallest lattice giving at least `points` of them."""
    k = len(group_axes)
    denominator = 1
    while math.comb(denominator - 1 + k, k) < points:
        denominator += 1
    lattice = sorted((c for c in itertools.product(range(denominator), repeat=k) if sum(c) < denominator),
                     key=lambda c: (sum(c), c))[:points]
    plans = []
    for index, counts in enumerate(lattice):
        shares = np.array(counts, dtype=np.float64) / denominator
        w0 = 1.0 - float(shares.sum())
        weights = tuple((axis.key, float(w)) for axis, w in zip(group_axes, shares))
        penalties = tuple((axis.key, _penalty(float(w), w0, loss_range, axis, anchor))
                          for axis, w in zip(group_axes, shares))
        plans.append(PointPlan(index, weights=weights, penalties=penalties))
    return tuple(plans)


def _penalty(weight: float, w0: float, loss_range: float, axis: Axis, anchor: SplitMeasure) -> float:
    metric_range = abs(anchor.values[axis.key] - axis.ideal)
    if weight == 0 or metric_range < 1e-12:
        return 0.0
    return float(weight / w0 * loss_range / metric_range)


def _loss_range(anchor: SplitMeasure, base_rate: float | None) -> float:
    """Training log-loss of the constant base-rate model minus the anchor's (R₀ above)."""
    loss = anchor.performance.get("log_loss")
    if loss is None or base_rate is None or not 0 < base_rate < 1:
        raise FairspecError("weighted_sum normalises by the log-loss range and needs a binary target "
                            "with both classes present", hint="use method epsilon_constraint")
    entropy = -(base_rate * math.log(base_rate) + (1 - base_rate) * math.log(1 - base_rate))
    return max(entropy - float(loss), 1e-6)
