"""How a diagnostic renders: `FILE:LINE:COL: severity: message`, the source line, a caret, the hint."""

from __future__ import annotations

import pytest

from fairspec.language import PolicyError, check_text
from fairspec.language.ast import Span
from fairspec.language.diagnostics import did_you_mean, error, warning

SOURCE = "policy p {\n  dataset adult\n  model logistc { l2 = 1 }\n}\n"


def test_render_points_a_caret_under_the_token():
    diagnostic = error("unknown model 'logistc'", Span(line=3, column=9, end_line=3, end_column=16),
                       hint="did you mean 'logistic'?")
    assert diagnostic.render(SOURCE, "x.fair").split("\n") == [
        "x.fair:3:9: error: unknown model 'logistc'",
        "    3 |   model logistc { l2 = 1 }",
        "      |         ^^^^^^^",
        "  hint: did you mean 'logistic'?",
    ]


def test_a_span_over_several_lines_underlines_to_the_end_of_its_first_line():
    diagnostic = warning("w", Span(line=3, column=17, end_line=4, end_column=2))
    assert diagnostic.render(SOURCE, "x.fair").split("\n")[1:] == [
        "    3 |   model logistc { l2 = 1 }",
        "      |                 ^^^^^^^^^^",
    ]


def test_a_diagnostic_without_a_span_names_the_file_only():
    assert error("no data", None, hint="add one").render(SOURCE, "x.fair") == "x.fair: error: no data\n  hint: add one"


def test_policy_error_renders_every_diagnostic_and_counts_the_errors():
    one = error("first", Span(line=2, column=3, end_line=2, end_column=10))
    two = warning("second", Span(line=3, column=3, end_line=3, end_column=8))
    exc = PolicyError([one, two], SOURCE, "x.fair")
    rendered = exc.render()
    assert rendered.index("x.fair:2:3: error: first") < rendered.index("x.fair:3:3: warning: second")
    assert rendered.endswith("\n1 error in x.fair")
    assert exc.exit_code == 2 and exc.message == "first"


@pytest.mark.parametrize("word, choices, expected", [
    ("demografic_parity", ["demographic_parity", "disparate_impact"], "did you mean 'demographic_parity'?"),
    ("zzz", ["b", "a"], "expected one of: a, b"),
    ("zzz", [], None),
    ("zzz", ["a"], "expected one of: a"),
])
def test_did_you_mean(word, choices, expected):
    assert did_you_mean(word, choices) == expected


def test_did_you_mean_lists_at_most_twelve_choices():
    choices = [f"choice{i:02d}" for i in range(20)]
    assert did_you_mean("zzz", choices).endswith("choice11, ...")


def _rendered_error(text: str) -> list[str]:
    with pytest.raises(PolicyError) as caught:
        check_text(text, "x.fair")
    return caught.value.render().split("\n")


@pytest.mark.parametrize("odd_break", ["\x0c", "\u2028"])
def test_the_source_line_shown_is_the_line_of_the_error(odd_break: str):
    text = f"policy p {{\n  # page{odd_break}break\n  dataset adult\n  target income == \">50K\"\n  model logistc\n}}\n"
    assert _rendered_error(text)[1] == "    5 |   model logistc"


def test_the_caret_stays_under_the_token_after_a_tab():
    text = "policy p {\n\tdataset adult\n\ttarget income == \">50K\"\n\tmodel logistc\n}\n"
    source_line, caret_line = (line.expandtabs() for line in _rendered_error(text)[1:3])
    assert caret_line.index("^") == source_line.index("logistc")
