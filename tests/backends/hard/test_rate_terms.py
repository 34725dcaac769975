"""Hard rate requirements on linear models hold on train, measured independently by fairlearn."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from benchmarks.hard import load_german
from fairspec.backends.base import FitRequest, InfeasibleError, ModelSpec
from fairspec.backends.convex import ConvexBackend
from tests.backends.hard.conftest import hard_term
from tests.backends.hard.oracle import pairwise_value

# metric -> a bound the unconstrained model breaks on the synthetic data but a linear model can meet
BOUNDS = {
    "demographic_parity": 0.05,
    "disparate_impact": 0.8,
    "equal_opportunity": 0.05,
    "equalized_odds": 0.05,
    "fpr_parity": 0.05,
    "fnr_parity": 0.05,
    "error_rate_parity": 0.01,
    "accuracy_parity": 0.01,
}


def _holds(name: str, value: float, bound: float) -> bool:
    return value >= bound if name == "disparate_impact" else value <= bound


@pytest.mark.parametrize("family", ["logistic", "linear_svm"])
@pytest.mark.parametrize("name", sorted(BOUNDS))
def test_rate_requirement_holds_on_train(train, name, family):
    bound = BOUNDS[name]
    request = FitRequest(ModelSpec(family), (hard_term("r", name, "sex", bound),))
    result = ConvexBackend().fit(request, train)
    pred = result.model.predict(train.X)
    codes = train.partitions["sex"].codes
    measured = pairwise_value(name, train.y, pred, codes)
    report = result.terms[0]
    assert _holds(name, measured, bound), (measured, result.log)
    assert report.status == "enforced" and report.lowering == "lagrangian-reweighting"
    assert not _holds(name, report.unconstrained_value, bound)   # the requirement had to act
    assert report.price is not None and report.price >= 0
    assert 0.6 < float(np.mean(pred == train.y))                   # not a collapsed model


def test_several_requirements_hold_together(train):
    terms = (hard_term("dp_sex", "demographic_parity", "sex", 0.05),
             hard_term("eo_band", "equal_opportunity", "band", 0.08),
             hard_term("dp_cell", "demographic_parity", "sex_band", 0.15))
    result = ConvexBackend().fit(FitRequest(ModelSpec("logistic"), terms), train)
    pred = result.model.predict(train.X)
    for term in terms:
        measured = pairwise_value(term.metric, train.y, pred, train.partitions[term.partition].codes)
        assert measured <= term.bound, (term.id, measured, result.log)
    assert [r.id for r in result.terms] == ["dp_sex", "eo_band", "dp_cell"]


def test_same_seed_gives_identical_model(train):
    request = FitRequest(ModelSpec("logistic"), (hard_term("dp", "demographic_parity", "sex", 0.03),),
                         seed=3)
    first = ConvexBackend().fit(request, train).model
    second = ConvexBackend().fit(request, train).model
    assert first.coef.tobytes() == second.coef.tobytes()
    assert first.intercept == second.intercept


def test_monitor_terms_are_reported_not_enforced(train):
    monitor = hard_term("watch", "demographic_parity", "sex", 0.01)
    result = ConvexBackend().fit(FitRequest(ModelSpec("logistic"), (replace(monitor, mode="monitor"),)),
                                 train)
    assert result.terms[0].status == "not_enforced"


def test_a_bound_of_zero_is_met_by_exact_parity_or_diagnosed_with_a_hint(train):
    """A bound of 0 asks for exactly equal rates on the training rows. On the synthetic rows a
    non-constant threshold gives them, and the model is returned; on German credit's sex × age
    cells none does, and the diagnosis names the requirement, its best gap and why a bound of 0
    is so hard to meet."""
    request = FitRequest(ModelSpec("logistic"), (hard_term("dp", "demographic_parity", "sex", 0.0),))
    model = ConvexBackend().fit(request, train).model
    pred = model.predict(train.X)
    assert pairwise_value("demographic_parity", train.y, pred, train.partitions["sex"].codes) == 0.0
    assert 0 < pred.sum() < len(pred)
    german = load_german()[0]
    request = FitRequest(ModelSpec("logistic"),
                         (hard_term("dp", "demographic_parity", "sex*race", 0.0),))
    with pytest.raises(InfeasibleError) as raised:
        ConvexBackend().fit(request, german)
    assert raised.value.exit_code == 3
    assert "this hard requirement" in str(raised.value)
    assert "dp (bound 0, best reached" in str(raised.value)
    assert raised.value.conflicts[0].best_value > 0
    assert "exactly equal rates" in raised.value.hint
