"""How a report words numbers, intervals, requirements and the rates behind each metric."""

from __future__ import annotations

import math
from typing import Any, Mapping

from fairspec.metrics.catalog import METRICS
from fairspec.metrics.expressions import Rate, leaves

MISSING = "—"

_RATE_NAMES = {
    ("selected", "all"): "selection rate",
    ("selected", "label_positive"): "true-positive rate",
    ("selected", "label_negative"): "false-positive rate",
    ("rejected", "label_positive"): "false-negative rate",
    ("rejected", "all"): "rejection rate",
    ("error", "all"): "error rate",
    ("correct", "all"): "accuracy",
    ("label_positive", "selected"): "precision",
    ("log_loss", "all"): "mean log-loss",
    ("squared_error", "all"): "mean squared error",
    ("prediction", "all"): "mean prediction",
}


def number(value: Any, digits: int = 4) -> str:
    """`value` to `digits` decimals; an em dash for None, NaN or anything not a number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return MISSING
    return f"{value:.{digits}f}"


def interval(ci: Any, digits: int = 4) -> str:
    """`[low, high]`, or an empty string when there is no interval."""
    if not isinstance(ci, (list, tuple)) or len(ci) != 2:
        return ""
    return f"[{number(ci[0], digits)}, {number(ci[1], digits)}]"


def with_interval(value: Any, ci: Any) -> str:
    shown = interval(ci)
    return number(value) + (f" {shown}" if shown else "")


def statement(requirement: Mapping[str, Any]) -> str:
    """The requirement as the policy states it: `metric(attribute) [vs overall] op bound`."""
    text = f"{requirement.get('metric', '?')}({requirement.get('attribute', '?')})"
    if requirement.get("reference") == "overall":
        text += " vs overall"
    if requirement.get("operator") and requirement.get("bound") is not None:
        text += f" {requirement['operator']} {_bound(requirement['bound'])}"
    return text


def _bound(bound: Any) -> str:
    return f"{bound:g}" if isinstance(bound, (int, float)) and not isinstance(bound, bool) else str(bound)


def rate_names(requirement: Mapping[str, Any], task: str, count: int) -> tuple[str, ...]:
    """Names of the `count` per-group rates a requirement's metric is computed from, in the order
    the run stores them (the leaves of the metric's expression); generic names if they disagree."""
    info = METRICS.get(str(requirement.get("metric")))
    names: tuple[str, ...] = ()
    if info is not None and info.group_metric:
        expression = info.expression(requirement.get("reference") or "pairwise",
                                     "regression" if task == "regression" else "binary")
        names = tuple(_rate_name(leaf) for leaf in leaves(expression))
    if len(names) != count:
        names = tuple("rate" if count == 1 else f"rate {k + 1}" for k in range(count))
    return names


def _rate_name(leaf: Rate) -> str:
    return _RATE_NAMES.get((leaf.event, leaf.given), str(leaf))


def bound_check(requirement: Mapping[str, Any], split: str = "holdout") -> str:
    """Whether the split's value meets the bound, and whether its interval lies wholly on one side."""
    op, bound, value = requirement.get("operator"), requirement.get("bound"), requirement.get(split)
    if op not in ("<=", ">=") or number(bound) == MISSING or number(value) == MISSING:
        return MISSING
    meets = value <= bound if op == "<=" else value >= bound
    ci = requirement.get(f"{split}_ci")
    if interval(ci) and number(ci[0]) != MISSING and number(ci[1]) != MISSING:
        low, high = ci
        whole = (high <= bound if op == "<=" else low >= bound) if meets else \
                (low > bound if op == "<=" else high < bound)
        return ("meets" if meets else "misses") + ("" if whole else " (CI crosses bound)")
    return "meets" if meets else "misses"
