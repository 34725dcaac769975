"""The 0/1 rates of one rate leaf over the cells of a partition, and how each row moves them.

A hard rate requirement is linear in the 0/1 predictions: the event of a row is
`offset + slope * ŷ` (ŷ = 1 selected, 0 not), so a cell's rate is a mean of those over the rows
of the cell that meet the leaf's condition. `RateCells` precomputes the cell of every row, the
slope and the offset once, so measuring all cells of a candidate model is one `np.bincount`, and
the Lagrangian's per-row cost of a multiplier vector is one gather.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fairspec.data.spec import Partition
from fairspec.errors import FairspecError
from fairspec.metrics.expressions import Rate

# event -> (offset, slope) as functions of the 0/1 label y: event = offset + slope * ŷ. Slopes are
# −1, 0 or 1 (thresholds.CellLayout keeps them in int8).
_LINEAR_EVENTS = {
    "selected": lambda y: (np.zeros_like(y), np.ones_like(y)),
    "rejected": lambda y: (np.ones_like(y), -np.ones_like(y)),
    "error": lambda y: (y, 1.0 - 2.0 * y),
    "correct": lambda y: (1.0 - y, 2.0 * y - 1.0),
}


@dataclass(frozen=True)
class RateCells:
    """rate(event | given) per cell of `partition`, on the 0/1 predictions of one split.

    `cell[i]` is the cell of row i, or -1 where the row is left out of the partition or fails the
    leaf's condition; `support[c]` counts the rows of cell c.
    """

    rate: Rate
    partition: str
    labels: tuple[str, ...]
    cell: np.ndarray
    support: np.ndarray
    offset: np.ndarray
    slope: np.ndarray

    @classmethod
    def build(cls, rate: Rate, partition: Partition, y: np.ndarray) -> "RateCells":
        if rate.event not in _LINEAR_EVENTS or rate.given == "selected":
            raise FairspecError(f"{rate} is not linear in the 0/1 predictions, so it has no "
                                "hard (exact on train) lowering", hint="use mode soft or monitor")
        y = np.asarray(y, dtype=np.float64)
        offset, slope = _LINEAR_EVENTS[rate.event](y)
        keep = partition.codes >= 0
        if rate.given == "label_positive":
            keep &= y == 1
        elif rate.given == "label_negative":
            keep &= y == 0
        cell = np.where(keep, partition.codes, -1).astype(np.int64)
        support = np.bincount(cell[keep], minlength=len(partition.labels))
        return cls(rate, partition.name, partition.labels, cell, support, offset, slope)

    @property
    def counted(self) -> np.ndarray:
        return self.cell >= 0

    def rates(self, selected: np.ndarray) -> np.ndarray:
        """Each cell's rate for the 0/1 predictions `selected` (NaN for an empty cell)."""
        event = self.offset + self.slope * selected
        keep = self.counted
        totals = np.bincount(self.cell[keep], weights=event[keep], minlength=len(self.labels))
        with np.errstate(invalid="ignore", divide="ignore"):
            return totals / self.support

    def overall(self, selected: np.ndarray) -> float:
        """The rate over every counted row (the `vs overall` reference)."""
        keep = self.counted
        return float(np.mean(self.offset[keep] + self.slope[keep] * selected[keep]))

    def row_cost(self, multipliers: np.ndarray) -> np.ndarray:
        """n · ∂(Σ_c multipliers[c] · rate_c) / ∂ŷ_i for every row i: the Lagrangian's per-row cost.

        Scaled by n so that it adds to the per-row cost (1 − 2y) of the error rate.
        """
        n_rows = len(self.cell)
        per_cell = np.zeros(len(self.labels) + 1)     # the extra last slot serves cell -1
        with np.errstate(invalid="ignore", divide="ignore"):
            per_cell[:-1] = np.where(self.support > 0, multipliers * n_rows / self.support, 0.0)
        return per_cell[self.cell] * self.slope
