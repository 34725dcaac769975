"""The `cvxpy` backend: logistic, linear_svm and least_squares fits under hard requirements.

Exact convex requirements (bounded group loss, mean-prediction parity) are constraints of one
cvxpy program. Rate requirements (demographic parity, equalized odds, …) go through the rate
reduction with a warm-started Newton learner, or, when exact constraints are present too, with the
constrained cvxpy program as the learner. Monitor and objective terms are left to the caller.
Every result carries a `WarmStart` as its `state`; handed back as a request's `warm_start` (same
split), it saves the unconstrained fit and seeds the rate search (see `warm.py`).
"""

from __future__ import annotations

import time

import numpy as np

from fairspec.backends.base import FitRequest, FitResult, Term
from fairspec.backends.convex.newton import NewtonLearner
from fairspec.backends.convex.warm import WarmStart
from fairspec.backends.linear import LinearModel
from fairspec.backends.products import remembering
from fairspec.backends.reductions.enforce import WarmGuess, check_support, fit_rate_terms, split_terms
from fairspec.backends.threads import one_thread
from fairspec.data.spec import Split
from fairspec.errors import FairspecError

FAMILIES = ("logistic", "linear_svm", "least_squares")
# Metric families with an exact convex constraint (see problems.py); cvxpy itself is imported
# only when a fit has one, so rate-only fits (and `import fairspec`) do not pay its import.
EXACT_FAMILIES = ("group_loss", "score_gap")
RATE_LOWERING = "lagrangian-reweighting"
_LOSS = {"logistic": "logistic", "linear_svm": "squared_hinge"}


def l2_strength(request: FitRequest, train: Split) -> float:
    """`params["l2"]` of the model, or 1/n (scikit-learn's C = 1) when the policy gives none."""
    return float(request.model.params.get("l2", 1.0 / max(train.n_rows, 1)))


class ConstrainedLearner:
    """Cost-sensitive fits as cvxpy programs that keep the exact terms as constraints."""

    def __init__(self, family: str, l2: float, train: Split, exact: tuple[Term, ...]) -> None:
        self.family, self.l2, self.train, self.exact = family, l2, train, exact

    def fit(self, labels: np.ndarray, weights: np.ndarray) -> np.ndarray:
        from fairspec.backends.convex.exact import solve_exact

        return solve_exact(self.family, self.l2, self.train, self.exact, labels, weights)[0]

    def margin(self, params: np.ndarray) -> np.ndarray:
        return self.train.X @ params[:-1] + params[-1]


class ConvexBackend:
    name = "cvxpy"

    def fit(self, request: FitRequest, train: Split) -> FitResult:
        """Fit `request.model` on `train` so every hard term holds there; see the module doc.

        BLAS runs on one thread: the algebra here is products with X (sparse, or memory-bound)
        and d × d solves with d ≈ 100, where threads cost more in hand-offs than they save.
        Products with a sparse X run on one CSR copy for the whole fit (`products.remembering`).
        """
        with one_thread(), remembering(train.X):
            return self._fit(request, train)

    def _fit(self, request: FitRequest, train: Split) -> FitResult:
        family = request.model.family
        if family not in FAMILIES:
            raise FairspecError(f"the cvxpy backend fits {', '.join(FAMILIES)}, not {family!r}")
        rate, exact, reports = split_terms(request, self.name, EXACT_FAMILIES)
        if rate and family == "least_squares":
            raise FairspecError("rate requirements need a classifier; least_squares is regression",
                                hint="use logistic or linear_svm for a binary target")
        started = time.perf_counter()
        l2 = l2_strength(request, train)
        check_support(rate, train)
        warm = request.warm_start
        if not (isinstance(warm, WarmStart) and warm.rows == train.n_rows):
            warm = WarmStart(train.n_rows, self._unconstrained(family, l2, train))
        unconstrained = warm.unconstrained
        log: tuple[str, ...] = ()
        state = warm
        if rate:
            # the search's first round is the unconstrained fit (or the last warm one): start there
            first = unconstrained if warm.params is None else warm.params
            learner = ((lambda: NewtonLearner(train.X, _LOSS[family], l2, start=first))  # type: ignore[arg-type]
                       if not exact
                       else (lambda: ConstrainedLearner(family, l2, train, exact)))
            fitted = fit_rate_terms(learner, train, rate, method=RATE_LOWERING,
                                    warm=None if exact else lambda pieces: _predicted(warm, pieces, train))
            params = fitted.chosen.fitted.copy()
            params[-1] += fitted.chosen.shift
            reports += fitted.reports
            log = fitted.log
            prices = {t.id: float("nan") for t in exact}
            if not exact:
                state = warm.after(fitted.chosen.fitted, fitted.pieces, fitted.chosen.multipliers,
                                   fitted.chosen.train_accuracy)
        elif exact:
            from fairspec.backends.convex.exact import solve_exact

            params, prices = solve_exact(family, l2, train, exact)
        else:
            params, prices = unconstrained, {}
        margin = train.X @ params[:-1] + params[-1]
        base_margin = train.X @ unconstrained[:-1] + unconstrained[-1]
        if exact:
            from fairspec.backends.convex.exact import exact_report

            reports += tuple(exact_report(t, family, margin, base_margin, train, prices[t.id])
                             for t in exact)
        model = LinearModel(coef=params[:-1].copy(), intercept=float(params[-1]),
                            link="identity" if family == "least_squares" else "logit")
        order = {t.id: i for i, t in enumerate(request.terms)}
        return FitResult(model, tuple(sorted(reports, key=lambda r: order[r.id])), self.name,
                         solver=_solver_name(rate, exact), seconds=time.perf_counter() - started,
                         log=log, state=state)

    @staticmethod
    def _unconstrained(family: str, l2: float, train: Split) -> np.ndarray:
        """`[w..., b]` of the family's plain fit (ridge normal equations for least squares)."""
        if family != "least_squares":
            return NewtonLearner(train.X, _LOSS[family], l2).fit(train.y, np.ones(train.n_rows))  # type: ignore[arg-type]
        design = np.hstack([train.X, np.ones((train.n_rows, 1))])
        penalty = np.full(design.shape[1], l2)
        penalty[-1] = 0.0
        gram = design.T @ design / train.n_rows + np.diag(penalty)
        return np.linalg.solve(gram, design.T @ np.asarray(train.y, dtype=np.float64) / train.n_rows)


def _predicted(warm: WarmStart, pieces, train: Split) -> WarmGuess | None:
    """The warm search's first multipliers, the unconstrained model's piece values and the last
    fit's training accuracy; None when the warm start has no path for these pieces."""
    selected = (train.X @ warm.unconstrained[:-1] + warm.unconstrained[-1] >= 0).astype(np.float64)
    values = tuple(p.value(p.cells.rates(selected), p.cells.overall(selected)) for p in pieces)
    start = warm.first_multipliers(pieces, values)
    return None if start is None else WarmGuess(start, values, warm.accuracy)


def _solver_name(rate: tuple[Term, ...], exact: tuple[Term, ...]) -> str:
    if rate and exact:
        return f"{RATE_LOWERING} over cvxpy/CLARABEL"
    if rate:
        return f"{RATE_LOWERING} over Newton"
    return "cvxpy/CLARABEL" if exact else "Newton"


