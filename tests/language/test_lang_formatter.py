"""`fairspec fmt`'s canonical form: fixed point on the examples, comments kept where they belong."""

from __future__ import annotations

from pathlib import Path

import pytest

from fairspec.language.diagnostics import PolicyError

from fairspec.language import check_text
from fairspec.language.formatter import format_policy

HERE = Path(__file__).resolve().parent
EXAMPLES = sorted((HERE.parents[1] / "specs").glob("*.fair")) + [HERE / "full_policy.fair"]


def fmt(text: str) -> str:
    return format_policy(check_text(text, "x.fair")[0])


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_are_already_canonical(path: Path):
    text = path.read_text(encoding="utf-8")
    assert fmt(text) == text


MESSY = '''# header comment
policy p "T" {   # after the brace
  require r:   # on the requirement's first line
    # between its lines
    demographic_parity(sex) <= 0.1 hard
  # about the model
  model logistic {
    l2 = 0.5   # inside the params
  }
  protected sex = column sex
  dataset adult target income == ">50K"  # shares a line with two statements
  # before the closing brace
}
'''

CANONICAL = '''# header comment
# after the brace
policy p "T" {
  dataset adult  # shares a line with two statements
  target income == ">50K"

  protected sex = column sex

  # about the model
  model logistic { l2 = 0.5 }  # inside the params

  require r:
  # on the requirement's first line
    demographic_parity(sex) <= 0.1 hard  # between its lines

  # before the closing brace
}
'''


def test_comments_travel_with_their_statements():
    assert fmt(MESSY) == CANONICAL


def test_canonical_form_is_a_fixed_point_and_keeps_the_meaning():
    assert fmt(CANONICAL) == CANONICAL
    assert check_text(CANONICAL)[0].meaning() == check_text(MESSY)[0].meaning()


@pytest.mark.parametrize("written, canonical", [
    ('group women = sex in ["Female"]', 'group women = sex == "Female"'),
    ("intersect sr = sex * race min_support 0 small merge", "intersect sr = sex * race"),
    ("require r: adversarial(sex) weight 0.5", "demographic_parity(sex) adversarial weight 0.5"),
    ('protected age = column "age" bins [25.0, 45]', "protected age = column age bins [25, 45]"),
    ("model mlp { hidden = [64, 32,] dropout = .5 }", "model mlp { hidden = [64, 32], dropout = 0.5 }"),
    ('require r: demographic_parity(sex) <= 5e-2 hard', "demographic_parity(sex) <= 0.05 hard"),
    ('protected x = column "in"', 'protected x = column "in"'),
])
def test_normal_forms(written: str, canonical: str):
    base = ('policy p {\n  dataset adult\n  target income == ">50K"\n  protected sex = column sex\n'
            '  protected race = column race\n  model logistic\n}\n')
    if written.startswith("model"):
        base = base.replace("  model logistic\n", "")
    text = base.replace("}\n", f"  {written}\n}}\n")
    formatted = fmt(text)
    assert canonical in formatted
    assert fmt(formatted) == formatted


def test_fmt_keeps_the_policy_seed_apart_from_the_holdout_seed():
    text = 'policy p {\n  dataset adult\n  target income == ">50K"\n  seed 7\n  holdout 0.3\n  model logistic\n}\n'
    policy, _ = check_text(text)
    assert check_text(format_policy(policy))[0].meaning() == policy.meaning()


def test_an_overflowing_number_is_a_located_error():
    text = ('policy p {\n  dataset adult\n  target income == ">50K"\n  protected age = column age bins [1e999]\n'
            '  model logistic\n}\n')
    with pytest.raises(PolicyError, match="too large") as caught:
        check_text(text)
    assert caught.value.errors[0].span.line == 4


def test_fmt_of_a_crlf_file_writes_plain_newlines():
    text = ('policy p {\r\n  dataset adult  # bundled\r\n  target income == ">50K"\r\n'
            '  model logistic\r\n}\r\n')
    assert "\r" not in fmt(text)
