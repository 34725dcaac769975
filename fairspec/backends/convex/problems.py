"""cvxpy programs for the linear families, with the exact convex constraints a metric allows.

Two requirements have an exact convex form for a linear score m = Xw + b: a bounded group loss
(the mean logistic loss, or squared error for least squares, of every group ≤ b: a convex function
below a constant) and mean-prediction parity for least squares (group means of m are linear in
(w, b), so "all group means lie in a window of width b" is a set of linear inequalities). These
are solved as stated. Rate requirements have no exact convex form; `lagrangian_problem` shows the
relaxation the rate reduction searches: a per-cell, nonnegative `Parameter` scales the convex
surrogate of each cell's events (never a per-row parameter, which makes DPP build n × n arrays).
"""

from __future__ import annotations

from dataclasses import dataclass

import cvxpy as cp
import numpy as np

from fairspec.backends.base import Term
from fairspec.backends.reductions.pieces import RatePiece
from fairspec.data.spec import Split
from fairspec.errors import FairspecError
from fairspec.metrics.expressions import Gap, WorstGroup

# Share of a bound kept free of solver tolerance (Clarabel meets constraints to ~1e-8).
EXACT_MARGIN = 1e-6


@dataclass(frozen=True)
class LinearProgram:
    """A built cvxpy problem and the handles needed to read its solution and duals."""

    problem: cp.Problem
    weights: cp.Variable
    intercept: cp.Variable
    constraints: dict[str, list[cp.Constraint]]      # term id -> its constraints


def margin_loss(family: str, margin: cp.Expression, y: np.ndarray) -> cp.Expression:
    """Per-row training loss of the family: logistic, squared hinge, or squared error."""
    if family == "least_squares":
        return cp.square(margin - y)
    signs = 2.0 * np.asarray(y, dtype=np.float64) - 1.0
    if family == "logistic":
        return cp.logistic(-cp.multiply(signs, margin))
    return cp.square(cp.pos(1.0 - cp.multiply(signs, margin)))


def metric_loss(family: str, margin: cp.Expression, y: np.ndarray) -> cp.Expression:
    """Per-row loss that `bounded_group_loss` measures: log-loss of σ(m), or squared error."""
    if family == "least_squares":
        return cp.square(margin - y)
    signs = 2.0 * np.asarray(y, dtype=np.float64) - 1.0
    return cp.logistic(-cp.multiply(signs, margin))


def exact_constraints(term: Term, family: str, margin: cp.Expression, train: Split,
                      bound: float | cp.Expression | None = None) -> list[cp.Constraint]:
    """The constraints stating an exact term (bounded group loss, mean-prediction parity).

    `bound` replaces the term's own bound (a Variable, to find the best value reachable).
    """
    codes = train.partitions[term.partition].codes
    # one averaging row vector per non-empty cell: a mean over the cell is `average @ values`
    averages = [(codes == c) / np.sum(codes == c)
                for c in range(len(train.partitions[term.partition].labels)) if np.any(codes == c)]
    if bound is None:     # aim a hair inside the bound so solver round-off cannot cross it
        bound = float(term.bound) - EXACT_MARGIN * max(1.0, abs(float(term.bound)))  # type: ignore[arg-type]
    if isinstance(term.expression, WorstGroup) and term.op == "<=":
        loss = metric_loss(family, margin, train.y)
        return [average @ loss <= bound for average in averages]
    if isinstance(term.expression, Gap) and term.expression.rate.event == "prediction" \
            and term.op == "<=":
        means = [average @ margin for average in averages]
        if term.expression.reference == "overall":
            overall = ((codes >= 0) / np.sum(codes >= 0)) @ margin
            return [cp.abs(mean - overall) <= bound for mean in means]
        low, high = cp.Variable(name=f"low[{term.id}]"), cp.Variable(name=f"high[{term.id}]")
        return [high - low <= bound] + [low <= m for m in means] + [m <= high for m in means]
    raise FairspecError(f"requirement {term.id!r}: {term.expression} {term.op} bound has no exact "
                        "convex form")


def exact_problem(family: str, l2: float, train: Split, terms: tuple[Term, ...],
                  labels: np.ndarray | None = None,
                  row_weights: np.ndarray | None = None) -> LinearProgram:
    """Minimise the family's mean (optionally relabelled, reweighted) loss under exact terms."""
    n_rows, n_features = train.X.shape
    weights, intercept = cp.Variable(n_features), cp.Variable()
    margin = train.X @ weights + intercept
    fit_labels = train.y if labels is None else labels
    loss = margin_loss(family, margin, fit_labels)
    data_term = (cp.sum(loss) / n_rows if row_weights is None
                 else row_weights @ loss / max(float(np.sum(row_weights)), 1e-300))
    constraints = {t.id: exact_constraints(t, family, margin, train) for t in terms}
    objective = cp.Minimize(data_term + 0.5 * l2 * cp.sum_squares(weights))
    problem = cp.Problem(objective, [c for cs in constraints.values() for c in cs])
    return LinearProgram(problem, weights, intercept, constraints)


def lagrangian_problem(family: str, l2: float, train: Split, pieces: tuple[RatePiece, ...],
                       exact_terms: tuple[Term, ...] = ()) -> tuple[LinearProgram, list[cp.Parameter]]:
    """The convex relaxation of the rate Lagrangian, one pair of nonnegative Parameters per cell.

    The row cost of predicting 1 is (1 − 2y) + Σ_c λ_c (n / n_c) slope_i; with λ_c = λ⁺_c − λ⁻_c
    its two signs each scale a convex surrogate of ŷ = 1 (or ŷ = 0) summed over the cell's rows.
    """
    n_rows, n_features = train.X.shape
    weights, intercept = cp.Variable(n_features, name="w"), cp.Variable(name="b")
    margin = train.X @ weights + intercept
    if family == "least_squares":
        constraints = {t.id: exact_constraints(t, family, margin, train) for t in exact_terms}
        objective = cp.sum_squares(margin - train.y) / n_rows + 0.5 * l2 * cp.sum_squares(weights)
        problem = cp.Problem(cp.Minimize(objective), [c for cs in constraints.values() for c in cs])
        return LinearProgram(problem, weights, intercept, constraints), []
    positive_side, negative_side = cp.logistic(margin), cp.logistic(-margin)
    if family == "linear_svm":
        positive_side, negative_side = cp.square(cp.pos(1 + margin)), cp.square(cp.pos(1 - margin))
    y = np.asarray(train.y, dtype=np.float64)
    objective = (y @ negative_side + (1 - y) @ positive_side) / n_rows
    parameters = []
    for piece in pieces:
        for c, label in enumerate(piece.cells.labels):
            rows = piece.cells.cell == c
            if not rows.any():
                continue
            raise_side = rows & (piece.cells.slope > 0)
            lower_side = rows & (piece.cells.slope < 0)
            scale = 1.0 / piece.cells.support[c]
            up = cp.Parameter(nonneg=True, name=f"lam_up[{piece.term_id}:{label}]", value=0.0)
            down = cp.Parameter(nonneg=True, name=f"lam_down[{piece.term_id}:{label}]", value=0.0)
            objective += up * (raise_side * scale @ positive_side
                               + lower_side * scale @ negative_side)
            objective += down * (raise_side * scale @ negative_side
                                 + lower_side * scale @ positive_side)
            parameters += [up, down]
    constraints = {t.id: exact_constraints(t, family, margin, train) for t in exact_terms}
    problem = cp.Problem(cp.Minimize(objective + 0.5 * l2 * cp.sum_squares(weights)),
                         [c for cs in constraints.values() for c in cs])
    return LinearProgram(problem, weights, intercept, constraints), parameters
