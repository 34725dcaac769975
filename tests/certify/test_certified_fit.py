"""certified_fit end to end on synthetic draws: certificate, failure path, determinism, the split."""

from __future__ import annotations

import json

import numpy as np
import pytest

from fairspec.backends.base import FitResult
from fairspec.backends.linear import LinearModel
import fairspec.certify.fit as fit_module
from fairspec.certify import NoSolutionFound, certified_fit, safety_split
from fairspec.certify.budget import FALLBACK_SHARE
from fairspec.errors import EXIT_INFEASIBLE

from .synthetic import draw, group_shift_fit, program

REQUIREMENT = "demographic_parity(grp) <= 0.1 hard confidence 0.9 safety 0.5"


def test_a_certified_model_comes_with_its_certificate(population):
    prog = program(REQUIREMENT)
    fit, certificate = certified_fit(prog, draw(population, 20_000, seed=1), fit=group_shift_fit)
    (entry,) = certificate.requirements
    assert certificate.passed and entry.passed
    assert entry.certified_bound <= 0.1 and entry.candidate_bound < 0.1
    assert entry.safety_value <= entry.certified_bound
    assert (certificate.safety_rows, certificate.candidate_rows) == (10_000, 10_000)
    assert sum(entry.safety_rows.values()) == 10_000
    assert entry.method.startswith("exact difference test")  # two groups: the sharper exact test
    assert entry.delta == pytest.approx(0.1)                            # the requirement's share
    assert entry.test_delta == pytest.approx(0.1 * (1 - FALLBACK_SHARE))   # the first test's part
    assert certificate.candidates_tested == 1 and certificate.first_attempt is None
    assert certificate.joint_confidence == pytest.approx(0.9)
    record = json.loads(json.dumps(certificate.to_json()))
    assert record["passed"] is True and record["requirements"][0]["requirement"] == "r"
    assert "certified on 10000 safety rows" in fit.log[-1]


def test_same_seed_same_model_and_certificate(population):
    prog = program(REQUIREMENT)
    train = draw(population, 20_000, seed=2)
    first_fit, first = certified_fit(prog, train, fit=group_shift_fit)
    second_fit, second = certified_fit(prog, train, fit=group_shift_fit)
    assert first.to_json() == second.to_json()
    assert np.array_equal(first_fit.model.coef, second_fit.model.coef)
    other = certified_fit(program(REQUIREMENT, seed=4), train, fit=group_shift_fit)[1]
    assert other.requirements[0].safety_value != first.requirements[0].safety_value


def test_too_few_rows_is_no_solution_found_with_exit_code_3(population):
    prog = program("demographic_parity(grp) <= 0.05 hard confidence 0.95")
    with pytest.raises(NoSolutionFound) as raised:
        certified_fit(prog, draw(population, 1500, seed=3), fit=group_shift_fit)
    error = raised.value
    assert error.exit_code == EXIT_INFEASIBLE == 3
    assert error.message.startswith("no solution found")
    assert "r (demographic_parity(grp) <= 0.05)" in error.message
    assert error.shortfalls[0].more_rows and error.shortfalls[0].more_rows > 1500


def test_cells_too_small_are_named_before_any_fit(population):
    def never(program, split):
        raise AssertionError("fitted although no model could be certified")
    with pytest.raises(NoSolutionFound) as raised:
        certified_fit(program("demographic_parity(grp) <= 0.05 hard confidence 0.95"),
                      draw(population, 200, seed=5), fit=never)
    assert raised.value.small_cells and "cell '1'" in raised.value.message


def test_a_model_that_fails_the_safety_test_is_never_returned(population, monkeypatch):
    # With no inflation the chosen candidates sit at the bound on their own rows, so the safety
    # test's margin puts their certified bounds above it: the first and the fallback (tested at
    # a tiny share of δ, so with a wide margin) both fail.
    monkeypatch.setattr(fit_module, "FALLBACK_INFLATION", 0.0)
    monkeypatch.setattr(fit_module, "FALLBACK_SHARE", 1e-6)
    with pytest.raises(NoSolutionFound) as raised:
        certified_fit(program(REQUIREMENT), draw(population, 20_000, seed=9), fit=group_shift_fit,
                      inflation=0.0)
    certificate = raised.value.certificate                    # the fallback's test
    assert certificate.candidates_tested == 2 and not certificate.passed
    (entry,) = certificate.first_attempt.requirements          # the first candidate's test
    assert not entry.passed and entry.certified_bound > 0.1 >= entry.safety_value - 0.02
    assert "certified upper bound" in raised.value.message
    assert "the fallback candidate failed its safety test too: r (" in raised.value.message
    record = json.loads(json.dumps(certificate.to_json()))
    assert record["passed"] is False and record["first_attempt"]["passed"] is False


def test_when_the_first_candidate_fails_the_fallback_is_tested_at_its_share(population):
    train = draw(population, 20_000, seed=6)
    fit, certificate = certified_fit(program(REQUIREMENT), train, fit=group_shift_fit, inflation=0.0)
    (entry,) = certificate.requirements
    assert certificate.candidates_tested == 2 and entry.passed
    assert entry.test_delta == pytest.approx(0.1 * FALLBACK_SHARE) and entry.delta == pytest.approx(0.1)
    assert certificate.joint_confidence == pytest.approx(0.9)          # both tests together
    assert not certificate.first_attempt.passed                        # the failed test is kept
    assert json.loads(json.dumps(certificate.to_json()))["first_attempt"]["passed"] is False
    assert "the first candidate failed its test; fallback candidate model" in fit.log[-1]
    first, _ = certified_fit(program(REQUIREMENT), train, fit=group_shift_fit)
    assert first.model.intercept != fit.model.intercept        # not the model the first test saw


def test_a_candidate_predicted_to_fail_is_not_tested(population):
    def unfair(program, split):           # ignores the bound: selects by group alone
        return FitResult(LinearModel(coef=np.array([0.0, 0.0, 4.0]), intercept=-2.0), (), "unfair")
    with pytest.raises(NoSolutionFound) as raised:
        certified_fit(program(REQUIREMENT), draw(population, 20_000, seed=6), fit=unfair)
    assert raised.value.certificate is None
    assert "was predicted to pass the safety test" in raised.value.message


def test_the_safety_split_is_seeded_disjoint_and_sized(population):
    train = draw(population, 1001, seed=7)
    candidate, safety = safety_split(train, 0.4, seed=11)
    again, _ = safety_split(train, 0.4, seed=11)
    assert (candidate.n_rows, safety.n_rows) == (601, 400)
    assert np.array_equal(candidate.X, again.X)
    rows = {tuple(r) for r in np.column_stack([train.X, train.y])}
    parts = np.vstack([np.column_stack([candidate.X, candidate.y]),
                       np.column_stack([safety.X, safety.y])])
    assert {tuple(r) for r in parts} == rows and parts.shape[0] == train.n_rows
    other, _ = safety_split(train, 0.4, seed=12)
    assert not np.array_equal(candidate.X, other.X)


def test_the_programs_own_hard_lowering_is_the_default_fit(population):
    prog = program(REQUIREMENT)
    assert prog.backend == "cvxpy"
    fit, certificate = certified_fit(prog, draw(population, 20_000, seed=8))
    assert fit.backend == "cvxpy" and certificate.passed
    (report,) = fit.terms
    tightened = certificate.requirements[0].candidate_bound
    assert report.status == "enforced" and f"<= {tightened}" in report.detail
