"""Solve a linear family under exact convex requirements: the fit, prices from duals, conflicts.

Bounded group loss and mean-prediction parity are constraints of a convex program, so the solver
either meets them exactly or proves them infeasible. The price of a requirement is the dual value
of its constraints (rise of the mean training loss per unit of bound); an infeasible set is
shrunk by a deletion filter, and each remaining term's best value is the optimum of minimising
its metric while the others hold.
"""

from __future__ import annotations

import warnings

import cvxpy as cp
import numpy as np

from fairspec.backends.base import Conflict, InfeasibleError, Term, TermReport
from fairspec.backends.convex.problems import exact_constraints, exact_problem
from fairspec.data.spec import Split
from fairspec.errors import FairspecError
from fairspec.metrics.expressions import WorstGroup

SOLVER = "CLARABEL"
LOWERING = "cvxpy-exact-constraint"
_INFEASIBLE = (cp.INFEASIBLE, cp.INFEASIBLE_INACCURATE)
_SOLVED = (cp.OPTIMAL, cp.OPTIMAL_INACCURATE)
_FAILED = "solver_error"
# Ridge weights tried in turn when the best value of a metric (a minimum over unpenalised weights,
# whose infimum may lie at infinite weights: a group the model separates) defeats the solver.
_BEST_VALUE_RIDGE = (0.0, 1e-6, 1e-4)


def _solve(problem: cp.Problem) -> str:
    """Solve with SOLVER and return the status; a solver that fails numerically (cvxpy raises
    `SolverError`) gives `_FAILED` instead of an exception."""
    try:
        with warnings.catch_warnings():   # "may be inaccurate": the status says so, and is checked
            warnings.simplefilter("ignore", UserWarning)
            problem.solve(solver=SOLVER)
    except cp.error.SolverError:
        return _FAILED
    return problem.status


def solve_exact(family: str, l2: float, train: Split, terms: tuple[Term, ...],
                labels: np.ndarray | None = None,
                row_weights: np.ndarray | None = None) -> tuple[np.ndarray, dict[str, float]]:
    """`[w..., b]` of the constrained optimum and each term's dual price; raises on infeasible."""
    program = exact_problem(family, l2, train, terms, labels, row_weights)
    status = _solve(program.problem)
    if status in _INFEASIBLE:
        raise conflict(family, l2, train, terms)
    if program.weights.value is None or status not in _SOLVED:
        raise FairspecError(f"{SOLVER} could not solve the {family} fit under "
                            f"{', '.join(t.id for t in terms)} (status {status!r})",
                            hint="loosen a bound, raise the model's l2, or make a requirement soft")
    prices = {term_id: float(sum(np.sum(np.abs(c.dual_value)) for c in constraints))
              for term_id, constraints in program.constraints.items()}
    return np.append(program.weights.value, program.intercept.value), prices


def exact_value(term: Term, family: str, margin: np.ndarray, train: Split) -> float:
    """The term's metric for the linear model with training `margin` (numpy, no solver)."""
    partition = train.partitions[term.partition]
    counted = partition.codes >= 0
    codes = partition.codes[counted]
    if isinstance(term.expression, WorstGroup):
        y = np.asarray(train.y, dtype=np.float64)
        if family == "least_squares":
            loss = (margin - y) ** 2
        else:
            loss = np.logaddexp(0.0, -(2.0 * y - 1.0) * margin)
        sums = np.bincount(codes, weights=loss[counted], minlength=len(partition.labels))
    else:
        sums = np.bincount(codes, weights=margin[counted], minlength=len(partition.labels))
    sizes = np.bincount(codes, minlength=len(partition.labels))
    means = sums[sizes > 0] / sizes[sizes > 0]
    if isinstance(term.expression, WorstGroup):
        return float(means.max())
    if term.expression.reference == "overall":
        return float(np.abs(means - margin[counted].mean()).max())
    return float(means.max() - means.min())


def exact_report(term: Term, family: str, margin: np.ndarray, unconstrained_margin: np.ndarray,
                 train: Split, price: float) -> TermReport:
    value = exact_value(term, family, margin, train)
    return TermReport(term.id, LOWERING, "enforced", multiplier=price, price=price,
                      unconstrained_value=exact_value(term, family, unconstrained_margin, train),
                      detail=f"train value {value:.6g} {term.op} {term.bound} (exact constraint, "
                             f"dual {price:.4g})")


def conflict(family: str, l2: float, train: Split, terms: tuple[Term, ...]) -> InfeasibleError:
    """A minimal infeasible subset of exact `terms`, each with its best value given the others."""
    kept = list(terms)
    for term in terms:
        trial = [t for t in kept if t is not term]
        if trial and not _feasible(family, l2, train, tuple(trial)):
            kept = trial
    conflicts = tuple(Conflict(t.id, float(t.bound),  # type: ignore[arg-type]
                               _best_value(family, l2, train, t, [o for o in kept if o is not t]))
                      for t in kept)
    others = " while the others hold" if len(conflicts) > 1 else ""
    names = ", ".join(f"{c.term_id} (bound {c.bound:g}, "
                      + (f"best {c.best_value:.4g}{others})"
                         if np.isfinite(c.best_value) else "best value not found by the solver)")
                      for c in conflicts)
    if len(conflicts) == 1:
        return InfeasibleError(f"no {family} model meets this hard requirement on the training "
                               f"data: {names}", conflicts,
                               hint="loosen the bound or make the requirement soft")
    return InfeasibleError(f"no {family} model meets these hard requirements together: {names}",
                           conflicts, hint="dropping any one of them makes the rest feasible; "
                                           "loosen a bound or make one of them soft")


def _feasible(family: str, l2: float, train: Split, terms: tuple[Term, ...]) -> bool:
    """False only when the solver proves `terms` infeasible together (a numerical failure keeps
    the term being tested in the conflict set: the set stays a conflict, perhaps not minimal)."""
    program = exact_problem(family, l2, train, terms)
    return _solve(program.problem) not in _INFEASIBLE


def _best_value(family: str, l2: float, train: Split, term: Term, others: list[Term]) -> float:
    """min of `term`'s metric over the family, subject to every term in `others`; NaN when the
    solver fails at every weight of `_BEST_VALUE_RIDGE` (a ridge term keeps the minimiser finite,
    and the value then reported is the metric there, a hair above the infimum)."""
    weights, intercept = cp.Variable(train.X.shape[1]), cp.Variable()
    margin = train.X @ weights + intercept
    level = cp.Variable(name="level")
    constraints = exact_constraints(term, family, margin, train, bound=level)
    constraints += [c for o in others for c in exact_constraints(o, family, margin, train)]
    for ridge in _BEST_VALUE_RIDGE:
        objective = level + ridge * cp.sum_squares(weights) if ridge else level
        if _solve(cp.Problem(cp.Minimize(objective), constraints)) in _SOLVED \
                and level.value is not None:
            return float(level.value)
    return float("nan")


