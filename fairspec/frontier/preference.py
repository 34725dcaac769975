"""A priori preference: the policy's `choose max accuracy where demographic_parity(sex) <= 0.05`.

The choice is made among the Pareto-optimal points on the training data (where the sweep's
bounds are guaranteed), never on the holdout, which stays an unbiased report of the chosen point.
"""

from __future__ import annotations

import math
import operator
from typing import Any, Sequence

from fairspec.frontier.points import TOLERANCE, FrontierPoint

_COMPARE = {"<=": lambda v, b: v <= b + TOLERANCE, ">=": lambda v, b: v >= b - TOLERANCE,
            "<": operator.lt, ">": operator.gt, "==": lambda v, b: abs(v - b) <= TOLERANCE}


def choose_point(points: Sequence[FrontierPoint], pareto: Sequence[int], choice: Any
                 ) -> tuple[int | None, str]:
    """The index picked by `choice` (a parsed `language.ast.Choice`) and a sentence saying why.

    Candidates are the Pareto points `pareto` whose training values meet every `where` bound; the
    one with the max (or min) target wins, ties going to the lowest index. Returns (None, reason)
    when there is no choice to make or no candidate meets the bounds.
    """
    if choice is None:
        return None, "the policy states no preference: choose a point with `fairspec select`"
    target = str(choice.target)
    by_index = {p.index: p for p in points}
    candidates = [by_index[i] for i in pareto
                  if all(_meets(by_index[i].values("train").get(str(b.target), math.nan), b.op, b.bound)
                         for b in choice.where)]
    wanted = " and ".join(f"{b.target} {b.op} {b.bound:g}" for b in choice.where)
    if not candidates:
        return None, f"no Pareto point meets {wanted} on the training data"
    sign = 1.0 if choice.sense == "max" else -1.0
    best = max(candidates, key=lambda p: (sign * p.values("train")[target], -p.index))
    reason = (f"point {best.index}: the {choice.sense} {target} "
              f"({best.values('train')[target]:.4f}) among {len(candidates)} Pareto point"
              f"{'s' if len(candidates) != 1 else ''}" + (f" with {wanted}" if wanted else ""))
    return best.index, reason


def _meets(value: float, op: str, bound: float) -> bool:
    return not math.isnan(value) and _COMPARE[op](value, bound)
