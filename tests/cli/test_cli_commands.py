"""The `fairspec` command: exit codes, output shapes and files written, for check, fmt, compile, schema, train.

Most tests call the click group in-process (click's CliRunner); two run the installed entry points in a
subprocess to check what a shell sees: the exit status and that no traceback is printed. One test trains
(on the small German credit data) and verifies the audit ledger it wrote.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from fairspec.cli import main
from fairspec.language import load_policy

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((REPO / "specs").glob("*.fair"))
LOCATED = re.compile(r"^\S+\.fair:\d+:\d+: error: ", re.MULTILINE)

BROKEN = {
    "typo": ("demografic_parity(sex) <= 0.02 hard", "did you mean 'demographic_parity'?"),
    "undefined": ("demographic_parity(gender) <= 0.02 hard", "hint: expected one of: sex"),
    "unclosed": ("demographic_parity(sex) <= 0.02 hard\n}", "hint: add a matching '}'"),
}


def policy_text(requirement: str = "demographic_parity(sex) <= 0.02 hard") -> str:
    return ('policy p {\n  dataset adult\n  target income == ">50K"\n  protected sex = column sex\n'
            f'  model logistic\n  require r:\n    {requirement}\n}}\n')


def write_broken(tmp_path: Path, kind: str) -> Path:
    requirement, _ = BROKEN[kind]
    text = policy_text(requirement)
    if kind == "unclosed":
        text = text.replace("\n}\n}\n", "\n")
    path = tmp_path / f"{kind}.fair"
    path.write_text(text, encoding="utf-8")
    return path


def invoke(*args: str, cwd: Path = REPO):
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, [str(a) for a in args])
    finally:
        os.chdir(previous)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


# ---- through a real process --------------------------------------------------------------------

def test_console_script_checks_the_examples():
    script = Path(sys.executable).with_name("fairspec")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "fairspec.cli"]
    done = subprocess.run(command + ["check", *map(str, EXAMPLES)], cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count(": ok (") == len(EXAMPLES)


def test_module_entry_point_exits_2_on_a_broken_policy_without_a_traceback(tmp_path: Path):
    broken = [write_broken(tmp_path, kind) for kind in BROKEN]
    done = subprocess.run([sys.executable, "-m", "fairspec.cli", "check", *map(str, broken)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr + done.stdout
    assert len(LOCATED.findall(done.stderr)) == len(BROKEN)
    for _, hint in BROKEN.values():
        assert hint in done.stderr


# ---- check ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_check_reports_a_located_error_with_caret_and_hint(tmp_path: Path, kind: str):
    path = write_broken(tmp_path, kind)
    result = invoke("check", path.name, cwd=tmp_path)
    assert result.exit_code == 2
    assert LOCATED.search(result.output)
    assert re.search(r"^\s+\| +\^+$", result.output, re.MULTILINE)
    assert BROKEN[kind][1] in result.output
    assert "Traceback" not in result.output and "internal error" not in result.output


def test_check_goes_on_after_a_broken_file(tmp_path: Path):
    good = tmp_path / "good.fair"
    good.write_text(policy_text(), encoding="utf-8")
    result = invoke("check", write_broken(tmp_path, "typo").name, good.name, cwd=tmp_path)
    assert result.exit_code == 2
    assert "good.fair: ok (1 requirement)" in result.output


def test_check_of_a_missing_file_is_a_clean_error(tmp_path: Path):
    result = invoke("check", "nowhere.fair", cwd=tmp_path)
    assert result.exit_code == 2
    assert "no policy file at nowhere.fair" in result.output and "Traceback" not in result.output


# ---- fmt -----------------------------------------------------------------------------------------

def test_fmt_check_accepts_the_examples_and_changes_nothing():
    before = {path: path.read_bytes() for path in EXAMPLES}
    result = invoke("fmt", "--check", *EXAMPLES)
    assert result.exit_code == 0, result.output
    assert {path: path.read_bytes() for path in EXAMPLES} == before


def test_fmt_rewrites_an_unformatted_copy_once(tmp_path: Path):
    copy = tmp_path / "adult.fair"
    messy = re.sub(r"\n\s*\n", "\n", (REPO / "specs" / "adult.fair").read_text(encoding="utf-8"))
    copy.write_text(messy.replace("  ", "\t"), encoding="utf-8")
    original = copy.read_text(encoding="utf-8")

    checked = invoke("fmt", "--check", copy.name, cwd=tmp_path)
    assert checked.exit_code == 1 and "would reformat" in checked.output
    assert copy.read_text(encoding="utf-8") == original

    first = invoke("fmt", copy.name, cwd=tmp_path)
    assert first.exit_code == 0 and "formatted" in first.output
    formatted = copy.read_text(encoding="utf-8")
    assert formatted != original
    assert load_policy(copy).meaning() == load_policy(REPO / "specs" / "adult.fair").meaning()

    second = invoke("fmt", copy.name, cwd=tmp_path)
    assert second.exit_code == 0 and second.output == ""
    assert copy.read_text(encoding="utf-8") == formatted
    assert invoke("fmt", "--check", copy.name, cwd=tmp_path).exit_code == 0


def test_fmt_leaves_a_broken_file_alone(tmp_path: Path):
    path = write_broken(tmp_path, "typo")
    before = path.read_text(encoding="utf-8")
    result = invoke("fmt", path.name, cwd=tmp_path)
    assert result.exit_code == 2 and LOCATED.search(result.output)
    assert path.read_text(encoding="utf-8") == before


# ---- compile -------------------------------------------------------------------------------------

REQUIREMENT_KEYS = {"id", "title", "line", "metric", "attribute", "attribute_kind", "reference", "operator", "bound",
                    "mode", "weight", "options", "expression", "lowering", "note"}


def test_compile_json_has_the_documented_keys():
    result = invoke("compile", "--json", "specs/adult.fair")
    assert result.exit_code == 0
    document = json.loads(result.output)
    assert set(document) == {"policy", "task", "model", "backend", "seed", "requirements", "objectives", "audit",
                             "passes"}
    assert set(document["policy"]) == {"name", "path", "sha256"}
    assert set(document["model"]) == {"family", "estimator", "params"}
    assert set(document["backend"]) == {"name", "reason"}
    policy = load_policy(REPO / "specs" / "adult.fair")
    assert document["policy"]["name"] == policy.name and document["policy"]["sha256"] == policy.origin.sha256
    assert [r["id"] for r in document["requirements"]] == [r.id for r in policy.requirements]
    assert [r["line"] for r in document["requirements"]] == [r.span.line for r in policy.requirements]
    for requirement in document["requirements"]:
        assert set(requirement) == REQUIREMENT_KEYS
        assert requirement["lowering"] is None or set(requirement["lowering"]) == {"backend", "method", "description"}


def test_compile_seed_option_overrides_the_policy_seed():
    assert json.loads(invoke("compile", "--json", "specs/adult.fair").output)["seed"] == \
        load_policy(REPO / "specs" / "adult.fair").seed
    assert json.loads(invoke("compile", "--json", "--seed", "123", "specs/adult.fair").output)["seed"] == 123


def test_compile_of_a_broken_policy_exits_2(tmp_path: Path):
    result = invoke("compile", "--explain", write_broken(tmp_path, "undefined").name, cwd=tmp_path)
    assert result.exit_code == 2 and LOCATED.search(result.output)


# ---- schema --------------------------------------------------------------------------------------

def test_schema_is_a_json_schema_that_accepts_the_examples_and_rejects_a_broken_one():
    result = invoke("schema")
    assert result.exit_code == 0
    schema = json.loads(result.output)
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    for path in EXAMPLES:
        document = load_policy(path).model_dump(mode="json")
        assert list(validator.iter_errors(document)) == [], path
    document = load_policy(REPO / "specs" / "adult.fair").model_dump(mode="json")
    document["requirements"][0]["bound"] = "tight"
    del document["name"]
    assert len(list(validator.iter_errors(document))) == 2


# ---- train and audit (trains once: seconds) ----------------------------------------------------------

TRAIN_REQUIREMENT_KEYS = {"id", "metric", "attribute", "mode", "bound", "train", "holdout", "holdout_ci", "holds"}


def test_train_json_then_audit_verify_then_tamper(tmp_path: Path):
    policy_file = tmp_path / "german.fair"
    shutil.copy(REPO / "specs" / "german.fair", policy_file)
    result = invoke("train", policy_file.name, "--json", "--out", "runs", "--resamples", "50", cwd=tmp_path)
    assert result.exit_code in (0, 1), result.output
    document = json.loads(result.output)
    policy = load_policy(policy_file)
    assert document["policy"]["name"] == policy.name and document["policy"]["sha256"] == policy.origin.sha256
    assert {"accuracy", "log_loss", "auc", "selection_rate", "n"} <= set(document["performance"]["holdout"])
    assert [r["id"] for r in document["requirements"]] == [r.id for r in policy.requirements]
    assert all(TRAIN_REQUIREMENT_KEYS <= set(r) for r in document["requirements"])
    hard_hold = all(r["holds"] for r in document["requirements"] if r["mode"] == "hard")
    assert result.exit_code == (0 if hard_hold else 1)

    ledger = tmp_path / policy.audit
    verified = invoke("audit", "verify", str(ledger), cwd=tmp_path)
    assert verified.exit_code == 0 and "1 records, chain intact" in verified.output
    shown = invoke("audit", "show", str(ledger), cwd=tmp_path)       # not a terminal: cells whole
    assert shown.exit_code == 0 and document["run_id"] in shown.output and "…" not in shown.output
    performance = document["performance"]
    for measure in ("accuracy", "log_loss", "auc"):
        pair = f"{performance['train'][measure]:.4f} / {performance['holdout'][measure]:.4f}"
        assert pair in shown.output, measure
    ledger.write_text(ledger.read_text(encoding="utf-8").replace(policy.name, policy.name + "_edited"),
                      encoding="utf-8")
    tampered = invoke("audit", "verify", str(ledger), cwd=tmp_path)
    assert tampered.exit_code == 4 and "Traceback" not in tampered.output


def test_infeasible_hard_requirements_exit_3_naming_the_conflict_in_text_and_json(tmp_path: Path):
    """German credit's sex × age cells admit no threshold with exactly equal selection rates, so
    `<= 0` cannot hold there, while a loose bound on sex is a bystander: exit 3, the conflict named
    on stderr with a hint, and with --json the same diagnosis on stdout as one JSON object."""
    text = (REPO / "specs" / "german.fair").read_text(encoding="utf-8")
    start = text.index("  require young_approval")
    text = text[:start] + (
        "  require loose:\n    demographic_parity(sex) <= 0.2 hard\n"
        "  require exact:\n    demographic_parity(sex_age) <= 0 hard\n"
        '  audit "audit/german.jsonl"\n}\n')
    policy_file = tmp_path / "infeasible.fair"
    policy_file.write_text(text, encoding="utf-8")
    cmd = [sys.executable, "-m", "fairspec.cli", "train", policy_file.name, "--out", "runs"]
    done = subprocess.run(cmd + ["--json"], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 3 and "Traceback" not in done.stderr
    assert "exact (bound 0, best reached" in done.stderr and "loose" not in done.stderr
    error = json.loads(done.stdout)["error"]
    assert error["type"] == "InfeasibleError" and error["exit_code"] == 3
    assert [c["id"] for c in error["conflicts"]] == ["exact"]
    assert error["conflicts"][0]["best_value"] > 0 and "exactly equal rates" in error["hint"]
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


# ---- output is printed as text, never interpreted -------------------------------------------------

def test_check_prints_paths_verbatim(tmp_path: Path):
    folder = tmp_path / "a[red]" / "b[/red]"
    folder.mkdir(parents=True)
    (folder / "p.fair").write_text(policy_text(), encoding="utf-8")
    result = invoke("check", "a[red]/b[/red]/p.fair", cwd=tmp_path)
    assert result.exit_code == 0 and "a[red]/b[/red]/p.fair: ok" in result.output


def test_fmt_prints_paths_verbatim(tmp_path: Path):
    folder = tmp_path / "x[" / "red]"
    folder.mkdir(parents=True)
    (folder / "p.fair").write_text(policy_text() + "\n\n", encoding="utf-8")
    result = invoke("fmt", "x[/red]/p.fair", cwd=tmp_path)
    assert result.exit_code == 0 and "x[/red]/p.fair: formatted" in result.output


def test_error_output_shows_the_source_line_as_written(tmp_path: Path):
    path = tmp_path / "p.fair"
    path.write_text(policy_text('demographic_parity(sex) <= 0.02 hard because ":thumbs_up:" extra'),
                    encoding="utf-8")
    result = invoke("check", path.name, cwd=tmp_path)
    assert result.exit_code == 2
    assert '    demographic_parity(sex) <= 0.02 hard because ":thumbs_up:" extra' in result.output
