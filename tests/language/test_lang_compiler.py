"""The compiler: backend choice by model and modes, the terms handed to the backend, `--explain` text."""

from __future__ import annotations

import json

import pytest
from hypothesis import given

from fairspec.compiler import compile_policy, explain
from fairspec.compiler.passes import FAMILY_MODES
from fairspec.language import PolicyError, check_text
from fairspec.metrics.catalog import METRICS
from policy_strategies import Generated, policies, property_settings


def program_of(model: str, *requirements: str, target: str = 'income == ">50K"', seed: int | None = None):
    body = "\n".join(f"  require r{i}:\n    {line}" for i, line in enumerate(requirements))
    text = (f'policy p {{\n  dataset adult\n  target {target}\n  protected sex = column sex\n'
            f'  protected race = column race\n  intersect sr = sex * race\n  {model}\n{body}\n}}\n')
    return compile_policy(check_text(text, "p.fair")[0], seed=seed)


HARD = "demographic_parity(sex) <= 0.05 hard"
SOFT = "equal_opportunity(race) <= 0.1 soft weight 2"
ADVERSARIAL = "adversarial(sr) weight 0.5"
MONITOR = "predictive_parity(sex) <= 0.1 monitor"


@pytest.mark.parametrize("model, requirements, backend", [
    ("model logistic", [HARD], "cvxpy"),
    ("model logistic", [HARD, MONITOR], "cvxpy"),
    ("model logistic", [MONITOR], "cvxpy"),
    ("model logistic", [HARD, SOFT], "torch"),
    ("model logistic", [ADVERSARIAL], "torch"),
    ("model linear_svm", [HARD], "cvxpy"),
    ("model mlp { hidden = [8] }", [HARD], "torch"),
    ("model mlp", [MONITOR], "torch"),
    ('model sklearn "sklearn.tree.DecisionTreeClassifier"', [HARD], "sklearn"),
    ("model logistic { backend = torch }", [HARD], "torch"),
])
def test_backend_choice(model: str, requirements: list[str], backend: str):
    program = program_of(model, *requirements)
    assert program.backend == backend
    assert program.backend_reason
    assert "backend" not in program.model.params


def test_least_squares_with_a_regression_target_runs_on_cvxpy():
    program = program_of("model least_squares", "bounded_group_loss(sex) <= 0.5 hard", target="hours_per_week")
    assert (program.task, program.backend) == ("regression", "cvxpy")


def test_fit_request_has_one_term_per_requirement():
    program = program_of("model logistic", HARD, "disparate_impact(race) vs overall >= 0.8 hard confidence 0.9",
                         SOFT, ADVERSARIAL + " warmup 3", MONITOR)
    terms = program.fit_request().terms
    assert [t.id for t in terms] == ["r0", "r1", "r2", "r3", "r4"]
    assert [(t.metric, t.partition, t.mode, t.op, t.bound, t.weight) for t in terms] == [
        ("demographic_parity", "sex", "hard", "<=", 0.05, None),
        ("disparate_impact", "race", "hard", ">=", 0.8, None),
        ("equal_opportunity", "race", "soft", "<=", 0.1, 2),
        ("demographic_parity", "sr", "adversarial", None, None, 0.5),
        ("predictive_parity", "sex", "monitor", "<=", 0.1, None),
    ]
    assert [dict(t.options) for t in terms] == [{}, {"confidence": 0.9}, {}, {"warmup": 3}, {}]
    assert [t.family for t in terms] == [METRICS[t.metric].family for t in terms]
    assert terms[1].expression == METRICS["disparate_impact"].expression("overall", "binary")
    assert terms[0].expression == METRICS["demographic_parity"].expression("pairwise", "binary")


def test_seed_comes_from_the_override_then_the_policy():
    assert program_of("model logistic", HARD).fit_request().seed == 0
    assert program_of("model logistic", HARD, seed=5).fit_request().seed == 5
    assert program_of("model logistic", HARD).fit_request(seed=9).seed == 9


def test_lowerings_match_backend_mode_and_metric_family():
    program = program_of("model logistic", HARD, SOFT, ADVERSARIAL, MONITOR)
    for requirement in program.requirements:
        if requirement.mode == "monitor":
            assert requirement.lowering is None and "not enforced" in requirement.lowering_note
        elif requirement.lowering is not None:
            lowering = requirement.lowering
            assert (lowering.backend, lowering.mode, lowering.family) == \
                (program.backend, requirement.mode, METRICS[requirement.metric].family)
        else:
            assert requirement.lowering_note


def test_explain_names_every_requirement_with_its_line_mode_and_lowering():
    program = program_of("model logistic", HARD, SOFT, ADVERSARIAL, MONITOR)
    text = explain(program)
    assert text.startswith("policy p  (p.fair, sha256 ")
    assert f"backend {program.backend}: {program.backend_reason}" in text
    for requirement in program.requirements:
        assert f"require {requirement.id} (line {requirement.line}): {requirement.describe()}  [{requirement.mode}]" \
            in text
    assert text.count("  lowering  ") == len(program.requirements)


@pytest.mark.parametrize("family, mode", [(f, m) for f in FAMILY_MODES for m in ("soft", "adversarial")
                                          if m not in FAMILY_MODES[f]])
def test_a_family_rejects_the_modes_it_cannot_train(family: str, mode: str):
    model = 'model sklearn "sklearn.tree.DecisionTreeClassifier"' if family == "sklearn" else f"model {family}"
    line = {"soft": SOFT, "adversarial": ADVERSARIAL}[mode]
    with pytest.raises(PolicyError) as caught:
        program_of(model, line)
    assert [d.code for d in caught.value.errors] == ["mode-not-allowed"]


@property_settings(40)
@given(policies(modes_for_family=lambda family: FAMILY_MODES[family]))
def test_generated_policies_compile_to_one_term_per_requirement(generated: Generated):
    policy, _ = check_text(generated.text, "generated.fair")
    program = compile_policy(policy)
    assert [t.id for t in program.fit_request().terms] == [r.id for r in policy.requirements]
    text = explain(program)
    assert all(f"require {r.id}" in text for r in policy.requirements)
    document = json.loads(json.dumps(program.to_json()))
    assert [r["id"] for r in document["requirements"]] == [r.id for r in policy.requirements]


def test_mode_not_allowed_message_reads_as_english():
    with pytest.raises(PolicyError) as caught:
        program_of("model linear_svm", ADVERSARIAL)
    assert caught.value.errors[0].message == "model linear_svm cannot take an adversarial requirement"
