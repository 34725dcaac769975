"""Fairness metrics as small expression trees over per-group rates.

A leaf is a `Rate`: the mean of a per-row quantity (an event indicator or a loss) among the rows
of one group that meet a condition on the label or prediction. Combinators turn the per-group
values of a leaf into one number. Every stage reads the same tree: `metrics.evaluate` counts,
backends relax the leaves and split the combinators into constraints, certification bounds them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Union

# The per-row quantity averaged by a rate leaf.
Event = Literal[
    "selected",        # ŷ = 1
    "rejected",        # ŷ = 0
    "error",           # ŷ ≠ y
    "correct",         # ŷ = y
    "label_positive",  # y = 1 (used with given="selected": precision)
    "log_loss",        # −[y log p + (1−y) log(1−p)] of the score p
    "squared_error",   # (score − y)²
    "prediction",      # the score itself (regression: ŷ)
]
# Which rows of the group the mean is taken over.
Given = Literal["all", "label_positive", "label_negative", "selected"]
Reference = Literal["pairwise", "overall"]


@dataclass(frozen=True)
class Rate:
    """rate(event | given, g): mean of `event` over the rows of group g that satisfy `given`."""

    event: Event
    given: Given = "all"

    def __str__(self) -> str:
        cond = "" if self.given == "all" else f" | {self.given}"
        return f"rate({self.event}{cond})"


@dataclass(frozen=True)
class Gap:
    """pairwise: max over groups g, h of |r_g − r_h|; overall: max over g of |r_g − r_all|."""

    rate: Rate
    reference: Reference = "pairwise"

    def __str__(self) -> str:
        return f"gap[{self.reference}]({self.rate})"


@dataclass(frozen=True)
class Ratio:
    """pairwise: min_g r_g / max_g r_g; overall: min over g of min(r_g / r_all, r_all / r_g)."""

    rate: Rate
    reference: Reference = "pairwise"

    def __str__(self) -> str:
        return f"ratio[{self.reference}]({self.rate})"


@dataclass(frozen=True)
class WorstGroup:
    """max over groups g of r_g (the worst group's mean loss)."""

    rate: Rate

    def __str__(self) -> str:
        return f"worst_group({self.rate})"


@dataclass(frozen=True)
class Largest:
    """max of several sub-expressions (equalized odds: the larger of the TPR and FPR gaps)."""

    terms: tuple["Expr", ...]

    def __str__(self) -> str:
        return "max(" + ", ".join(str(t) for t in self.terms) + ")"


Expr = Union[Gap, Ratio, WorstGroup, Largest]


def leaves(expr: Expr) -> tuple[Rate, ...]:
    """The rate leaves of an expression, in order, without repeats."""
    if isinstance(expr, Largest):
        seen: list[Rate] = []
        for term in expr.terms:
            for leaf in leaves(term):
                if leaf not in seen:
                    seen.append(leaf)
        return tuple(seen)
    return (expr.rate,)
