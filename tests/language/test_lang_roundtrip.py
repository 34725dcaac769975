"""Property tests over generated policies: the parser reads what was written, `fmt` keeps the meaning.

The generator (policy_strategies.py) writes each policy with random statement order, layout and
comments, and records what it wrote; the parser must read back exactly that, and the canonical form
must parse to the same meaning, keep every comment and be a fixed point of the formatter.
"""

from __future__ import annotations

from collections import Counter

from hypothesis import given

from fairspec.language import check_text
from fairspec.language.formatter import format_policy
from fairspec.language.vocabulary import MODE_OPTIONS, MODEL_PARAMS
from fairspec.metrics.catalog import METRICS
from policy_strategies import OPTION_VALUES, PARAM_VALUES, Generated, group_metrics, observed, policies, property_settings


@property_settings(100)
@given(policies())
def test_parser_reads_what_the_generator_wrote(generated: Generated):
    policy, _ = check_text(generated.text, "generated.fair")
    assert observed(policy) == generated.expected


@property_settings(100)
@given(policies())
def test_fmt_keeps_meaning_comments_and_warnings_and_is_idempotent(generated: Generated):
    policy, warnings = check_text(generated.text, "generated.fair")
    formatted = format_policy(policy)
    reparsed, warnings_after = check_text(formatted, "formatted.fair")
    assert reparsed.meaning() == policy.meaning()
    assert sorted(w.code for w in warnings_after) == sorted(w.code for w in warnings)
    assert Counter(c.text for c in reparsed.comments) == Counter(c.text for c in policy.comments)
    assert format_policy(reparsed) == formatted



def test_the_generator_covers_the_vocabulary():
    """A parameter, option or metric added to the language is generated too, or this test says so."""
    assert {n for family, params in MODEL_PARAMS.items() for n in params} <= set(PARAM_VALUES)
    assert {n for options in MODE_OPTIONS.values() for n in options} <= set(OPTION_VALUES)
    assert set(group_metrics("binary")) | set(group_metrics("regression")) == \
        {n for n, info in METRICS.items() if info.group_metric}
