"""The one decision threshold that meets every hard requirement on the training data, best accuracy.

Sorting the logits once gives every distinct 0/1 prediction a global threshold can make (the top
k rows selected, k = 0..n). Because each rate leaf is affine in the selection indicator, the
numerators and denominators of all rates at all k are cumulative sums in sorted order, so the
exact metrics at every threshold cost O(n·groups), and the combinators of `relaxations` turn them
into one value per threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from fairspec.backends.torch.relaxations import (LeafRates, event_parts, expression_value,
                                                  given_parts, rates_from_sums)
from fairspec.metrics.expressions import Expr, Rate, leaves


@dataclass(frozen=True)
class Bound:
    """A hard requirement as the scan checks it: expression over a partition, op and bound."""

    term_id: str
    expression: Expr
    codes: np.ndarray            # group code per training row, -1 for a row left out
    n_groups: int
    op: str                      # "<=" or ">="
    bound: float


@dataclass(frozen=True)
class ScanResult:
    feasible: bool
    threshold_logit: float       # the best feasible threshold (or the least violating one)
    accuracy: float
    values: dict[str, float]     # term id -> exact value at that threshold
    best_values: dict[str, float]  # term id -> the value closest to its bound over all thresholds


def scan_thresholds(logits: np.ndarray, y: np.ndarray, bounds: list[Bound],
                    margin: float = 1e-9) -> ScanResult:
    """Among global thresholds, the most accurate one meeting every bound (or the least violating)."""
    order = np.argsort(-logits, kind="stable")
    sorted_logits, sorted_y = logits[order], y[order].astype(np.float64)
    distinct = np.ones(len(order) + 1, dtype=bool)
    distinct[1:-1] = sorted_logits[:-1] > sorted_logits[1:]      # a cut between tied rows is not real
    correct = (1.0 - sorted_y).sum() + np.concatenate([[0.0], np.cumsum(2.0 * sorted_y - 1.0)])
    violation = np.full(len(order) + 1, -np.inf)
    values, best_values = {}, {}
    for bound in bounds:
        value = _values_at_cuts(bound, torch.from_numpy(sorted_logits),
                                torch.from_numpy(sorted_y), bound.codes[order])
        signed = value - bound.bound if bound.op == "<=" else bound.bound - value
        # exact parity (a gap of 0, a ratio of 1: equal fractions of whole counts, the same float
        # in any order) meets any bound, 0 and 1 included, without the rounding margin
        signed = np.where(value == (0.0 if bound.op == "<=" else 1.0), -np.inf, signed)
        violation = np.maximum(violation, signed)
        values[bound.term_id] = value
        closest = np.flatnonzero(distinct)[np.argmin(signed[distinct])]
        best_values[bound.term_id] = float(value[closest])
    feasible = distinct & (violation <= -margin)   # a margin absorbs rounding in other counters
    if feasible.any():
        cut = int(np.flatnonzero(feasible)[np.argmax(correct[feasible])])
    else:
        cut = int(np.flatnonzero(distinct)[np.argmin(violation[distinct])])
    return ScanResult(bool(feasible.any()), _threshold_at(sorted_logits, cut),
                      float(correct[cut] / max(len(order), 1)),
                      {term: float(v[cut]) for term, v in values.items()}, best_values)


def _values_at_cuts(bound: Bound, sorted_logits: torch.Tensor, sorted_y: torch.Tensor,
                    sorted_codes: np.ndarray) -> np.ndarray:
    """The bound's expression with the top k rows selected, for every k = 0..n."""
    groups = np.where(sorted_codes < 0, bound.n_groups, sorted_codes)
    rates = {leaf: _leaf_at_cuts(leaf, sorted_logits, sorted_y, groups, bound.n_groups)
             for leaf in leaves(bound.expression)}
    return expression_value(bound.expression, rates).numpy()


def _leaf_at_cuts(leaf: Rate, logits: torch.Tensor, y: torch.Tensor, groups: np.ndarray,
                  n_groups: int) -> LeafRates:
    event_a, event_b = (part.numpy() for part in event_parts(leaf.event, y, logits))
    given_c, given_d = (part.numpy() for part in given_parts(leaf.given, y))
    # numerator (a + b s)(c + d s) = a c + (a d + b c + b d) s, since s² = s for 0/1 selection
    numer = _per_group_cumsum(event_a * given_c, event_a * given_d + event_b * given_c
                              + event_b * given_d, groups, n_groups)
    denom = _per_group_cumsum(given_c, given_d, groups, n_groups)
    return rates_from_sums(torch.from_numpy(numer[:, :n_groups]), torch.from_numpy(denom[:, :n_groups]))


def _per_group_cumsum(base: np.ndarray, increment: np.ndarray, groups: np.ndarray,
                      n_groups: int) -> np.ndarray:
    """(n + 1, groups + 1): Σ over the group of base + Σ of increment over its first k rows."""
    start = np.bincount(groups, weights=base, minlength=n_groups + 1)
    steps = np.zeros((len(groups) + 1, n_groups + 1))
    steps[np.arange(1, len(groups) + 1), groups] = increment
    return start + np.cumsum(steps, axis=0)


def _threshold_at(sorted_logits: np.ndarray, cut: int) -> float:
    """A logit threshold t with exactly the top `cut` rows at or above it."""
    if len(sorted_logits) == 0:
        return 0.0
    if cut == 0:
        return float(sorted_logits[0] + 1.0)
    if cut == len(sorted_logits):
        return float(sorted_logits[-1] - 1.0)
    upper, lower = sorted_logits[cut - 1], sorted_logits[cut]
    middle = 0.5 * (upper + lower)
    return float(middle if lower < middle <= upper else upper)
