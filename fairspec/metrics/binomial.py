"""The exact (Clopper–Pearson) interval for a binomial rate, shared by every exact bound."""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy.stats import beta

Side = Literal["two-sided", "upper", "lower"]


def clopper_pearson(successes, trials, delta: float,
                    side: Side = "two-sided") -> tuple[np.ndarray, np.ndarray]:
    """Exact binomial interval(s) for the success probability, with confidence 1 − δ.

    Two-sided: δ/2 in each tail. "upper": [0, U] with P(p > U) ≤ δ; "lower": [L, 1]. With no
    trials the interval is [0, 1]. Vectorised over `successes` and `trials`.
    """
    x = np.asarray(successes, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    check_delta(delta)
    check_side(side)
    if np.any((x < 0) | (x > n)):
        raise ValueError("successes must lie in [0, trials]")
    tail = delta / 2.0 if side == "two-sided" else delta
    lower = np.zeros(np.broadcast(x, n).shape)
    upper = np.ones(lower.shape)
    if side in ("two-sided", "lower"):
        has_success = x > 0
        lower = np.where(has_success, beta.ppf(tail, np.where(has_success, x, 1), n - x + 1), 0.0)
    if side in ("two-sided", "upper"):
        has_failure = x < n
        upper = np.where(has_failure, beta.ppf(1.0 - tail, x + 1, np.where(has_failure, n - x, 1)),
                         1.0)
    return lower, upper


def check_delta(delta: float) -> None:
    if not 0.0 < delta < 1.0:
        raise ValueError("delta must lie strictly between 0 and 1")


def check_side(side: str) -> None:
    if side not in ("two-sided", "upper", "lower"):
        raise ValueError(f"side must be two-sided, upper or lower, not {side!r}")
