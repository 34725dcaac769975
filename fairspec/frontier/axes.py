"""The axes of a trade-off: each goal of an objective block, measured the same way on every point.

A performance goal (accuracy, error_rate, log_loss, auc, mse) is read from
`metrics.performance`; a group goal (any catalog group metric on an attribute, named group or
intersection, e.g. the worst cell's loss `bounded_group_loss(sex_race)`) is evaluated from its
expression over the partition's rates, with every group's rates kept for the explore page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from fairspec.backends.base import scores_and_predictions
from fairspec.compiler.ir import CompiledObjective, Goal
from fairspec.data.spec import Split
from fairspec.errors import FairspecError
from fairspec.metrics.catalog import METRICS, Task
from fairspec.metrics.evaluate import evaluate
from fairspec.metrics.expressions import Expr
from fairspec.metrics.performance import performance

Sense = Literal["maximize", "minimize"]


@dataclass(frozen=True)
class Axis:
    """One goal: `key` is how the policy writes it (`demographic_parity(sex)`), its column name."""

    key: str
    sense: Sense
    metric: str
    attribute: str | None
    reference: Literal["pairwise", "overall"] = "pairwise"

    @property
    def is_group(self) -> bool:
        return METRICS[self.metric].group_metric

    def expression(self, task: Task) -> Expr:
        return METRICS[self.metric].expression(self.reference, task)  # type: ignore[arg-type]

    def cost(self, value: float) -> float:
        """The value as a cost to minimise (a maximised goal is negated)."""
        return -value if self.sense == "maximize" else value

    @property
    def ideal(self) -> float:
        """The best value the metric can take (its range's end on the goal's side)."""
        info = METRICS[self.metric]
        if self.sense == "minimize":
            return info.lower
        return info.upper if info.upper is not None else math.inf

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "sense": self.sense, "metric": self.metric,
                "attribute": self.attribute, "reference": self.reference, "group": self.is_group}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Axis":
        return cls(data["key"], data["sense"], data["metric"], data["attribute"], data["reference"])


def axes_of(objective: CompiledObjective, task: Task) -> tuple[Axis, ...]:
    """The objective's goals as axes; refuses a group goal pulled against its metric's direction."""
    axes = tuple(_axis(goal, task) for goal in objective.goals)
    if len(axes) < 2:
        raise FairspecError(f"objective {objective.name!r} needs two or more goals")
    return axes


def _axis(goal: Goal, task: Task) -> Axis:
    info = METRICS[goal.metric]
    if task not in info.tasks:
        raise FairspecError(f"{goal} is not defined for a {task} target")
    fair_sense = "minimize" if info.direction == "<=" else "maximize"
    if info.group_metric and goal.sense != fair_sense:
        raise FairspecError(f"objective goal '{goal.sense} {goal}' pulls away from fairness",
                            hint=f"{goal.metric} is fairer when it is "
                                 f"{'lower' if fair_sense == 'minimize' else 'higher'}: "
                                 f"write '{fair_sense} {goal}'")
    return Axis(str(goal), goal.sense, goal.metric, goal.attribute, goal.reference)


@dataclass(frozen=True)
class SplitMeasure:
    """One model on one split: each axis's value, the performance figures, and per-group rates.

    `groups[axis key][label]` is `{"rates": {leaf: rate}, "support": n}` for group axes.
    """

    values: dict[str, float]
    performance: dict[str, Any]
    groups: dict[str, dict[str, dict[str, Any]]]

    def to_json(self) -> dict[str, Any]:
        return {"values": self.values, "performance": self.performance, "groups": self.groups}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "SplitMeasure":
        values = {k: (math.nan if v is None else float(v)) for k, v in data["values"].items()}
        return cls(values, data["performance"], data["groups"])


def measure_split(axes: tuple[Axis, ...], model: Any, split: Split, task: Task) -> SplitMeasure:
    """Measure every axis of `model` on `split`."""
    score, y_pred = scores_and_predictions(model, split.X)
    figures = performance(task, split.y, y_pred, score)
    values: dict[str, float] = {}
    groups: dict[str, dict[str, dict[str, Any]]] = {}
    for axis in axes:
        if not axis.is_group:
            measured = figures.get(axis.metric)
            values[axis.key] = math.nan if measured is None else float(measured)
            continue
        detail = evaluate(axis.expression(task), split.y, y_pred, split.partitions[axis.attribute],
                          score)
        values[axis.key] = float(detail.value)
        groups[axis.key] = {g.label: {"rates": {leaf: _finite(r) for leaf, r in zip(detail.leaves, g.rates)},
                                      "support": int(min(g.support))}
                            for g in detail.groups}
    return SplitMeasure(values, {k: _finite(v) if isinstance(v, float) else v for k, v in figures.items()},
                        groups)


def _finite(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)
