"""A report is built only on a run that verifies: an edited result file, model file or ledger gets
no report (exit 4); a run without an audit record gets one that says so."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from fairspec.audit.errors import ArtifactTamperedError, LedgerTamperedError
from fairspec.commands.report import report
from fairspec.errors import EXIT_INPUT, EXIT_TAMPERED, FairspecError
from fairspec.report import render_html, render_markdown
from fairspec.report.agreement import check_result_agrees


def edit_json(path, change) -> None:
    content = json.loads(path.read_text(encoding="utf-8"))
    change(content)
    path.write_text(json.dumps(content, indent=2), encoding="utf-8")


@pytest.mark.parametrize("edit", [
    lambda r: r["requirements"][1].__setitem__("holdout", 0.01),
    lambda r: r["requirements"][0].__setitem__("verdict", "fails"),
    lambda r: r["requirements"][2]["groups"]["train"].popitem(),
    lambda r: r["performance"]["holdout"].__setitem__("accuracy", 0.99),
    lambda r: r["requirements"].pop(),
], ids=["holdout value", "verdict", "group dropped", "accuracy", "requirement dropped"])
def test_an_edited_result_file_is_refused(run_copy, edit):
    edit_json(run_copy / "result.json", edit)
    with pytest.raises(ArtifactTamperedError, match="disagrees with the run's audit record"):
        render_markdown(run_copy)


def test_result_and_record_of_a_real_run_agree(german_run):
    check_result_agrees(german_run.result, german_run.record)


def test_an_edited_model_file_is_refused(run_copy):
    model = run_copy / json.loads((run_copy / "manifest.json").read_text())["model"]["file"]
    model.write_bytes(model.read_bytes() + b"\0")
    with pytest.raises(ArtifactTamperedError):
        render_html(run_copy)


def test_an_edited_ledger_is_refused(run_copy, german_run, tmp_path):
    ledger = tmp_path / "ledger.jsonl"
    ledger.write_text(german_run.ledger.read_text().replace('"seed":11', '"seed":12'))
    (tmp_path / "ledger.jsonl.head").write_bytes(german_run.ledger.with_name("german.jsonl.head").read_bytes())
    with pytest.raises(LedgerTamperedError):
        render_markdown(run_copy, ledger=ledger)


def test_a_run_without_an_audit_record_is_reported_as_such(run_copy):
    edit_json(run_copy / "manifest.json", lambda m: m["extra"].__setitem__("ledger", None))
    markdown = render_markdown(run_copy)
    assert "This run was not recorded in an audit ledger" in markdown
    assert "- **Audit:** none: not recorded in an audit ledger" in markdown
    assert "Text from:** policy file (no audit record)" in markdown


def test_a_ledger_without_the_run_is_refused(run_copy, tmp_path):
    empty = tmp_path / "other.jsonl"
    empty.write_text("")
    with pytest.raises(ArtifactTamperedError, match="no record in .* lists a model"):
        render_markdown(run_copy, ledger=empty)


def test_a_result_naming_another_run_is_refused(run_copy):
    edit_json(run_copy / "result.json", lambda r: r.__setitem__("run_id", "20200101T000000Z-00000000"))
    with pytest.raises(ArtifactTamperedError, match="no record of run 20200101T000000Z-00000000"):
        render_markdown(run_copy)


def test_a_missing_ledger_is_an_input_error(run_copy, tmp_path):
    with pytest.raises(FairspecError, match="no audit ledger at") as caught:
        render_markdown(run_copy, ledger=tmp_path / "absent.jsonl")
    assert caught.value.exit_code == EXIT_INPUT


def test_cli_writes_the_default_file_and_the_chosen_one(run_copy, tmp_path):
    runner = CliRunner()
    html = runner.invoke(report, [str(run_copy)])
    assert html.exit_code == 0, html.output
    assert (run_copy / "report.html").read_text().startswith("<!DOCTYPE html>")
    chosen = tmp_path / "card.md"
    md = runner.invoke(report, [str(run_copy), "--format", "md", "--output", str(chosen)])
    assert md.exit_code == 0, md.output
    assert chosen.read_text().startswith("# Fairness report: ")
    assert str(chosen) in md.output


def test_cli_exit_codes(run_copy, tmp_path):
    runner = CliRunner()
    not_a_run = runner.invoke(report, [str(tmp_path)])
    assert not_a_run.exit_code == EXIT_INPUT
    assert "is not a train run folder: it has no result.json" in not_a_run.output
    assert runner.invoke(report, [str(run_copy), "--format", "pdf"]).exit_code == 2   # click's usage error
    edit_json(run_copy / "result.json", lambda r: r.__setitem__("seed", 12))
    tampered = runner.invoke(report, [str(run_copy)])
    assert tampered.exit_code == EXIT_TAMPERED
    assert "result.json disagrees with the run's audit record at seed" in tampered.output
    assert not (run_copy / "report.html").exists()
