"""Hard requirements on a torch model: a proxy-Lagrangian game, then one model picked and checked.

The model player minimises the loss plus λ·(smoothed metric); the multiplier player raises λ
while the *counted* 0/1 metric, on a running average of recent batches, exceeds a target a little
inside the bound, and lowers it (not below 0) otherwise. This is the proxy-Lagrangian of Cotter,
Jiang & Sridharan (2019): the relaxation steers the gradients, the real rates steer the multiplier.
After each epoch the snapshot's exact training metrics are scanned over global thresholds
(`thresholds.scan_thresholds`); the most accurate feasible (snapshot, threshold) is returned.
"""

from __future__ import annotations

from typing import Mapping

import torch

from fairspec.backends.torch.relaxations import (expression_value, fairness_penalty, group_bins,
                                                  leaf_sums, rates_from_sums)
from fairspec.backends.torch.tensors import TensorBatch
from fairspec.metrics.expressions import Expr, Rate, leaves


def tightened_target(op: str, bound: float, tighten: float) -> float:
    """A target `tighten` of the way from the bound to the metric's fair end (0, or 1 for ratios)."""
    return bound * (1.0 - tighten) if op == "<=" else bound + tighten * (1.0 - bound)


class LagrangianTerm:
    """One hard requirement's multiplier and the running counted rates that move it."""

    def __init__(self, term_id: str, expression: Expr, partition: str, n_groups: int, op: str,
                 bound: float, options: Mapping[str, object], device: torch.device) -> None:
        self.term_id, self.expression, self.partition = term_id, expression, partition
        self.n_groups, self.op, self.bound = n_groups, op, bound
        self.target = tightened_target(op, bound, float(options.get("tighten", 0.25)))
        self.multiplier_lr = float(options.get("multiplier_lr", 0.05))
        self.decay = float(options.get("rate_decay", 0.95))
        self.multiplier = 0.0
        self._sums: dict[Rate, tuple[torch.Tensor, torch.Tensor]] = {}

    def penalty(self, logit: torch.Tensor, batch: TensorBatch) -> torch.Tensor:
        """λ · the smoothed metric on the batch (1 − ratio for a `>=` ratio bound)."""
        bins = group_bins(batch.codes[self.partition], self.n_groups)
        selection = torch.sigmoid(logit)
        rates = {leaf: rates_from_sums(*leaf_sums(leaf, selection, logit, batch.y, bins, self.n_groups))
                 for leaf in leaves(self.expression)}
        return self.multiplier * fairness_penalty(self.expression, expression_value(self.expression, rates))

    def update(self, logit: torch.Tensor, batch: TensorBatch) -> float:
        """Fold the batch's 0/1 counts into the running sums and take one multiplier step."""
        logit = logit.detach().double()
        y = batch.y.double()
        bins = group_bins(batch.codes[self.partition], self.n_groups)
        selection = (logit >= 0).double()
        rates = {}
        for leaf in leaves(self.expression):
            numer, denom = leaf_sums(leaf, selection, logit, y, bins, self.n_groups)
            if leaf in self._sums:
                old_numer, old_denom = self._sums[leaf]
                numer, denom = self.decay * old_numer + numer, self.decay * old_denom + denom
            self._sums[leaf] = (numer, denom)
            rates[leaf] = rates_from_sums(numer, denom)
        value = float(expression_value(self.expression, rates))
        excess = value - self.target if self.op == "<=" else self.target - value
        self.multiplier = max(0.0, self.multiplier + self.multiplier_lr * excess)
        return value
