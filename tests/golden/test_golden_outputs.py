"""Golden files: the exact text fairspec prints for broken policies and for `compile --explain`.

    errors/NAME.fair → errors/NAME.txt   what `fairspec check tests/golden/errors/NAME.fair` prints
                                         (stdout and stderr, run from the repository root)
    explain/adult.txt                    `fairspec compile --explain specs/adult.fair`, with the
                                         checkout path, the policy's sha256 and the lowering of each
                                         enforced requirement (which follows the installed backends)
                                         replaced by placeholders

A golden test never rewrites a file on its own: a difference fails the test. After a change to the
messages that you mean, regenerate the files and review the diff before committing:

    FAIRSPEC_UPDATE_GOLDEN=1 .venv/bin/pytest tests/golden

Independently of the golden text, every rendered diagnostic is checked for its shape: the
`FILE:LINE:COL: severity: message` head, the source line it names, a caret under the column, a hint.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from fairspec.cli import main

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
ERROR_CASES = sorted((HERE / "errors").glob("*.fair"))
UPDATE = os.environ.get("FAIRSPEC_UPDATE_GOLDEN") == "1"

HEAD = re.compile(r"^(?P<path>[^\s:]+):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning): (?P<message>.+)$")


def run_cli(*args: str) -> tuple[int, str]:
    """Exit code and combined output of `fairspec ARGS`, run in-process from the repository root."""
    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        result = CliRunner().invoke(main, list(args))
    finally:
        os.chdir(cwd)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def compare_with_golden(actual: str, golden: Path) -> None:
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
        return
    assert golden.is_file(), f"no golden file {golden}; create it with FAIRSPEC_UPDATE_GOLDEN=1"
    expected = golden.read_text(encoding="utf-8")
    assert actual == expected, f"output differs from {golden.relative_to(REPO)} (FAIRSPEC_UPDATE_GOLDEN=1 rewrites it)"


@pytest.mark.parametrize("case", ERROR_CASES, ids=lambda p: p.stem)
def test_check_output_matches_golden(case: Path):
    code, output = run_cli("check", str(case.relative_to(REPO)))
    compare_with_golden(output, case.with_suffix(".txt"))
    assert code == (2 if re.search(r"^\S+:\d+:\d+: error: ", output, re.MULTILINE) else 0)


@pytest.mark.parametrize("case", ERROR_CASES, ids=lambda p: p.stem)
def test_every_diagnostic_has_location_source_line_caret_and_hint(case: Path):
    _, output = run_cli("check", str(case.relative_to(REPO)))
    source = case.read_text(encoding="utf-8").split("\n")
    lines = output.split("\n")
    heads = [i for i, line in enumerate(lines) if HEAD.match(line)]
    assert heads, output
    for i in heads:
        head = HEAD.match(lines[i])
        line_no, col = int(head["line"]), int(head["col"])
        assert head["path"] == str(case.relative_to(REPO))
        assert lines[i + 1] == f"{line_no:>5} | {source[line_no - 1]}"
        caret = lines[i + 2]
        assert caret.startswith("      | ")
        underline = caret[len("      | "):]
        assert underline.index("^") == col - 1 and set(underline.strip()) == {"^"}
        token = source[line_no - 1][col - 1:col - 1 + len(underline.strip())]
        assert token.strip(), "the caret is under text, not blank space"
        assert lines[i + 3].startswith("  hint: ") and len(lines[i + 3]) > len("  hint: ")
    assert "Traceback" not in output


def test_several_errors_are_reported_together():
    _, output = run_cli("check", "tests/golden/errors/many_errors.fair")
    lines = [int(m["line"]) for m in map(HEAD.match, output.split("\n")) if m]
    assert lines == [7, 10, 12, 14]
    assert output.rstrip().endswith("4 errors in tests/golden/errors/many_errors.fair")


def test_a_warning_only_policy_passes_and_prints_the_warning():
    code, output = run_cli("check", "tests/golden/errors/warning_impossible_pair.fair")
    assert code == 0
    assert ": warning: equalized_odds(sex) and predictive_parity(sex) cannot both hold" in output
    assert "ok (2 requirements, 1 warning)" in output


def normalise_explain(text: str) -> str:
    """Replace what depends on the machine, the policy bytes and the installed backends."""
    text = text.replace(str(REPO), "<REPO>")
    text = re.sub(r"sha256 [0-9a-f]{12}\)", "sha256 <SHA>)", text)
    return re.sub(r"^  lowering  (?!none — measured and reported, not enforced$).*(\n {12}\S.*)?$",
                  "  lowering  <LOWERING>", text, flags=re.MULTILINE)


def test_explain_of_the_adult_policy_matches_golden():
    code, output = run_cli("compile", "--explain", "specs/adult.fair")
    assert code == 0
    compare_with_golden(normalise_explain(output), HERE / "explain" / "adult.txt")
