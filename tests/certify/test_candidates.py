"""Candidate selection: candidate rows only, the ladder of bounds, and the threshold scan."""

from __future__ import annotations

import pytest

from fairspec.certify import certified_fit
from fairspec.certify.candidates import LADDER, ladder_bounds

from .synthetic import draw, group_shift_fit, program


def test_every_fit_sees_the_candidate_rows_only(population):
    seen = []

    def recording(prog, split):
        seen.append((split.name, split.n_rows))
        return group_shift_fit(prog, split)
    prog = program("demographic_parity(grp) <= 0.1 hard confidence 0.9 safety 0.5")
    fit, certificate = certified_fit(prog, draw(population, 6000, seed=21), fit=recording)
    assert seen == [("candidate", 3000)] * len(LADDER)
    ladder = {ladder_bounds(prog, fraction)["r"] for fraction in LADDER}
    assert certificate.requirements[0].candidate_bound in ladder


@pytest.mark.parametrize("requirement, expected", [
    ("demographic_parity(grp) <= 0.1 hard confidence 0.9", [0.1, 0.05, 0.01]),
    ("disparate_impact(grp) >= 0.8 hard confidence 0.9", [0.8, 0.9, 0.98]),
])
def test_the_ladder_tightens_toward_the_fair_end(requirement, expected):
    prog = program(requirement)
    assert [ladder_bounds(prog, f)["r"] for f in LADDER] == pytest.approx(expected)


def test_a_moved_threshold_certifies_where_the_fit_at_the_bound_cannot(population):
    # 5,000 rows, δ 0.05: the fit at 0.05 keeps rates whose exact margin leaves no room; a model
    # selecting fewer rows is certified, and it beats the majority label on the population.
    prog = program("demographic_parity(grp) <= 0.05 hard confidence 0.95")
    fit, certificate = certified_fit(prog, draw(population, 5000, seed=22), fit=group_shift_fit)
    assert certificate.passed
    assert "threshold moved by +" in fit.log[-1]
    accuracy = (fit.model.predict(population.X) == population.y).mean()
    assert accuracy > max(population.y.mean(), 1 - population.y.mean())
