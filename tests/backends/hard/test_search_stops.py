"""When the multiplier search gives up: stalled with only far-feasible rounds, or with only a
near-constant model, never when nothing is feasible yet (that would declare the requirements
infeasible)."""

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


class NaNJacobianLearner(FrozenLearner):
    """A learner whose rate Jacobian is not finite (as after a fit in which every row's cost
    cancelled, so that no row weighs anything); it records the weights it is handed."""

    def __init__(self, margin: np.ndarray) -> None:
        super().__init__(margin)
        self.weights: list[np.ndarray] = []

    def fit(self, labels, weights):
        self.weights.append(np.asarray(weights))

    def rate_jacobian(self, fitted, cells):
        size = sum(len(c.labels) for c in cells)
        return np.full((size, size), np.nan)


def test_a_non_finite_jacobian_falls_back_to_the_diagonal_model(train):
    pieces = pieces_for(hard_term("dp", "demographic_parity", "sex", 0.05), train)
    learner = NaNJacobianLearner(_sex_score(train))
    solution = solve_rates(learner, train.y, pieces, max_rounds=6)
    assert solution.rounds == 6
    assert all(np.isfinite(w).all() for w in learner.weights)
    assert any(np.any(w != learner.weights[0]) for w in learner.weights[1:])   # it did move


def test_a_search_given_a_floor_stops_unless_it_beats_it(train):
    """The diagonal retry after a Jacobian search whose answer is at least near-constant gets STALL
    rounds to find anything more accurate than it (or than near-constant); one that does runs
    its course."""
    pieces = pieces_for(hard_term("dp", "demographic_parity", "sex", 0.05), train)
    learner = FrozenLearner(_sex_score(train))
    reached = solve_rates(learner, train.y, pieces, max_rounds=12).best.train_accuracy
    stuck = solve_rates(learner, train.y, pieces, max_rounds=12, stall=STALL, floor=reached)
    assert stuck.best is not None and stuck.rounds == STALL
    beaten = solve_rates(learner, train.y, pieces, max_rounds=12, stall=STALL, floor=reached - 0.01)
    assert beaten.rounds == 12


def test_a_search_with_only_a_near_constant_model_hands_over_after_stall_rounds(train):
    """Given a `collapse` band (always predicting the majority, give or take NEAR_CONSTANT), a
    search whose best feasible round lies in it stops after STALL rounds; one whose best lies
    outside runs on until the far-feasible stall rule stops it, a round later here."""
    pieces = pieces_for(hard_term("dp", "demographic_parity", "sex", 0.05), train)
    learner = FrozenLearner(_sex_score(train))
    reached = solve_rates(learner, train.y, pieces, max_rounds=12).best.train_accuracy
    inside = solve_rates(learner, train.y, pieces, max_rounds=30, stall=STALL,
                         collapse=(reached - 0.005, reached + 0.005))
    assert inside.best is not None and inside.rounds == STALL
    outside = solve_rates(learner, train.y, pieces, max_rounds=30, stall=STALL,
                          collapse=(reached + 0.01, reached + 0.02))
    assert outside.rounds == STALL + 1
