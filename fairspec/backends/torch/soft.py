"""Soft requirements: λ times the sigmoid-smoothed metric on each batch, added to the loss."""

from __future__ import annotations

from typing import Mapping

import torch

from fairspec.backends.torch.relaxations import (expression_rates, expression_value,
                                                  fairness_penalty, group_bins)
from fairspec.backends.torch.tensors import TensorBatch
from fairspec.metrics.expressions import Expr


class SoftTerm:
    """weight · relaxed metric; `group_weights` ({label: w}) scale each group's or cell's share.

    A weighted pairwise gap is max over g, h of √(w_g w_h)·|r_g − r_h|, so a cell given more
    weight pulls harder on every gap it takes part in; with no weights it is the metric itself.
    """

    def __init__(self, term_id: str, expression: Expr, partition: str, labels: tuple[str, ...],
                 weight: float, options: Mapping[str, object], device: torch.device) -> None:
        self.term_id, self.expression, self.partition = term_id, expression, partition
        self.n_groups, self.weight = len(labels), weight
        given = dict(options.get("group_weights") or {})     # type: ignore[call-overload]
        self.group_weights = (torch.tensor([float(given.get(label, 1.0)) for label in labels],
                                           device=device) if given else None)

    def relaxed_value(self, logit: torch.Tensor, batch: TensorBatch) -> torch.Tensor:
        bins = group_bins(batch.codes[self.partition], self.n_groups)
        rates = expression_rates(self.expression, torch.sigmoid(logit), logit, batch.y, bins,
                                 self.n_groups)
        return expression_value(self.expression, rates, self.group_weights)

    def loss(self, logit: torch.Tensor, batch: TensorBatch) -> torch.Tensor:
        return self.weight * fairness_penalty(self.expression, self.relaxed_value(logit, batch))
