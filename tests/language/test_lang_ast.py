"""The typed policy: `meaning()` ignores layout, spans point at tokens, `adversarial(A)` is a shorthand."""

from __future__ import annotations

import hashlib

import pytest

from fairspec.language import PolicyError, check_text

COMPACT = ('policy p { dataset adult target income == ">50K" protected race = column race model logistic '
           'require r: demographic_parity(race) <= 0.1 hard }')
SPREAD = '''# a comment
policy p {
  model logistic      # moved up
  dataset
      adult
  target income == ">50K"
  protected race =
      column race
  require r:
      demographic_parity(race)
      <= 0.1 hard
}
'''


def test_meaning_ignores_layout_order_spans_and_comments():
    compact, _ = check_text(COMPACT)
    spread, _ = check_text(SPREAD)
    assert compact.model.span != spread.model.span
    assert compact.comments == () and len(spread.comments) == 2
    assert compact.meaning() == spread.meaning()


def test_meaning_sees_a_changed_bound():
    changed, _ = check_text(COMPACT.replace("0.1", "0.15"))
    assert changed.meaning() != check_text(COMPACT)[0].meaning()


def test_spans_point_at_tokens():
    policy, _ = check_text(SPREAD)
    requirement = policy.requirements[0]
    assert (requirement.span_of("op").line, requirement.span_of("op").column) == (11, 7)
    assert (requirement.target.span_of("attribute").line, requirement.target.span_of("attribute").column) == (10, 26)
    assert SPREAD[requirement.span.start:requirement.span.end].startswith("require r:")
    assert SPREAD[requirement.span.start:requirement.span.end].endswith("hard")


def _policy(line: str):
    return check_text(COMPACT.replace("demographic_parity(race) <= 0.1 hard", line))[0]


def _requirement(line: str):
    return _policy(line).requirements[0]


def test_adversarial_shorthand_is_demographic_parity_in_adversarial_mode():
    shorthand = _requirement("adversarial(race) weight 0.5 warmup 3")
    spelled = _requirement("demographic_parity(race) adversarial weight 0.5 warmup 3")
    assert shorthand.target.metric == "demographic_parity" and shorthand.mode == "adversarial"
    assert {o.name: o.value for o in shorthand.options} == {"weight": 0.5, "warmup": 3}
    assert _policy("adversarial(race) weight 0.5 warmup 3").meaning() == \
        _policy("demographic_parity(race) adversarial weight 0.5 warmup 3").meaning()
    assert shorthand.span_of("mode") == shorthand.target.span_of("metric")
    assert spelled.mode == "adversarial"


def test_adversarial_shorthand_keeps_a_bound_and_vs_overall():
    requirement = _requirement("adversarial(race) vs overall <= 0.05 weight 1")
    assert (requirement.target.metric, requirement.target.reference, requirement.op, requirement.bound,
            requirement.mode) == ("demographic_parity", "overall", "<=", 0.05, "adversarial")


def test_adversarial_shorthand_needs_its_weight_like_the_long_form():
    text = COMPACT.replace("demographic_parity(race) <= 0.1 hard", "adversarial(race) warmup 3")
    with pytest.raises(PolicyError) as caught:
        check_text(text)
    assert [d.code for d in caught.value.errors] == ["missing-option"]


def test_adversarial_with_an_explicit_mode_is_not_a_shorthand():
    text = COMPACT.replace("demographic_parity(race) <= 0.1 hard", "adversarial(race) soft weight 1")
    with pytest.raises(PolicyError) as caught:
        check_text(text)
    assert [d.code for d in caught.value.errors] == ["unknown-metric"]


def test_origin_records_path_text_and_sha256():
    policy, _ = check_text(SPREAD, "where.fair")
    assert policy.origin.path == "where.fair" and policy.origin.text == SPREAD
    assert policy.origin.sha256 == hashlib.sha256(SPREAD.encode()).hexdigest()
