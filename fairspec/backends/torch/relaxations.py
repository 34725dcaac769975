"""Metric expressions evaluated on torch tensors: smoothed for training, counted for measuring.

Every rate leaf rate(event | given, g) is a ratio of two sums over the rows of group g. Each event
and each condition is affine in the row's selection indicator s: event = a + b·s, given = c + d·s
(e.g. error = y + (1 − 2y)·s). With s = σ(logit) the rates are smooth and the metric becomes a
differentiable penalty (the sigmoid relaxation of Cotter et al. 2019 and fairret); with s = 1[logit
≥ t] the same code counts the 0/1 rates a metric is defined on. Combinators work on tensors of
shape (..., groups), so one batch (groups,) and a scan over thresholds (thresholds, groups) share them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from fairspec.errors import FairspecError
from fairspec.metrics.expressions import Expr, Gap, Largest, Rate, Ratio, WorstGroup, leaves

_EMPTY = 1e-9   # a denominator at or below this marks a group as absent


@dataclass(frozen=True)
class LeafRates:
    """One leaf's per-group rates (..., K), the overall rate (...), and which groups are present."""

    rates: torch.Tensor
    overall: torch.Tensor
    present: torch.Tensor


def event_parts(event: str, y: torch.Tensor, logit: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(a, b) with the per-row event equal to a + b·s for selection indicator s."""
    zero = torch.zeros_like(y)
    if event == "selected":
        return zero, torch.ones_like(y)
    if event == "rejected":
        return torch.ones_like(y), -torch.ones_like(y)
    if event == "error":
        return y, 1.0 - 2.0 * y
    if event == "correct":
        return 1.0 - y, 2.0 * y - 1.0
    if event == "label_positive":
        return y, zero
    if event == "log_loss":
        return F.binary_cross_entropy_with_logits(logit, y, reduction="none"), zero
    if event == "squared_error":
        return (torch.sigmoid(logit) - y) ** 2, zero
    raise FairspecError(f"the torch backend cannot relax rate event {event!r}")


def given_parts(given: str, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(c, d) with the per-row condition equal to c + d·s."""
    zero = torch.zeros_like(y)
    parts = {"all": (torch.ones_like(y), zero), "label_positive": (y, zero),
             "label_negative": (1.0 - y, zero), "selected": (zero, torch.ones_like(y))}
    return parts[given]


def group_bins(codes: torch.Tensor, n_groups: int) -> torch.Tensor:
    """Codes with -1 (a row left out of the partition) moved to an extra last bin."""
    return torch.where(codes < 0, torch.full_like(codes, n_groups), codes)


def leaf_sums(leaf: Rate, selection: torch.Tensor, logit: torch.Tensor, y: torch.Tensor,
              bins: torch.Tensor, n_groups: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-group numerator and denominator sums (K,) of one leaf, for a smoothed or 0/1 selection."""
    event_a, event_b = event_parts(leaf.event, y, logit)
    given_c, given_d = given_parts(leaf.given, y)
    given_row = given_c + given_d * selection
    numer_row = (event_a + event_b * selection) * given_row
    empty = torch.zeros(n_groups + 1, dtype=logit.dtype, device=logit.device)
    return empty.index_add(0, bins, numer_row)[:n_groups], empty.index_add(0, bins, given_row)[:n_groups]


def rates_from_sums(numer: torch.Tensor, denom: torch.Tensor) -> LeafRates:
    """Rates (..., K) from per-group sums; a group with no rows is marked absent."""
    return LeafRates(numer / denom.clamp_min(_EMPTY),
                     numer.sum(dim=-1) / denom.sum(dim=-1).clamp_min(_EMPTY), denom > _EMPTY)


def leaf_rates(leaf: Rate, selection: torch.Tensor, logit: torch.Tensor, y: torch.Tensor,
               bins: torch.Tensor, n_groups: int) -> LeafRates:
    return rates_from_sums(*leaf_sums(leaf, selection, logit, y, bins, n_groups))


def expression_value(expr: Expr, rates: dict[Rate, LeafRates],
                     group_weights: torch.Tensor | None = None) -> torch.Tensor:
    """The metric's value from its leaves' rates; `group_weights` (K,) scales each group's share."""
    if isinstance(expr, Largest):
        parts = [expression_value(term, rates, group_weights) for term in expr.terms]
        return torch.stack(parts).amax(dim=0)
    leaf = rates[expr.rate]
    weights = None if group_weights is None else group_weights.expand_as(leaf.rates)
    if isinstance(expr, Gap):
        return _gap(leaf, expr.reference, weights)
    if isinstance(expr, Ratio):
        return _ratio(leaf, expr.reference)
    if isinstance(expr, WorstGroup):
        return _masked_max(leaf.rates if weights is None else weights * leaf.rates, leaf.present)
    raise FairspecError(f"the torch backend cannot evaluate {expr}")


def fairness_penalty(expr: Expr, value: torch.Tensor) -> torch.Tensor:
    """What a penalty minimises: the value for a `<=` metric, 1 − value for a ratio (`>=`)."""
    return 1.0 - value if isinstance(expr, Ratio) else value


def expression_rates(expr: Expr, selection: torch.Tensor, logit: torch.Tensor, y: torch.Tensor,
                     bins: torch.Tensor, n_groups: int) -> dict[Rate, LeafRates]:
    return {leaf: leaf_rates(leaf, selection, logit, y, bins, n_groups) for leaf in leaves(expr)}


def measure(expr: Expr, logits: np.ndarray, y: np.ndarray, codes: np.ndarray, n_groups: int,
            threshold_logit: float = 0.0) -> float:
    """The exact value of `expr` for the 0/1 prediction logit ≥ threshold (float64 counts)."""
    logit = torch.from_numpy(np.asarray(logits, dtype=np.float64))
    selection = (logit >= threshold_logit).to(torch.float64)
    bins = group_bins(torch.from_numpy(np.asarray(codes, dtype=np.int64)), n_groups)
    rates = expression_rates(expr, selection, logit, torch.from_numpy(np.asarray(y, dtype=np.float64)),
                             bins, n_groups)
    return float(expression_value(expr, rates))


def _masked_max(values: torch.Tensor, present: torch.Tensor) -> torch.Tensor:
    found = torch.where(present, values, torch.full_like(values, -torch.inf)).amax(dim=-1)
    return torch.where(torch.isfinite(found), found, torch.zeros_like(found))


def _gap(leaf: LeafRates, reference: str, weights: torch.Tensor | None) -> torch.Tensor:
    """Unweighted pairwise: max − min. Weighted pairwise: max over g, h of √(w_g w_h)·|r_g − r_h|."""
    if reference == "overall":
        deviation = (leaf.rates - leaf.overall.unsqueeze(-1)).abs()
        return _masked_max(deviation if weights is None else weights * deviation, leaf.present)
    if weights is None:
        spread = _masked_max(leaf.rates, leaf.present) + _masked_max(-leaf.rates, leaf.present)
        return torch.where(leaf.present.sum(dim=-1) > 1, spread, torch.zeros_like(spread))
    pair_weight = (weights.unsqueeze(-1) * weights.unsqueeze(-2)).sqrt()
    diffs = pair_weight * (leaf.rates.unsqueeze(-1) - leaf.rates.unsqueeze(-2)).abs()
    both = leaf.present.unsqueeze(-1) & leaf.present.unsqueeze(-2)
    return _masked_max(diffs.flatten(-2), both.flatten(-2))


def _ratio(leaf: LeafRates, reference: str) -> torch.Tensor:
    if reference == "overall":
        overall = leaf.overall.unsqueeze(-1)
        both = torch.minimum(leaf.rates, overall) / torch.maximum(leaf.rates, overall).clamp_min(_EMPTY)
        both = torch.where(torch.maximum(leaf.rates, overall) > _EMPTY, both, torch.ones_like(both))
        return -_masked_max(-both, leaf.present)
    highest = _masked_max(leaf.rates, leaf.present)
    lowest = -_masked_max(-leaf.rates, leaf.present)
    return torch.where(highest > _EMPTY, lowest / highest.clamp_min(_EMPTY), torch.ones_like(highest))
