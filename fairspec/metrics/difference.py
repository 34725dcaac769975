"""Exact upper confidence bound on the difference of two binomial rates, by test inversion.

For two independent groups with x_a of n_a and x_b of n_b rows meeting an event, the bound U
satisfies P(p_a − p_b > U) ≤ α for every (p_a, p_b): it is the least d₀ at which the one-sided
test of H₀: p_a − p_b ≥ d₀ rejects, with statistic T = X_a/n_a − X_b/n_b (an exact
unconditional test in the sense of Barnard; Agresti & Min, Biometrics 2001, study such
intervals). The nuisance rate p_b is confined to its Clopper–Pearson interval C at level γ and γ
is added to the p-value (Berger & Boos, JASA 1994): p(d₀) = γ + sup over H₀ with p_b ∈ C of
P(T ≤ t_observed). Without the confinement the supremum sits near p_b = ½, where T varies most,
and the bound is wider than interval arithmetic at small rates; with it, the test stays exact
(P(p(d₀) ≤ α) ≤ α under H₀) and its width follows the observed rates.

Two facts make the inversion exact rather than approximate:

- P(T ≤ t) falls as p_a rises and grows as p_b rises (T is stochastically increasing in p_a and
  decreasing in p_b), so the supremum over H₀ is reached on its boundary p_a = p_b + d₀, and
  the p-value falls as d₀ grows: bisection over d₀ finds the least rejected d₀.
- On the boundary, for p_b in a cell [s₁, s₂] the same monotonicity bounds P(T ≤ t) above by its
  value at (p_a, p_b) = (s₁ + d₀, s₂). A test rejects only when these cell bounds are all ≤ α,
  refining cells where they are not; a point value above α, or cells still open at the finest
  level, count as "not rejected". Every shortcut errs towards a larger U, never a smaller one.

Compared with interval arithmetic on two Clopper–Pearson intervals (the bound U_a − L_b, each
side spending α/2), the width is about z(α)·√(σ_a² + σ_b²) instead of z(α/2)·(σ_a + σ_b): on
two groups of 2,000 and 1,000 rows at rates near 0.1, about 35 % narrower at α = 0.025.
"""

from __future__ import annotations

import numpy as np
from scipy.special import bdtr, bdtrc, gammaln, xlog1py, xlogy

from fairspec.metrics.binomial import clopper_pearson

INITIAL_CELLS = 16        # cells of the nuisance rate p_b on the boundary, before refinement
NUISANCE_SHARE = 0.1      # γ / α: the part of the level spent on confining p_b
MAX_DEPTH = 12            # halvings of an open cell before the test gives up (not rejected)
TOLERANCE = 5e-5          # bisection stops when the bracket on d₀ is this narrow
TAIL_SIGMAS = 8.0         # X_b outcomes summed: C's range widened by this many (widest) deviations


def difference_upper_bound(x_a: int, n_a: int, x_b: int, n_b: int, alpha: float) -> float:
    """The least d₀ rejected by the exact test of p_a − p_b ≥ d₀ at level α (within TOLERANCE,
    rounded up): P(p_a − p_b > U) ≤ α. 1.0 when a group has no rows."""
    if not 0.0 < alpha < 1.0:
        raise ValueError("alpha must lie strictly between 0 and 1")
    if not (0 <= x_a <= n_a and 0 <= x_b <= n_b):
        raise ValueError("successes must lie in [0, trials]")
    if n_a == 0 or n_b == 0:
        return 1.0
    test = _Test(int(x_a), int(n_a), int(x_b), int(n_b), alpha)
    # The exact bound usually lies a little above MOVER's: bracket it there first.
    low = x_a / n_a - x_b / n_b               # never rejected: P(T ≤ t) at d₀ = t is about ½ or more
    guess = float(mover_upper_bound(x_a, n_a, x_b, n_b, alpha))
    for high in (guess + 0.005, guess + 0.02, 1.0):
        if high >= 1.0 or test.rejects(high):
            break
        low = high
    high = min(high, 1.0)
    if low < guess < high and not test.rejects(guess):
        low = guess
    while high - low > TOLERANCE:
        middle = 0.5 * (low + high)
        if test.rejects(middle):
            high = middle
        else:
            low = middle
    return float(high)


def mover_upper_bound(x_a, n_a, x_b, n_b, alpha: float):
    """A fast approximation of `difference_upper_bound` (not a guarantee): Newcombe's method of
    variance estimates recovery with each group's one-sided Clopper–Pearson limit at level α,
    U = t + √((u_a − r_a)² + (r_b − l_b)²). Vectorised; used to predict the exact bound."""
    n_a, n_b = np.asarray(n_a, dtype=np.float64), np.asarray(n_b, dtype=np.float64)
    x_a = np.minimum(np.asarray(x_a, dtype=np.float64), n_a)    # rate × support may round above
    x_b = np.minimum(np.asarray(x_b, dtype=np.float64), n_b)
    with np.errstate(divide="ignore", invalid="ignore"):
        r_a, r_b = np.where(n_a > 0, x_a / n_a, 0.0), np.where(n_b > 0, x_b / n_b, 0.0)
    upper_a = clopper_pearson(x_a, n_a, alpha, "upper")[1]
    lower_b = clopper_pearson(x_b, n_b, alpha, "lower")[0]
    bound = r_a - r_b + np.sqrt((upper_a - r_a) ** 2 + (r_b - lower_b) ** 2)
    return np.where((n_a > 0) & (n_b > 0), np.minimum(bound, 1.0), 1.0)


def _log_choose(n: int, outcomes: np.ndarray) -> np.ndarray:
    return gammaln(n + 1) - gammaln(outcomes + 1) - gammaln(n - outcomes + 1)


def _pmf(log_choose: np.ndarray, outcomes: np.ndarray, n: int, rate: np.ndarray) -> np.ndarray:
    """Binomial(n, rate) probabilities of `outcomes`, one row per rate (a column vector)."""
    return np.exp(log_choose + xlogy(outcomes, rate) + xlog1py(n - outcomes, -rate))


class _Test:
    """The one-sided exact test of H₀: p_a − p_b ≥ d₀ for one observed table."""

    def __init__(self, x_a: int, n_a: int, x_b: int, n_b: int, alpha: float):
        self.n_a, self.n_b = n_a, n_b
        gamma = NUISANCE_SHARE * alpha
        self.alpha = alpha - gamma
        lower, upper = clopper_pearson(x_b, n_b, gamma)
        self.nuisance = (float(lower), float(upper))
        # Outcomes of X_b summed exactly; the rest (TAIL_SIGMAS standard deviations beyond what
        # any p_b in C makes likely) are bounded by their probability mass, counted as if each
        # led to T ≤ t. This keeps every probability an upper bound and the sums short.
        low_rate, high_rate = self.nuisance
        widest = max(rate * (1.0 - rate) for rate in (low_rate, high_rate, min(max(0.5, low_rate), high_rate)))
        spread = TAIL_SIGMAS * np.sqrt(n_b * widest) + 1.0
        first = max(0, int(np.floor(n_b * low_rate - spread)))
        last = min(n_b, int(np.ceil(n_b * high_rate + spread)))
        self.outcomes_b = np.arange(first, last + 1, dtype=np.float64)
        # T ≤ t  ⟺  X_a·n_b ≤ x_a·n_b − x_b·n_a + X_b·n_a: the largest X_a allowed for each X_b,
        # in integers so that ties are decided exactly.
        limit = (x_a * n_b - x_b * n_a + np.arange(first, last + 1, dtype=np.int64) * n_a) // n_b
        self.limit = np.clip(limit, -1, n_a).astype(np.float64)
        self.log_choose_b = _log_choose(n_b, self.outcomes_b)
        self.first, self.last = first, last
        # X_a's cdf is needed only at these limits: from the smallest, a sum of its pmf.
        self.cdf_from = int(max(self.limit.min(), 0.0))
        self.outcomes_a = np.arange(self.cdf_from + 1, int(min(self.limit.max(), n_a)) + 1,
                                    dtype=np.float64)
        self.log_choose_a = _log_choose(n_a, self.outcomes_a)
        self.gather = np.clip(self.limit - self.cdf_from, 0, None).astype(np.int64)

    def probability(self, p_a: np.ndarray, p_b: np.ndarray) -> np.ndarray:
        """An upper bound on P(T ≤ t) at each pair (p_a[i], p_b[i]), exact to the tail mass of
        the X_b outcomes left out (below 1e-12 for p_b in C)."""
        p_a, p_b = np.clip(p_a, 0.0, 1.0)[:, None], np.clip(p_b, 0.0, 1.0)[:, None]
        pmf_b = _pmf(self.log_choose_b, self.outcomes_b, self.n_b, p_b)
        # cdf_a(k) for k = cdf_from, cdf_from + 1, …: one incomplete beta, then a running sum.
        start = bdtr(self.cdf_from, self.n_a, p_a)
        cdf_a = np.concatenate([start, start + np.cumsum(
            _pmf(self.log_choose_a, self.outcomes_a, self.n_a, p_a), axis=1)], axis=1)
        cdf_a = np.minimum(cdf_a, 1.0)[:, self.gather]
        cdf_a = np.where(self.limit < 0, 0.0, np.where(self.limit >= self.n_a, 1.0, cdf_a))
        left_out = np.zeros(p_b.shape[0])
        if self.first > 0:
            left_out += bdtr(self.first - 1, self.n_b, p_b[:, 0])
        if self.last < self.n_b:
            left_out += bdtrc(self.last, self.n_b, p_b[:, 0])
        return (pmf_b * cdf_a).sum(axis=1) + left_out

    def rejects(self, d0: float) -> bool:
        """Whether sup over H₀ of P(T ≤ t) ≤ α, proved by cell bounds (see the module doc)."""
        if d0 >= 1.0:
            return True                     # H₀: p_a − p_b ≥ 1 holds nowhere but (1, 0)
        start = max(0.0, -d0, self.nuisance[0])
        stop = min(1.0, 1.0 - d0, self.nuisance[1])
        if stop <= start:
            # No boundary point with p_b in C: d₀ < −max C, and H₀ with p_b in C is every
            # (p_a, p_b) there; its supremum sits at the corner p_a = 0, p_b = max C.
            corner = self.probability(np.array([0.0]), np.array([self.nuisance[1]]))
            return bool(corner[0] <= self.alpha)
        edges = np.linspace(start, stop, INITIAL_CELLS + 1)
        # Comparisons read "not ≤ α" so that a NaN could only keep H₀, never reject it.
        if (~(self.probability(edges + d0, edges) <= self.alpha)).any():
            return False                    # a point of H₀ where P(T ≤ t) > α: not rejected
        lows, highs = edges[:-1], edges[1:]
        for _ in range(MAX_DEPTH):
            open_cells = ~(self.probability(lows + d0, highs) <= self.alpha)
            if not open_cells.any():
                return True
            lows, highs = lows[open_cells], highs[open_cells]
            middles = 0.5 * (lows + highs)
            if (~(self.probability(middles + d0, middles) <= self.alpha)).any():
                return False
            lows, highs = np.concatenate([lows, middles]), np.concatenate([middles, highs])
        return False
