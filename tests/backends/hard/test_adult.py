"""On UCI Adult (the benchmark's split), hard rate bounds hold for one linear model.

Equalized odds at 0.01 is the case the search used to miss: the FPR gap answers the multipliers
ten times more weakly than the TPR gap, so a heavily damped step never closed it. Error-rate
parity on sex × race was once declared infeasible: the Newton learner followed a stale Hessian
factor to ever worse weights instead of forming a fresh one.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.hard import load_adult, load_german
from fairspec.backends.base import FitRequest, ModelSpec
from fairspec.backends.convex import ConvexBackend
from fairspec.backends.reductions import thresholds
from fairspec.backends.reductions.lagrangian import STALL
from fairspec.pipeline import train
from tests.backends.hard.conftest import hard_term
from tests.backends.hard.oracle import overall_value, pairwise_value
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def adult():
    return load_adult()[0]


@pytest.mark.parametrize("name", ["demographic_parity", "equalized_odds"])
def test_tight_bound_holds_on_adult_train(adult, name):
    request = FitRequest(ModelSpec("logistic"), (hard_term("r", name, "sex", 0.01),))
    model = ConvexBackend().fit(request, adult).model
    pred = model.predict(adult.X)
    assert pairwise_value(name, adult.y, pred, adult.partitions["sex"].codes) <= 0.01
    assert np.mean(pred == adult.y) > 0.8           # far above the majority share (0.75)


def test_error_rate_parity_on_sex_race_holds(adult):
    request = FitRequest(ModelSpec("logistic"), (hard_term("r", "error_rate_parity", "sex*race", 0.05),))
    model = ConvexBackend().fit(request, adult).model
    pred = model.predict(adult.X)
    codes = adult.partitions["sex*race"].codes
    assert pairwise_value("error_rate_parity", adult.y, pred, codes) <= 0.05
    assert np.mean(pred == adult.y) > 0.8


@pytest.mark.parametrize("name", ["demographic_parity", "equalized_odds"])
def test_a_bound_vs_overall_is_no_less_accurate_than_the_pairwise_one(adult, name):
    """`vs overall` is the looser constraint at the same bound (for two groups it allows a pairwise
    gap of bound / the larger group's share); its search once drifted with the overall rate and
    ended less accurate than the pairwise fit."""
    codes = adult.partitions["sex"].codes
    accuracy = {}
    for reference in ("pairwise", "overall"):
        request = FitRequest(ModelSpec("logistic"),
                             (hard_term("r", name, "sex", 0.02, reference=reference),))
        pred = ConvexBackend().fit(request, adult).model.predict(adult.X)
        value = (pairwise_value if reference == "pairwise" else overall_value)(name, adult.y, pred, codes)
        assert value <= 0.02
        accuracy[reference] = np.mean(pred == adult.y)
    assert accuracy["overall"] >= accuracy["pairwise"] - 0.001


@pytest.mark.parametrize("parity, four_fifths", [(0.01, 0.85), (0.03, 0.8), (0.05, 0.75)])
def test_neighbours_of_the_example_policy_keep_its_accuracy(tmp_path, parity, four_fifths):
    """The example policy with other bounds: neither sex nor race is a model input, so a race cell
    of a few hundred rows answers its cost slowly, and each of these three searches once ended at
    0.54–0.78 training accuracy (halving the diagonal search's steps undid that cell's push) while
    the example itself reaches 0.818."""
    text = (ROOT / "specs" / "adult.fair").read_text()
    for line in ("demographic_parity(sex) <= 0.02", "disparate_impact(race) >= 0.8 hard"):
        assert text.count(line) == 1, f"the example policy no longer says {line!r}"
    text = text.replace("demographic_parity(sex) <= 0.02", f"demographic_parity(sex) <= {parity}")
    text = text.replace("disparate_impact(race) >= 0.8 hard",
                        f"disparate_impact(race) >= {four_fifths} hard")
    policy = tmp_path / "neighbour.fair"
    policy.write_text(text)
    result = train(policy, out=None, n_resamples=10)
    hard = [r for r in result.requirements if r.requirement.mode == "hard"]
    assert len(hard) == 2 and all(r.holds for r in hard)
    assert result.performance["train"]["accuracy"] > 0.81


def test_a_near_constant_answer_ends_the_search_early(adult):
    """Equalized odds on sex × race at 0.05: cells of about ten positives leave only near-constant
    models. The Jacobian search hands over after STALL rounds that found nothing better, and the
    diagonal retry gets STALL rounds to do better and stops (31 rounds in all before, 37 before
    that)."""
    term = hard_term("r", "equalized_odds", "sex*race", 0.05)
    fit = ConvexBackend().fit(FitRequest(ModelSpec("logistic"), (term,)), adult)
    detail = fit.terms[0].detail
    assert "near-constant" in detail
    assert int(detail.split(" after ")[1].split(" rounds")[0]) == 2 * STALL
    pred = fit.model.predict(adult.X)
    assert pairwise_value("equalized_odds", adult.y, pred, adult.partitions["sex*race"].codes) <= 0.05


@pytest.mark.parametrize("near_share", [0.04, 0.06])
def test_the_diagonal_retry_must_beat_a_real_answer_soon(monkeypatch, near_share):
    """German credit, equalized odds on sex × age at 0.05: the Jacobian search finds a real model
    (0.779 on train, above 0.70 for always predicting "good") whose threshold moves 5 % of the rows
    from its own. Counted as far (NEAR_SHARE 4 %, as it once was), a diagonal retry follows, which
    found nothing better in 19 rounds; it now gets STALL rounds to beat that answer, and the
    answer is kept. Counted as near (6 %, today), no retry runs and the answer is the same."""
    monkeypatch.setattr(thresholds, "NEAR_SHARE", near_share)
    german = load_german()[0]
    term = hard_term("r", "equalized_odds", "sex*race", 0.05)
    fit = ConvexBackend().fit(FitRequest(ModelSpec("logistic"), (term,)), german)
    if near_share > 0.05:
        assert not any(line.endswith("diagonal model:") for line in fit.log)
        assert float(np.mean(fit.model.predict(german.X) == german.y)) > 0.77
        return
    handover = next(i for i, line in enumerate(fit.log) if line.endswith("diagonal model:"))
    jacobian, retry = fit.log[:handover], fit.log[handover + 1:]
    assert len(retry) == STALL
    kept = float(np.mean(fit.model.predict(german.X) == german.y))
    best_jacobian = max(float(line.split(" acc ")[1].split()[0]) for line in jacobian
                        if line.endswith("feasible"))
    assert kept == pytest.approx(best_jacobian, abs=5e-5) and kept > 0.77     # the log rounds to 4 places
    pred = fit.model.predict(german.X)
    assert pairwise_value("equalized_odds", german.y, pred, german.partitions["sex*race"].codes) <= 0.05


def test_a_model_worse_than_constant_is_reported_as_such(adult):
    """Disparate impact ≥ 0.9 over Adult's ten sex × race cells, neither attribute a model input:
    the most accurate linear model that meets it selects most rows and is less accurate than
    always predicting "≤ 50K". The report must say so, not call it "barely more accurate"."""
    term = hard_term("r", "disparate_impact", "sex*race", 0.9)
    fit = ConvexBackend().fit(FitRequest(ModelSpec("logistic"), (term,)), adult)
    accuracy = float(np.mean(fit.model.predict(adult.X) == adult.y))
    assert accuracy < float(np.mean(adult.y == 0))
    assert "less accurate" in fit.terms[0].detail and "barely" not in fit.terms[0].detail
