"""Every diagnostic code of the parser, checker and compiler: which input raises it, and where the caret goes.

Each case is a policy with the offending token wrapped in «»; the test removes the markers and expects
exactly one diagnostic of the given severity, with that code, whose span starts at the marker and is
as wide as the marked text.
"""

from __future__ import annotations

import pytest

from fairspec.compiler import compile_policy
from fairspec.language import PolicyError, check_text
from fairspec.language.ast import Span

HEAD = ['policy p {', '  dataset adult', '  target income == ">50K"', '  protected sex = column sex',
        '  protected race = column race']


def policy(*body: str, model: str = "  model logistic", head: list[str] | None = None) -> str:
    lines = (HEAD if head is None else head) + ([model] if model else []) + list(body) + ["}"]
    return "\n".join(lines) + "\n"


def req(line: str, rid: str = "r") -> tuple[str, str]:
    return (f"  require {rid}:", f"    {line}")


def unmark(marked: str) -> tuple[str, Span]:
    """The text without «», and the span the markers enclosed (1-based line and column)."""
    start = marked.index("«")
    end = marked.index("»") - 1
    text = marked.replace("«", "").replace("»", "")
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    return text, Span(line=line, column=column, end_line=line, end_column=column + (end - start))


ERROR_CASES = {
    # parser
    "syntax": policy(*req("demographic_parity(sex) «:» 0.1 hard")),
    "unclosed-block": policy(model="  model logistic «{» l2 = 0.1").replace("\n}\n", "\n"),
    "duplicate-statement": policy("  «dataset german»"),
    # data
    "missing-data": policy(head=["policy «p» {", '  target income == ">50K"', "  protected sex = column sex"]),
    "missing-target": policy(head=["policy «p» {", "  dataset adult", "  protected sex = column sex"]),
    "missing-model": policy(model="", head=["policy «p» {", "  dataset adult", '  target income == ">50K"']),
    "unknown-dataset": policy(head=["policy p {", "  dataset «adlt»", '  target income == ">50K"']),
    "data-format": policy(head=["policy p {", '  data «"loans.xlsx"»', '  target income == ">50K"']),
    "no-test-split": policy(head=["policy p {", "  dataset german", '  target credit == 1', "  «holdout test»"]),
    "unknown-word": policy("  missing «ignore»"),
    # names
    "duplicate-name": policy("  group «sex» = race == \"White\""),
    "undefined-name": policy(*req("demographic_parity(«gender») <= 0.1 hard")),
    "intersection": policy("  intersect sr = sex * race * «sex»"),
    "bins": policy("  protected age = column age bins «[45, 25]»"),
    "merge": policy("  protected age = column age merge «[]» as \"x\""),
    # model
    "unknown-model": policy(model="  model «logistc»"),
    "sklearn-estimator": policy(model="  model «sklearn»"),
    "unknown-parameter": policy(model="  model logistic { «hiden» = 3 }"),
    "parameter-value": policy(model="  model mlp { hidden = «[64, -1]» }"),
    # requirements
    "unknown-metric": policy(*req("«demografic_parity»(sex) <= 0.1 hard")),
    "metric-task": policy(*req("«demographic_parity»(sex) <= 0.1 hard"),
                          head=HEAD[:2] + ["  target income"] + HEAD[3:]),
    "missing-mode": policy(*req("«demographic_parity(sex)» <= 0.1")),
    "mode-not-allowed": policy(*req("predictive_parity(sex) <= 0.1 «hard»")),
    "not-a-group-metric": policy(*req("«accuracy»(sex) >= 0.8 monitor")),
    "vs-overall": policy(*req("bounded_group_loss(sex) «vs overall» <= 0.5 monitor")),
    "missing-bound": policy(*req("«demographic_parity(sex)» hard")),
    "operator": policy(*req("demographic_parity(sex) «<» 0.1 hard")),
    "direction": policy(*req("disparate_impact(race) «<=» 0.8 hard")),
    "bound-range": policy(*req("disparate_impact(race) >= «1.2» hard")),
    "weight-on-hard": policy(*req("demographic_parity(sex) <= 0.1 hard «weight» 2")),
    "two-modes": policy(*req("demographic_parity(sex) <= 0.1 hard «soft»")),
    "unknown-option": policy(*req("demographic_parity(sex) <= 0.1 soft weight 1 «wieght» 2")),
    "option-value": policy(*req("demographic_parity(sex) <= 0.1 soft weight «-1»")),
    "missing-option": policy(*req("demographic_parity(sex) <= 0.1 «soft»")),
    # objectives
    "empty-objective": policy("  objective «t»:", "    method weighted_sum"),
    "missing-attribute": policy("  objective t:", "    maximize accuracy", "    minimize «demographic_parity»"),
    "metric-attribute": policy("  objective t:", "    maximize accuracy(«sex»)", "    minimize demographic_parity(sex)"),
    "choose": policy("  objective t:", "    maximize accuracy", "    minimize demographic_parity(sex)",
                     "    choose max «auc»"),
}

# Codes whose message stands without a hint (none: every error says what to do about it).
NO_HINT: set[str] = set()

WARNING_CASES = {
    "impossible-pair": policy(*req("equalized_odds(sex) <= 0.05 hard", "odds"),
                              *req("predictive_parity(sex) <= 0.1 soft weight 1", "«ppv»")),
    "zero-bound": policy(*req("demographic_parity(sex) <= «0» hard")),
}


def diagnostics_of(text: str):
    try:
        _, warnings = check_text(text, "case.fair")
    except PolicyError as exc:
        return exc.diagnostics
    return warnings


@pytest.mark.parametrize("code", sorted(ERROR_CASES))
def test_error_code_and_position(code: str):
    text, span = unmark(ERROR_CASES[code])
    with pytest.raises(PolicyError) as caught:
        check_text(text, "case.fair")
    found = [(d.code, d.span.line, d.span.column, d.span.end_column) for d in caught.value.errors]
    assert found == [(code, span.line, span.column, span.end_column)]
    assert bool(caught.value.errors[0].hint) == (code not in NO_HINT)


@pytest.mark.parametrize("code", sorted(WARNING_CASES))
def test_warning_code_and_position(code: str):
    text, span = unmark(WARNING_CASES[code])
    _, warnings = check_text(text, "case.fair")
    assert [(w.code, w.span.line, w.span.column, w.span.end_column) for w in warnings] == \
        [(code, span.line, span.column, span.end_column)]


def test_compiler_rejects_a_mode_the_model_cannot_take():
    text, span = unmark(policy(*req("«adversarial»(race) weight 0.5"), model="  model linear_svm"))
    policy_, _ = check_text(text, "case.fair")
    with pytest.raises(PolicyError) as caught:
        compile_policy(policy_)
    assert [(d.code, d.span.line, d.span.column) for d in caught.value.errors] == \
        [("mode-not-allowed", span.line, span.column)]


def test_all_errors_of_a_file_are_reported_together_in_source_order():
    text = policy(*req("demografic_parity(sex) <= 0.1 hard", "a"), *req("disparate_impact(colour) >= 0.8 hard", "b"),
                  *req("equal_opportunity(sex) <= 2 monitor", "c"), model="  model logistc")
    with pytest.raises(PolicyError) as caught:
        check_text(text, "case.fair")
    found = [(d.code, d.span.line) for d in caught.value.errors]
    assert found == [("unknown-model", 6), ("unknown-metric", 8), ("undefined-name", 10), ("bound-range", 12)]
    assert caught.value.render().endswith("4 errors in case.fair")


@pytest.mark.parametrize("written, hint", [
    ("demografic_parity(sex) <= 0.1 hard", "did you mean 'demographic_parity'?"),
    ("demographic_parity(rase) <= 0.1 hard", "did you mean 'race'?"),
    ("demographic_parity(gender) <= 0.1 hard", "expected one of: race, sex"),
    ("demographic_parity(sex) <= 0.1 soft weight 1 wieght 2", "did you mean 'weight'?"),
])
def test_hints_name_the_closest_word_or_list_the_choices(written: str, hint: str):
    with pytest.raises(PolicyError) as caught:
        check_text(policy(*req(written)), "case.fair")
    assert caught.value.errors[0].hint == hint


def test_a_keyword_typo_suggests_the_keyword():
    with pytest.raises(PolicyError) as caught:
        check_text(policy("  protectd age = column age"), "case.fair")
    assert caught.value.errors[0].hint == "did you mean 'protected'?"


def test_single_quotes_get_a_double_quote_hint():
    text, span = unmark(policy("  group women = sex == «'»Female'"))
    with pytest.raises(PolicyError) as caught:
        check_text(text, "case.fair")
    error = caught.value.errors[0]
    assert (error.span.line, error.span.column) == (span.line, span.column)
    assert error.hint == "strings are written in double quotes"


# The direction of each metric as docs/language.md states it (not read from the catalog).
DESIGN_DIRECTIONS = {"demographic_parity": "<=", "disparate_impact": ">=", "equal_opportunity": "<=",
                     "equalized_odds": "<=", "fpr_parity": "<=", "fnr_parity": "<=", "error_rate_parity": "<=",
                     "accuracy_parity": "<=", "predictive_parity": "<=", "bounded_group_loss": "<="}


@pytest.mark.parametrize("metric", sorted(DESIGN_DIRECTIONS))
def test_the_wrong_direction_is_an_error_and_the_right_one_is_not(metric: str):
    right = DESIGN_DIRECTIONS[metric]
    wrong = "<=" if right == ">=" else ">="
    check_text(policy(*req(f"{metric}(sex) {right} 0.1 monitor")), "case.fair")
    with pytest.raises(PolicyError) as caught:
        check_text(policy(*req(f"{metric}(sex) {wrong} 0.1 monitor")), "case.fair")
    assert [d.code for d in caught.value.errors] == ["direction"]
    assert caught.value.errors[0].hint == f"{metric}(sex) {right} 0.1"
