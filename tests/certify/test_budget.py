"""The union-bound split of δ over certified requirements, and the safety share."""

from __future__ import annotations

import pytest

from fairspec.certify import DEFAULT_SAFETY_FRACTION, delta_split, joint_confidence, safety_fraction
from fairspec.certify.budget import check_certifiable
from fairspec.compiler import compile_policy
from fairspec.errors import FairspecError
from fairspec.language.load import check_text

HEAD = ('policy p "budget" {\n  data "rows.csv"\n  target y == 1\n  protected a = column a\n'
        '  protected b = column b\n  model logistic\n')


def compiled(*requirements: str, target: str = "y == 1"):
    body = "".join(f"  require r{i}:\n    {line}\n" for i, line in enumerate(requirements))
    return compile_policy(check_text(HEAD.replace("y == 1", target) + body + "}\n")[0])


def test_one_certified_requirement_spends_its_whole_delta():
    (share,) = delta_split(compiled("demographic_parity(a) <= 0.05 hard confidence 0.9"))
    assert share.delta == pytest.approx(0.1) and share.share == pytest.approx(0.1)


def test_certified_requirements_split_the_budget_and_uncertified_ones_take_none():
    program = compiled("demographic_parity(a) <= 0.05 hard confidence 0.95",
                       "equal_opportunity(b) <= 0.1 hard confidence 0.99",
                       "demographic_parity(b) <= 0.1 hard",
                       "disparate_impact(a) >= 0.8 monitor")
    shares = delta_split(program)
    assert [s.requirement for s in shares] == ["r0", "r1"]
    assert [s.share for s in shares] == pytest.approx([0.05 / 2, 0.01 / 2])
    # each requirement spends less than its own δ; together they fail with probability ≤ Σ shares
    assert all(s.share <= s.delta for s in shares)
    assert joint_confidence(shares) == pytest.approx(1 - 0.03)
    assert joint_confidence(shares) >= min(s.confidence for s in shares)


def test_safety_share_default_stated_and_conflicting():
    assert safety_fraction(compiled("demographic_parity(a) <= 0.05 hard confidence 0.9")) \
        == DEFAULT_SAFETY_FRACTION
    assert safety_fraction(compiled(
        "demographic_parity(a) <= 0.05 hard confidence 0.9 safety 0.5")) == 0.5
    with pytest.raises(FairspecError, match="different safety shares"):
        safety_fraction(compiled("demographic_parity(a) <= 0.05 hard confidence 0.9 safety 0.5",
                                 "demographic_parity(b) <= 0.05 hard confidence 0.9 safety 0.3"))


def test_a_regression_metric_cannot_be_certified():
    program = compiled("mean_prediction_parity(a) <= 1.0 hard confidence 0.9", target="y")
    with pytest.raises(FairspecError, match="cannot be certified"):
        check_certifiable(program)
