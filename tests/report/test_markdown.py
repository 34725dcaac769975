"""The Markdown report of a real run: its sections, and every figure it must carry, read back
against `result.json` and the audit record rather than against the report's own formatting code."""

from __future__ import annotations

import re

import pytest

from fairspec.report import render_markdown, write_report

SECTIONS = ["Summary", "Requirements", "Cost", "Data", "Policy", "Audit record"]


def f4(value) -> str:
    return f"{value:.4f}"


@pytest.fixture(scope="module")
def markdown(german_run) -> str:
    return render_markdown(german_run.run_dir)


def section(markdown: str, title: str) -> str:
    """The text of one `## title` section."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", markdown, flags=re.S | re.M)
    assert match, f"no section {title!r}"
    return match.group(1)


def test_sections_in_order_and_no_frontier_without_a_file(markdown):
    assert re.findall(r"^## (.+)$", markdown, flags=re.M) == SECTIONS
    assert markdown.startswith("# Fairness report: Credit approval on German credit\n")


def test_each_requirement_states_its_values_intervals_and_verdict(markdown, german_run):
    text = section(markdown, "Requirements")
    headings = re.findall(r"^### `(.+)`$", text, flags=re.M)
    assert headings == [r["id"] for r in german_run.result["requirements"]]
    for r in german_run.result["requirements"]:
        block = text.split(f"### `{r['id']}`", 1)[1].split("\n### ", 1)[0]
        assert f"{r['metric']}({r['attribute']})" in block
        assert f"{r['operator']} {r['bound']:g}" in block
        assert f"- **Mode:** {r['mode']}" in block
        assert f"{f4(r['train'])} \\[{f4(r['train_ci'][0])}, {f4(r['train_ci'][1])}\\]" in block
        assert f"{f4(r['holdout'])} \\[{f4(r['holdout_ci'][0])}, {f4(r['holdout_ci'][1])}\\]" in block
        assert re.search(rf"- \*\*Verdict:\*\* (\*\*)?{r['verdict']}", block)
        if r["status"] == "enforced":
            assert f"{r['lowering']} on {r['backend']}" in block
            assert f"- **Price of fairness:** {f4(r['price'])}" in block
            assert f"- **Unconstrained value:** {f4(r['unconstrained_value'])}" in block


def test_group_tables_carry_every_rate_and_support(markdown, german_run):
    text = section(markdown, "Requirements")
    for r in german_run.result["requirements"]:
        block = text.split(f"### `{r['id']}`", 1)[1].split("\n### ", 1)[0]
        train, holdout = r["groups"]["train"], r["groups"]["holdout"]
        for label in train:
            row = (f"| {label} | {f4(train[label]['rates'][0])} | {train[label]['support'][0]} | "
                   f"{f4(holdout[label]['rates'][0])} | {holdout[label]['support'][0]} |")
            assert row in block
        assert "![Bar chart of " in block and "data:image/svg+xml;base64," in block


def test_group_tables_name_the_rates_the_metric_reads(markdown):
    text = section(markdown, "Requirements")
    assert "| group | selection rate, train | n | selection rate, holdout | n |" in text
    assert "| group | true-positive rate, train | n |" in text     # equal_opportunity
    assert "| group | error rate, train | n |" in text             # error_rate_parity
    assert "| group | mean log-loss, train | n |" in text          # bounded_group_loss


def test_cost_section_reports_quality_on_both_splits(markdown, german_run):
    text = section(markdown, "Cost")
    performance = german_run.result["performance"]
    for label, key in (("accuracy", "accuracy"), ("log-loss", "log_loss"), ("AUC", "auc"),
                       ("selection rate", "selection_rate")):
        assert f"| {label} | {f4(performance['train'][key])} | {f4(performance['holdout'][key])} |" in text
    assert f"| rows | {performance['train']['n']} | {performance['holdout']['n']} |" in text


def test_data_section_reports_the_recorded_fingerprint(markdown, german_run):
    text = section(markdown, "Data")
    data = german_run.record["data"]
    assert f"{data['rows']['train']} train · {data['rows']['holdout']} holdout" in text
    assert data["sha256"] in text
    for partition, counts in data["groups"].items():
        for label, count in counts.items():
            assert f"| `{partition}` | {label} | {count} |" in text
    assert "Proxy check: no model input predicts a protected attribute" in text


def test_policy_section_holds_the_exact_recorded_text(markdown, german_run):
    text = section(markdown, "Policy")
    policy = german_run.record["policy"]
    assert f"```fairspec\n{policy['text'].rstrip()}\n```" in text
    assert policy["sha256"] in text
    assert "- **Version:** 0.3.0" in text and "- **Owner:** credit-risk@bank.example" in text


def test_audit_section_names_the_record_in_the_ledger(markdown, german_run):
    text = section(markdown, "Audit record")
    record = german_run.record
    assert f"- **Record index:** {record['index']}" in text
    assert f"- **Record hash:** `{record['hash']}`" in text
    assert f"- **Result digest:** `{record['result_digest']}`" in text
    assert record["model"]["artifact"]["sha256"] in text
    assert f"`{german_run.ledger}`" in text


def test_summary_gives_the_hard_requirements_outcome(markdown, german_run):
    text = section(markdown, "Summary")
    hard = [r for r in german_run.result["requirements"] if r["mode"] == "hard"]
    assert all(r["holds"] for r in hard)      # german.fair is feasible: both hard requirements hold
    assert f"All {len(hard)} hard requirements hold on the training data." in text
    assert f"record #{german_run.record['index']} of {german_run.ledger}" in text


def test_rendering_is_deterministic_and_written_where_asked(german_run, run_copy, tmp_path):
    assert render_markdown(run_copy) == render_markdown(run_copy)
    default = write_report(run_copy, "md")
    assert default == run_copy / "report.md"
    chosen = write_report(run_copy, "md", tmp_path / "elsewhere.md")
    assert chosen.read_text(encoding="utf-8") == default.read_text(encoding="utf-8")
