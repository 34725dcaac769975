"""Exact convex requirements for least squares, conflicts, and the emitted cvxpy program."""

from __future__ import annotations

import numpy as np
import pytest

from fairspec.backends.base import FitRequest, InfeasibleError, ModelSpec
from fairspec.backends.convex import ConvexBackend, emit_cvxpy
from fairspec.data.spec import Partition, Split
from tests.backends.hard.conftest import hard_term


@pytest.fixture(scope="module")
def regression() -> Split:
    """y depends on a group g that the inputs only partly reveal; h is an unrelated 3-way split."""
    rng = np.random.default_rng(1)
    g, h = rng.integers(0, 2, 800), rng.integers(0, 3, 800)
    X = np.c_[rng.normal(size=(800, 3)), g + rng.normal(scale=0.7, size=800)]
    y = X[:, 0] + 3.0 * g + rng.normal(scale=0.5, size=800)
    return Split("train", X, y.astype(np.float64), {"g": Partition("g", ("a", "b"), g),
                                                    "h": Partition("h", ("x", "y", "z"), h)})


def _group_means(values: np.ndarray, codes: np.ndarray) -> np.ndarray:
    return np.array([values[codes == c].mean() for c in np.unique(codes)])


def _fit(split: Split, *terms):
    return ConvexBackend().fit(FitRequest(ModelSpec("least_squares"), terms, "regression"), split)


def test_mean_prediction_parity_and_group_loss_hold_exactly(regression):
    terms = (hard_term("mpp", "mean_prediction_parity", "g", 0.5, "regression"),
             hard_term("bgl", "bounded_group_loss", "h", 2.5, "regression"))
    result = _fit(regression, *terms)
    pred = result.model.predict(regression.X)
    means = _group_means(pred, regression.partitions["g"].codes)
    losses = _group_means((pred - regression.y) ** 2, regression.partitions["h"].codes)
    assert means.max() - means.min() <= 0.5
    assert losses.max() <= 2.5
    mpp = result.terms[0]
    assert mpp.unconstrained_value > 0.5 and mpp.price > 0        # binding, with a positive price


def test_infeasible_pair_is_named_without_the_bystander(regression):
    # parity forces equal group means, which costs group g's squared error far above 2.5;
    # each alone is feasible, and the loose bound on h takes no part in the conflict
    terms = (hard_term("loose", "bounded_group_loss", "h", 50.0, "regression"),
             hard_term("mpp", "mean_prediction_parity", "g", 0.05, "regression"),
             hard_term("bgl", "bounded_group_loss", "g", 2.5, "regression"))
    for alone in terms:
        _fit(regression, alone)
    with pytest.raises(InfeasibleError) as raised:
        _fit(regression, *terms)
    conflicts = {c.term_id: c for c in raised.value.conflicts}
    assert set(conflicts) == {"mpp", "bgl"}
    assert conflicts["bgl"].best_value > 2.5 and conflicts["mpp"].best_value > 0.05
    assert raised.value.exit_code == 3


def test_an_infeasible_group_loss_alone_is_diagnosed_even_when_the_solver_fails(regression,
                                                                               monkeypatch):
    """The best value of a metric minimises it over unpenalised weights, whose infimum can lie at
    infinite weights; when the solver fails there (cvxpy raises SolverError), a small ridge term is
    tried, and when every try fails the conflict is still named, its best value unknown."""
    import cvxpy as cp

    from fairspec.backends.convex import exact

    term = hard_term("bgl", "bounded_group_loss", "g", 0.5, "regression")
    with pytest.raises(InfeasibleError) as raised:
        _fit(regression, term)
    truth = raised.value.conflicts[0].best_value
    assert raised.value.exit_code == 3 and truth > 0.5
    assert "this hard requirement" in str(raised.value) and "bgl (bound 0.5, best " in str(raised.value)

    solve = cp.Problem.solve
    refused: list[str] = []

    def failing(problem, *args, **kwargs):
        objective = str(problem.objective)          # the best-value problems minimise `level`
        if objective == "minimize level" or (mode == "all" and objective.startswith("minimize level +")):
            refused.append("plain" if objective == "minimize level" else "ridge")
            raise cp.error.SolverError("numerical trouble")
        return solve(problem, *args, **kwargs)

    monkeypatch.setattr(cp.Problem, "solve", failing)
    for mode in ("plain", "all"):
        with pytest.raises(InfeasibleError) as raised:
            _fit(regression, term)
        best = raised.value.conflicts[0].best_value
        if mode == "plain":      # the ridge try stands in, a hair above the true minimum
            assert best == pytest.approx(truth, rel=1e-3) and best >= truth - 1e-6
        else:
            assert np.isnan(best) and "best value not found by the solver" in str(raised.value)
    assert "plain" in refused and "ridge" in refused


def test_emit_shows_per_cell_parameters_and_exact_constraints(train):
    terms = (hard_term("dp", "demographic_parity", "sex_band", 0.1),
             hard_term("bgl", "bounded_group_loss", "sex", 0.7))
    text = emit_cvxpy(FitRequest(ModelSpec("logistic"), terms), train)
    assert "multiplier parameters (12, per cell" in text and "2 exact constraints" in text
    assert "minimize" in text and "subject to" in text


def test_logistic_group_loss_with_a_rate_term(train):
    terms = (hard_term("dp", "demographic_parity", "sex", 0.08),
             hard_term("bgl", "bounded_group_loss", "band", 0.6))
    result = ConvexBackend().fit(FitRequest(ModelSpec("logistic"), terms), train)
    score = result.model.predict_score(train.X)
    pred = result.model.predict(train.X)
    loss = -(train.y * np.log(score) + (1 - train.y) * np.log1p(-score))
    assert _group_means(loss, train.partitions["band"].codes).max() <= 0.6
    rates = _group_means(pred.astype(float), train.partitions["sex"].codes)
    assert rates.max() - rates.min() <= 0.08
