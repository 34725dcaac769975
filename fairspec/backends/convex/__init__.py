"""The `cvxpy` backend for linear models; importing it registers the backend and its lowerings."""

from __future__ import annotations

from fairspec.backends.base import Lowering, register_backend, register_lowering
from fairspec.backends.convex.backend import ConvexBackend
from fairspec.backends.convex.emit import emit_cvxpy

register_backend("cvxpy", ConvexBackend)
register_lowering(Lowering(
    "cvxpy", "hard", "rate_gap", "lagrangian-reweighting",
    "one multiplier per group cell relabels and reweights rows (a cost-sensitive reduction); the "
    "multipliers are searched until one deterministic linear model meets the bound on train"))
register_lowering(Lowering(
    "cvxpy", "hard", "rate_ratio", "lagrangian-reweighting",
    "the ratio bound holds when every cell's rate lies in a window [L, L/b]; multipliers per cell "
    "are searched until one deterministic linear model's measured rates fit it on train"))
register_lowering(Lowering(
    "cvxpy", "hard", "group_loss", "cvxpy-exact-constraint",
    "each group's mean loss is convex in the weights, so 'mean loss ≤ b' is an exact constraint"))
register_lowering(Lowering(
    "cvxpy", "hard", "score_gap", "cvxpy-exact-constraint",
    "group means of a linear score are linear, so a window of width b is a set of exact "
    "linear constraints"))

__all__ = ["ConvexBackend", "emit_cvxpy"]
