"""Hard rate requirements split into pieces: every cell of one rate leaf held inside a window.

A gap bound `max_g r_g − min_g r_g ≤ b` says all cells lie in some window [L, L + b]; a ratio
bound `min r / max r ≥ b` says they lie in [L, L / b]; the `vs overall` forms bound each cell
against the support-weighted mean of all cells (see `lagrangian._targets`). `Largest`
(equalized odds) is a max of gaps, so it splits into one piece per sub-expression, each with the
same bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from fairspec.backends.base import Term
from fairspec.backends.reductions.cells import RateCells
from fairspec.data.spec import Split
from fairspec.errors import FairspecError
from fairspec.metrics.expressions import Expr, Gap, Largest, Ratio

# A piece holds only this far inside its bound, so that any other float evaluation of the same
# 0/1 rates (another summation order) agrees that it holds.
HOLD_MARGIN = 1e-9


@dataclass(frozen=True)
class RatePiece:
    """One leaf of one hard term: its cells must fit a window of the given kind and bound."""

    term_id: str
    cells: RateCells
    kind: Literal["gap", "ratio"]
    reference: Literal["pairwise", "overall"]
    bound: float

    def value(self, rates: np.ndarray, overall: float) -> float:
        """The piece's metric value, with the conventions of `fairspec.metrics.evaluate`."""
        if self.kind == "gap":
            if self.reference == "pairwise":
                return float(rates.max() - rates.min())
            return float(np.abs(rates - overall).max())
        if self.reference == "pairwise":
            low, high = rates.min(), rates.max()
            return 1.0 if high == 0 else float(low / high)
        low, high = np.minimum(rates, overall), np.maximum(rates, overall)
        return float(np.min(np.where(high == 0, 1.0, low / np.where(high == 0, 1.0, high))))

    def values(self, rates: np.ndarray, overall: np.ndarray) -> np.ndarray:
        """`value` of each row of an m × K matrix of cell rates (with m overall rates), at once.

        The same float operations as `value`, row by row, so a row's result equals `value` of it.
        """
        if self.kind == "gap":
            if self.reference == "pairwise":
                return rates.max(axis=1) - rates.min(axis=1)
            return np.abs(rates - overall[:, None]).max(axis=1)
        if self.reference == "pairwise":
            low, high = rates.min(axis=1), rates.max(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                return np.where(high == 0, 1.0, low / np.where(high == 0, 1.0, high))
        low, high = np.minimum(rates, overall[:, None]), np.maximum(rates, overall[:, None])
        return np.min(np.where(high == 0, 1.0, low / np.where(high == 0, 1.0, high)), axis=1)

    def holds_all(self, values: np.ndarray) -> np.ndarray:
        """`holds` of each value of an array."""
        if self.kind == "gap":
            return (values <= self.bound - HOLD_MARGIN) | (values == 0.0)
        return (values >= self.bound + HOLD_MARGIN) | (values == 1.0)

    def holds(self, value: float) -> bool:
        """Whether `value` meets the bound with HOLD_MARGIN to spare, or is exact parity (a gap of
        0, a ratio of 1: equal rates, which are equal fractions of whole counts and so equal
        floats in any evaluation order), which meets any bound, 0 and 1 included."""
        if self.kind == "gap":
            return value <= self.bound - HOLD_MARGIN or value == 0.0
        return value >= self.bound + HOLD_MARGIN or value == 1.0

    def violation(self, value: float) -> float:
        """How far past the bound `value` is (0 when it holds)."""
        return max(0.0, value - self.bound if self.kind == "gap" else self.bound - value)

    def slack(self, value: float) -> float:
        """How far inside the bound `value` is, as a share of the room the metric has."""
        if self.kind == "gap":
            return (self.bound - value) / max(self.bound, 1e-9)
        return (value - self.bound) / max(1.0 - self.bound, 1e-9)

    def window(self, low: float, target: float) -> tuple[float, float]:
        """The window [low, high] that keeps the piece at value `target`, from its lower edge."""
        return (low, low + target) if self.kind == "gap" else (low, low / max(target, 1e-9))


def pieces_for(term: Term, train: Split) -> tuple[RatePiece, ...]:
    """The pieces of a hard rate term (family rate_gap or rate_ratio) on the training split."""
    if term.bound is None or term.op is None:
        raise FairspecError(f"hard requirement {term.id!r} has no bound")
    if term.partition not in train.partitions:
        raise FairspecError(f"requirement {term.id!r} names unknown groups {term.partition!r}")
    partition = train.partitions[term.partition]
    return tuple(RatePiece(term.id, RateCells.build(node.rate, partition, train.y),
                           "gap" if isinstance(node, Gap) else "ratio", node.reference,
                           float(term.bound))
                 for node in _bounded_nodes(term.expression, term))


def _bounded_nodes(expr: Expr, term: Term) -> tuple[Gap | Ratio, ...]:
    if isinstance(expr, Largest):
        if term.op != "<=":
            raise FairspecError(f"requirement {term.id!r}: a max of gaps can only be bounded above")
        return tuple(node for sub in expr.terms for node in _bounded_nodes(sub, term))
    if isinstance(expr, Gap) and term.op == "<=":
        return (expr,)
    if isinstance(expr, Ratio) and term.op == ">=":
        return (expr,)
    raise FairspecError(f"requirement {term.id!r}: {expr} {term.op} bound has no rate lowering")
