"""Mutation fuzzing: broken variants of real policies fail with located `FairspecError`s, never a crash.

Each example takes a valid policy (specs/*.fair and full_policy.fair) and applies one to four random
mutations at the level of characters (delete, insert, duplicate, swap, truncate) or tokens (delete,
duplicate, swap, replace by a keyword or metric name). Whatever comes out, `check_text` and
`compile_policy` either succeed or raise a `FairspecError`; every error points inside the text and
renders; and a mutant that checks formats to text that checks again, with the same meaning.

Characters that `str.splitlines` treats as line breaks but the grammar does not (form feed, U+2028...)
are left out here: test_lang_diagnostics.py tests them on their own.
"""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from fairspec.compiler import compile_policy
from fairspec.errors import FairspecError
from fairspec.language import PolicyError, check_text
from fairspec.language.diagnostics import Diagnostic
from fairspec.language.formatter import format_policy
from fairspec.language.vocabulary import MODE_OPTIONS, MODEL_FAMILIES
from fairspec.metrics.catalog import METRICS
from policy_strategies import KEYWORDS, property_settings

HERE = Path(__file__).resolve().parent
SEED_FILES = sorted((HERE.parents[1] / "specs").glob("*.fair")) + [HERE / "full_policy.fair"]
SEED_TEXTS = [path.read_text(encoding="utf-8") for path in SEED_FILES]
PATH = "mutant.fair"

# Line breaks for str.splitlines but not for Lark (which counts only "\n").
SPLITLINES_ONLY = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*|[A-Za-z_][A-Za-z0-9_]*|[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\s+|.',
                   re.DOTALL)
VOCABULARY = sorted({*METRICS, *MODEL_FAMILIES, *(o for opts in MODE_OPTIONS.values() for o in opts),
                     "sex", "race", "age", "sex_race", "adversarial", "weight"})
WORDS = sorted({*KEYWORDS, *VOCABULARY, "vs", "overall", "vs overall"})
SYNTAX_CHARACTERS = list('{}[]()":=,*<>!#-+.\'\\\n\t 0123456789eE')

inserted_text = st.one_of(
    st.sampled_from(SYNTAX_CHARACTERS),
    st.characters(exclude_categories=("Cs",), exclude_characters=SPLITLINES_ONLY),
    st.sampled_from(WORDS),
)


@st.composite
def character_mutation(draw, text: str) -> str:
    op = draw(st.sampled_from(["delete", "insert", "duplicate", "swap", "truncate"]))
    i = draw(st.integers(0, len(text)))
    j = draw(st.integers(0, len(text)))
    lo, hi = min(i, j), max(i, j)
    if op == "delete":
        return text[:lo] + text[lo + max(1, min(hi - lo, 12)):]
    if op == "insert":
        return text[:i] + draw(inserted_text) + text[i:]
    if op == "duplicate":
        return text[:hi] + text[lo:hi][:40] + text[hi:]
    if op == "swap" and lo < hi < len(text):
        return text[:lo] + text[hi] + text[lo + 1:hi] + text[lo] + text[hi + 1:]
    return text[:i]


# No overflowing literal such as 1e999 yet: test_lang_formatter.py holds that known fmt bug.
NUMBERS = ["0", "-0", "1", "0.5", "-0.5", "1.5", "2", "100", "1e-9", ".5", "3."]


def same_kind_token(token: str) -> st.SearchStrategy[str]:
    """A replacement that keeps the token's kind, so the mutant often still parses and reaches the checker."""
    if re.fullmatch(r"[A-Za-z_]\w*", token):
        return st.one_of(st.sampled_from(VOCABULARY), st.sampled_from(KEYWORDS),
                         st.from_regex(r"[a-z_][a-z0-9_]{0,6}", fullmatch=True))
    if token.startswith('"'):
        return st.sampled_from(['""', '"x"', '"Female"', '">50K"', '"a.csv"', '"\\n"'])
    if re.fullmatch(r"[-+]?\d.*", token):
        return st.sampled_from(NUMBERS)
    return st.sampled_from(SYNTAX_CHARACTERS)


@st.composite
def token_mutation(draw, text: str) -> str:
    tokens = TOKEN.findall(text)
    solid = [k for k, tok in enumerate(tokens) if not tok.isspace()]
    op = draw(st.sampled_from(["delete", "duplicate", "swap", "replace", "replace", "replace", "insert"]))
    k = draw(st.sampled_from(solid))
    if op == "delete":
        del tokens[k]
    elif op == "duplicate":
        tokens.insert(k, tokens[k] + " ")
    elif op == "swap":
        m = draw(st.sampled_from(solid))
        tokens[k], tokens[m] = tokens[m], tokens[k]
    elif op == "replace":
        tokens[k] = draw(same_kind_token(tokens[k]))
    else:
        tokens.insert(k, " " + draw(st.sampled_from(WORDS + ["{", "}", ":", "(", ")", "0.5", '"x"'])) + " ")
    return "".join(tokens)


@st.composite
def mutants(draw, mutation, most: int) -> str:
    text = draw(st.sampled_from(SEED_TEXTS))
    for _ in range(draw(st.integers(1, most))):
        if not text:
            break
        text = draw(mutation(text))
    return text


def assert_located(diagnostic: Diagnostic, text: str) -> None:
    """The diagnostic's span lies inside the text, by offsets and by (line, column)."""
    span = diagnostic.span
    assert span is not None, diagnostic
    lines = text.split("\n")
    assert 0 <= span.start <= span.end <= len(text), diagnostic
    assert 1 <= span.line <= len(lines), diagnostic
    assert 1 <= span.column <= len(lines[span.line - 1]) + 1, diagnostic


def assert_clean_error(exc: FairspecError, text: str) -> None:
    rendered = exc.render()
    if isinstance(exc, PolicyError):
        assert exc.errors, "a PolicyError holds at least one error"
        for diagnostic in exc.errors:
            assert_located(diagnostic, text)
            assert f"{PATH}:{diagnostic.span.line}:{diagnostic.span.column}: error: " in rendered
    assert "Traceback" not in rendered


def check_mutant(text: str) -> None:
    """check → compile → fmt → check; each step succeeds or fails with a clean, located FairspecError."""
    try:
        policy, warnings = check_text(text, PATH)
    except FairspecError as exc:
        assert_clean_error(exc, text)
        return
    for warning in warnings:
        assert_located(warning, text)
        warning.render(text, PATH)
    try:
        compile_policy(policy)
    except FairspecError as exc:
        assert_clean_error(exc, text)
    formatted = format_policy(policy)
    assert check_text(formatted, "formatted.fair")[0].meaning() == policy.meaning()


@property_settings(1200)
@given(mutants(character_mutation, most=4))
def test_character_mutants_fail_cleanly(text: str):
    check_mutant(text)


@property_settings(1000)
@given(mutants(token_mutation, most=2))
def test_token_mutants_fail_cleanly(text: str):
    check_mutant(text)


def test_the_seeds_themselves_check():
    """The fuzzer starts from valid policies (else it would only test error paths)."""
    for text in SEED_TEXTS:
        check_text(text, PATH)
