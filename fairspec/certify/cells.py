"""Cells too small for any model to pass the safety test, found from the training data alone.

For each certified requirement and each cell of its partition, the expected number of safety rows
meeting the rate's condition is known before training (the safety share of the rows, from the
labels). A cell whose narrowest possible interval already breaks the bound makes the requirement
impossible to certify, whatever the model predicts:

- a gap (pairwise or vs overall) is at least half the width of any one cell's interval, and a
  Clopper–Pearson interval is narrowest at 0 (or n) successes;
- a ratio is at most lower_g / upper_g for any cell g, largest at n successes of n;
- a worst-group loss is at least the cell's Hoeffding upper bound, smallest at mean loss 0.

These are necessary conditions, exact for the intervals the safety test uses; a cell that passes
them may still need more rows at the rates a real model reaches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from fairspec.certify.budget import certified_requirements, delta_split, safety_fraction
from fairspec.certify.widths import LOG_LOSS_RANGE, label_table
from fairspec.metrics.bounds import metric_nodes, uses_overall
from fairspec.compiler.ir import CompiledRequirement, Program
from fairspec.data.spec import Split
from fairspec.metrics.bounds import clopper_pearson, hoeffding
from fairspec.metrics.expressions import Expr, Gap, Ratio, WorstGroup


@dataclass(frozen=True)
class SmallCell:
    """A cell of a certified requirement with too few rows for its rate to be certified."""

    requirement: str
    rate: str
    cell: str
    training_rows: int          # training rows of the cell that meet the rate's condition
    safety_rows: float          # expected safety rows among them
    training_rows_needed: int   # the least count for which the cell could pass

    def __str__(self) -> str:
        return (f"{self.requirement}: cell {self.cell!r} has {self.training_rows} training rows for "
                f"{self.rate} (about {self.safety_rows:.0f} in the safety test); no model can be "
                f"certified below {self.training_rows_needed}")


def too_small_cells(program: Program, train_split: Split) -> tuple[SmallCell, ...]:
    """Every cell of every certified requirement that no model could certify on `train_split`."""
    fraction = safety_fraction(program)
    shares = {share.requirement: share.share for share in delta_split(program)}
    found: list[SmallCell] = []
    for req in certified_requirements(program):
        found.extend(_small_cells(req, train_split, fraction, shares[req.id]))
    return tuple(found)


def _small_cells(req: CompiledRequirement, train_split: Split, fraction: float,
                 delta: float) -> list[SmallCell]:
    partition = train_split.partitions[req.attribute]
    training = label_table(req.expression, train_split.y, partition, 0.0)
    expected = training.scaled(fraction)
    n_intervals = sum(int(np.count_nonzero(s > 0)) for s in expected.supports.values())
    if uses_overall(req.expression):
        n_intervals += len(expected.supports)
    delta_each = delta / max(n_intervals, 1)
    found = []
    for node in metric_nodes(req.expression):
        can_pass = _criterion(node, float(req.bound), delta_each)     # type: ignore[arg-type]
        for label, rows in zip(partition.labels, training.supports[node.rate]):
            if can_pass(rows * fraction):
                continue
            needed = _least_rows(lambda n: can_pass(n * fraction))
            found.append(SmallCell(req.id, str(node.rate), label, int(rows), float(rows * fraction),
                                   needed))
    return found


def _criterion(node: Expr, bound: float, delta_each: float) -> Callable[[float], bool]:
    """Whether a cell with n safety rows could pass `node`'s bound at its best observed rate."""
    if isinstance(node, Gap):
        side = "two-sided"
        return lambda n: n > 0 and float(clopper_pearson(0.0, n, delta_each, side)[1]) / 2 <= bound
    if isinstance(node, Ratio):
        return lambda n: n > 0 and float(clopper_pearson(n, n, delta_each, "two-sided")[0]) >= bound
    if isinstance(node, WorstGroup):
        return lambda n: n > 0 and float(
            hoeffding(0.0, n, delta_each, "upper", LOG_LOSS_RANGE)[1]) <= bound
    raise TypeError(f"not a metric node: {node!r}")


def _least_rows(can_pass: Callable[[float], bool], limit: int = 2 ** 40) -> int:
    """The least integer n ≥ 1 with can_pass(n) (monotone in n), by doubling then bisection."""
    high = 1
    while not can_pass(high):
        high *= 2
        if high > limit:
            return limit
    low = high // 2                     # fails (or is 0)
    while high - low > 1:
        middle = (low + high) // 2
        if can_pass(middle):
            high = middle
        else:
            low = middle
    return high
