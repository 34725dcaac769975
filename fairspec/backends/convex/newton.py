"""Newton's method for L2-regularised, row-weighted logistic and squared-hinge fits, warm-started.

The inner learner of the rate reduction for the linear families: each round refits on reweighted
rows starting from the previous round's weights, so a round costs a few Newton steps (one
Hessian X'DX, d × d solve) instead of a cold solve. Objective, with weights ω and labels z = ±1:

    Σ_i ω_i ℓ(z_i · (x_i·w + b)) / Σ_i ω_i  +  (l2 / 2) · ‖w‖²      (b not penalised)

ℓ(t) = log(1 + e^(−t)) for logistic, max(0, 1 − t)² for linear_svm (liblinear's L2-SVM loss).
Deterministic: no randomness, the same inputs give the same bytes.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy import sparse
from scipy.linalg import cho_factor
from scipy.linalg.lapack import dpotrs as potrs

from fairspec.backends.products import operator
from fairspec.backends.reductions.cells import RateCells

Loss = Literal["logistic", "squared_hinge"]


def _loss_parts(loss: Loss, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ℓ(t), ℓ'(t) and ℓ''(t) (a generalised second derivative for the squared hinge)."""
    if loss == "logistic":
        p = np.tanh(0.5 * t)                          # σ(t) = (1 + tanh(t/2)) / 2, no overflow
        p += 1.0
        p *= 0.5
        # log(1 + e^(−t)) = max(−t, 0) + log1p(e^(−|t|)) without overflow; np.logaddexp is
        # several times slower. In place: on small data the calls, not the arithmetic, cost.
        tail = np.abs(t)
        np.negative(tail, out=tail)
        np.exp(tail, out=tail)
        np.log1p(tail, out=tail)
        value = np.maximum(-t, 0.0)
        value += tail
        curve = 1.0 - p
        curve *= p
        return value, p - 1.0, curve
    gap = np.maximum(0.0, 1.0 - t)
    return gap**2, -2.0 * gap, 2.0 * (gap > 0)


class NewtonLearner:
    """Weighted fits of one loss on fixed rows X; each fit starts from the previous solution.

    Steps reuse the last factored Hessian (chord Newton) while it still shrinks the gradient at
    least fourfold per step, and refactor it at the current point otherwise: between rounds of the
    reduction the weights move little, so most rounds cost a few gradient evaluations and no
    Hessian. `start` seeds the first fit (e.g. with the unconstrained solution).
    """

    def __init__(self, X: np.ndarray, loss: Loss, l2: float, *, tol: float = 1e-8,
                 max_steps: int = 100, start: np.ndarray | None = None) -> None:
        # X is used as given (no copy, no column of ones): the intercept is handled separately
        self.X = np.asarray(X, dtype=np.float64)
        self.operator = operator(self.X)         # X or its CSR copy: the same products
        self.loss, self.tol, self.max_steps = loss, tol, max_steps
        self.penalty = np.full(self.X.shape[1] + 1, float(l2))
        self.penalty[-1] = 0.0
        self.start = np.zeros(self.X.shape[1] + 1) if start is None else np.array(start, float)
        self.factor: tuple | None = None       # Cholesky factor of the last Hessian formed
        self._cells: list[RateCells] | None = None            # the cells `_cell_matrices` are for
        self._cell_matrices: tuple[np.ndarray, np.ndarray] | None = None

    def fit(self, labels: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Weights and intercept `[w..., b]` minimising the objective for 0/1 `labels`."""
        signs = 2.0 * np.asarray(labels, dtype=np.float64) - 1.0
        total_weight = max(float(np.sum(weights)), 1e-300)
        share = np.asarray(weights, dtype=np.float64) / total_weight
        self.last_fit = (signs, share, total_weight)
        params = self.start.copy()
        value, gradient, curvature = self._evaluate(params, signs, share)
        refactor = False
        size = np.abs(gradient).max()
        for _ in range(self.max_steps):
            if size < self.tol:
                break
            formed = self.factor is None or refactor
            if formed:
                self.factor = cho_factor(self._hessian(curvature))
            step = _solve_factored(self.factor, gradient)
            moved = self._line_search(params, step, value, gradient, signs, share)
            if moved is None:
                if formed:       # a fresh Newton step that cannot lower the objective: as close
                    break        # to the optimum as floats allow
                refactor = True  # the factor in hand is another weighting's: form this one's
                continue
            params, value, gradient, curvature = moved
            size, last = np.abs(gradient).max(), size
            refactor = size > 0.25 * last
        self.start = params
        return params

    def margin(self, params: np.ndarray) -> np.ndarray:
        margin = self.operator @ params[:-1]
        margin += params[-1]
        return margin

    def _transposed_product(self, rows: np.ndarray) -> np.ndarray:
        """[X 1]ᵀ · rows, for a vector or an n × k matrix of per-row values."""
        if rows.ndim > 1:
            return np.vstack([self.operator.T @ rows, rows.sum(axis=0)])
        products = np.empty(self.X.shape[1] + 1)
        products[:-1] = self.operator.T @ rows
        products[-1] = rows.sum()
        return products

    def rate_jacobian(self, params: np.ndarray, cells: list[RateCells]) -> np.ndarray:
        """∂(rate of each cell) / ∂(multiplier of each cell), stacked over `cells`, at `params`.

        Implicit differentiation of the last fit's optimum: a multiplier λ_p changes the per-row
        costs c_i by (n / n_p)·slope_i on the rows of cell p, which moves the weights by
        −H⁻¹ Σ_i ∂c_i/∂λ_p · (−ℓ'(z_i m_i)) x_i / Σ|c|; a 0/1 rate's step is smoothed by a
        Gaussian kernel on the margins (Silverman's bandwidth) to turn that into rate changes.
        H is the last Hessian the learner factored, which the chord steps keep across fits while
        they converge fast, so it can be several rounds old: the Jacobian is only the outer
        search's quasi-Newton model, and forming H afresh for it cost a third of a search's
        Hessians on Adult without making any search there shorter.
        """
        signs, share, total_weight = self.last_fit
        margin = self.margin(params)
        _, slope, curve = _loss_parts(self.loss, signs * margin)
        if self.factor is None:     # the fit stopped at its start: no Hessian formed yet
            self.factor = cho_factor(self._hessian(share * curve))
        n_rows = len(margin)
        bandwidth = max(1.06 * float(np.std(margin)) * n_rows ** -0.2, 1e-6)
        kernel = np.exp(-0.5 * (margin / bandwidth) ** 2) / (bandwidth * np.sqrt(2.0 * np.pi))
        cost_change, per_support = self._cell_products(cells)
        size = cost_change.shape[1]
        rows = np.empty((n_rows, 2 * size))          # both products in one pass over X
        np.multiply(cost_change, (-slope / total_weight)[:, None], out=rows[:, :size])
        np.multiply(per_support, kernel[:, None], out=rows[:, size:])
        products = self._transposed_product(rows)
        pull, sensitivity = products[:, :size], products[:, size:].T
        return -sensitivity @ _solve_factored(self.factor, pull)

    def _cell_products(self, cells: list[RateCells]) -> tuple[np.ndarray, np.ndarray]:
        """Two n × P matrices: each row's cost change per unit multiplier of each cell
        (n / n_p · slope on the cell's rows, 0 elsewhere), and slope / n_p there. They depend on
        the cells alone, so one search computes them once."""
        held, matrices = self._cells, self._cell_matrices
        if (held is None or matrices is None or len(held) != len(cells)
                or any(a is not b for a, b in zip(held, cells))):
            n_rows = len(cells[0].cell)
            membership = np.hstack([_one_hot(c) for c in cells])        # n × P, 0/1
            row_slope = np.concatenate([np.broadcast_to(c.slope[:, None], (n_rows, len(c.labels)))
                                        for c in cells], axis=1)
            support = np.concatenate([np.maximum(c.support, 1) for c in cells]).astype(np.float64)
            matrices = (membership * row_slope * (n_rows / support), membership * row_slope / support)
            self._cells, self._cell_matrices = list(cells), matrices
        return matrices

    def _hessian(self, curvature: np.ndarray) -> np.ndarray:
        """[X 1]'·diag(curvature)·[X 1] + penalty; X'CX as (√c·X)'(√c·X), a symmetric product."""
        size = self.X.shape[1]
        hessian = np.empty((size + 1, size + 1))
        if sparse.issparse(self.operator):
            scaled = sparse.csr_array(self.operator.multiply(np.sqrt(curvature)[:, None]))
            hessian[:size, :size] = (scaled.T @ scaled).toarray()
        else:
            scaled = self.X * np.sqrt(curvature)[:, None]
            hessian[:size, :size] = scaled.T @ scaled
        hessian[:size, size] = hessian[size, :size] = self.operator.T @ curvature
        hessian[size, size] = curvature.sum()
        hessian[np.diag_indices_from(hessian)] += self.penalty + 1e-10
        return hessian

    def _evaluate(self, params: np.ndarray, signs: np.ndarray, share: np.ndarray):
        t = self.margin(params)
        t *= signs
        value, slope, curve = _loss_parts(self.loss, t)
        objective = float(share @ value) + 0.5 * float(self.penalty @ params**2)
        # in place, the same products as share · slope · signs and share · curve: on small data
        # the calls, not the arithmetic, cost
        slope *= share
        slope *= signs
        gradient = self._transposed_product(slope)
        gradient += self.penalty * params
        curve *= share
        return objective, gradient, curve

    def _line_search(self, params, step, value, gradient, signs, share):
        """Armijo backtracking along −step: the new point and its evaluation, or None when no
        scale down to 1e-6 lowers the objective enough."""
        decrease = float(gradient @ step)
        scale = 1.0
        while scale >= 1e-6:
            trial = params - scale * step
            trial_value, trial_gradient, trial_curve = self._evaluate(trial, signs, share)
            if trial_value <= value - 1e-4 * scale * decrease:
                return trial, trial_value, trial_gradient, trial_curve
            scale *= 0.5
        return None


def _solve_factored(factor: tuple[np.ndarray, bool], rhs: np.ndarray) -> np.ndarray:
    """`cho_solve(factor, rhs)` (one right-hand side or several), straight through the LAPACK
    potrs call it makes: the factor is finite by construction (a right-hand side that is not gives
    a non-finite solution, which `solve_rates` checks for), and scipy's checks and wrappers cost
    more than the solve itself on small data (German: a tenth of a round)."""
    solution, info = potrs(factor[0], rhs, lower=factor[1])
    if info != 0:
        raise np.linalg.LinAlgError(f"potrs failed (info {info})")
    return solution


def _one_hot(cells: RateCells) -> np.ndarray:
    """n × K indicator of each counted row's cell."""
    matrix = np.zeros((len(cells.cell), len(cells.labels)))
    counted = np.flatnonzero(cells.counted)
    matrix[counted, cells.cell[counted]] = 1.0
    return matrix
