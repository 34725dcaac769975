"""When the multiplier search gives up: stalled with only far-feasible rounds, never when nothing
is feasible yet (that would declare the requirements infeasible)."""

from __future__ import annotations

import numpy as np

from fairspec.backends.reductions.lagrangian import STALL, solve_rates
from fairspec.backends.reductions.pieces import pieces_for
from tests.backends.hard.conftest import hard_term


class FrozenLearner:
    """A learner whose score ignores labels and weights: no multiplier can move its rates."""

    def __init__(self, margin: np.ndarray) -> None:
        self.fixed = margin

    def fit(self, labels, weights):
        return None

    def margin(self, fitted):
        return self.fixed


def _sex_score(train) -> np.ndarray:
    """A score that separates the sexes: only thresholds selecting a handful of rows (or all but
    a handful) keep the selection-rate gap small."""
    sex = train.partitions["sex"].codes
    return 6.0 * sex - 3.0 + np.random.default_rng(0).normal(size=train.n_rows)


def test_a_stalled_search_with_far_feasible_rounds_stops(train):
    pieces = pieces_for(hard_term("dp", "demographic_parity", "sex", 0.05), train)
    solution = solve_rates(FrozenLearner(_sex_score(train)), train.y, pieces, max_rounds=30,
                           stall=STALL)
    assert solution.best is not None and not solution.near
    assert solution.rounds == STALL + 1


def test_a_search_with_nothing_feasible_runs_every_round(train):
    pieces = pieces_for(hard_term("dp", "demographic_parity", "sex", 0.0), train)   # unreachable
    solution = solve_rates(FrozenLearner(_sex_score(train)), train.y, pieces, max_rounds=12,
                           stall=STALL)
    assert solution.best is None and solution.rounds == 12


def test_without_stall_a_far_feasible_search_runs_every_round(train):
    pieces = pieces_for(hard_term("dp", "demographic_parity", "sex", 0.05), train)
    solution = solve_rates(FrozenLearner(_sex_score(train)), train.y, pieces, max_rounds=12)
    assert solution.best is not None and solution.rounds == 12
