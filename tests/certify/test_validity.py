"""Certified models break their bound on the population in at most a δ share of training sets.

Seldonian-style guarantee: over the draw of the training rows, P(a model is returned and its
population value breaks the bound) ≤ δ; "no solution found" counts as safe. Checked by a one-sided
binomial test: with k violations in N draws, reject validity when P(Bin(N, δ) ≥ k) < 0.01. The
same test applied to a plain hard fit (no certification) must reject, so the check can fail.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from fairspec.certify import NoSolutionFound, certified_fit
from fairspec.metrics.evaluate import evaluate

from .synthetic import draw, group_shift_fit, program

# 100 draws reject a method whose violation rate is about 0.2 or more (δ 0.1): the candidate search
# fits a ladder of models per draw, so the default run keeps to 100; the slow run uses 400.
DRAWS = 100
SLOW_DRAWS = 400
SIGNIFICANCE = 0.01


def population_value(expr, model, population) -> float:
    return evaluate(expr, population.y, model.predict(population.X),
                    population.partitions["grp"]).value


def binomial_p_value(violations: int, draws: int, delta: float) -> float:
    """P(Bin(draws, δ) ≥ violations): small when violations are too many for a valid method."""
    return float(stats.binom.sf(violations - 1, draws, delta))


def violations(requirement: str, rows: int, population, *, certified: bool, draws: int = DRAWS,
               inflation: float = 1.5) -> tuple[int, int]:
    """(draws whose returned model breaks the bound, draws with no solution) over `draws` draws."""
    prog = program(requirement)
    req = prog.requirements[0]
    broken = no_solution = 0
    for index in range(draws):
        train = draw(population, rows, seed=index)
        try:
            if certified:
                model = certified_fit(prog, train, fit=group_shift_fit, inflation=inflation)[0].model
            else:
                model = group_shift_fit(prog, train).model
        except NoSolutionFound:
            no_solution += 1
            continue
        broken += population_value(req.expression, model, population) > req.bound
    return broken, no_solution


SETTINGS = [
    # (requirement, training rows, inflation): a low inflation hands the safety test more
    # borderline candidates, the harder case for its validity.
    ("demographic_parity(grp) <= 0.1 hard confidence 0.9", 8000, 1.0),
    ("equal_opportunity(grp) <= 0.15 hard confidence 0.9", 8000, 1.5),
]


@pytest.mark.parametrize("requirement, rows, inflation", SETTINGS)
def test_certified_models_break_the_bound_at_most_delta_of_the_time(requirement, rows, inflation,
                                                                     population):
    check_validity(requirement, rows, inflation, population, DRAWS)


@pytest.mark.slow
@pytest.mark.parametrize("requirement, rows, inflation", SETTINGS)
def test_validity_over_more_draws(requirement, rows, inflation, population):
    check_validity(requirement, rows, inflation, population, SLOW_DRAWS)


def check_validity(requirement: str, rows: int, inflation: float, population, draws: int) -> None:
    broken, no_solution = violations(requirement, rows, population, certified=True,
                                     inflation=inflation, draws=draws)
    assert binomial_p_value(broken, draws, 0.1) >= SIGNIFICANCE, (broken, no_solution)
    assert no_solution <= 0.9 * draws     # the setting certifies a fair share of the draws


def test_an_uncertified_hard_fit_fails_the_same_check(population):
    requirement, rows, _ = SETTINGS[0]
    draws = 60                            # about half break the bound: few draws reject
    broken, _ = violations(requirement, rows, population, certified=False, draws=draws)
    assert binomial_p_value(broken, draws, 0.1) < SIGNIFICANCE, broken
