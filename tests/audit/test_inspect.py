"""The run table and run diffs show what was recorded and name what changed."""

from __future__ import annotations

import copy

import pytest
from rich.console import Console

from fairspec.audit.errors import AuditError
from fairspec.audit.inspect import Change, diff_records, render_diff, show_table
from fairspec.audit.ledger import Ledger


def _text(renderable) -> str:
    console = Console(record=True, width=250, color_system=None)
    console.print(renderable)
    return console.export_text()


@pytest.fixture
def two_runs(make_record):
    first = make_record(run_id="20261124T103000Z-0badc0de")
    second = make_record(run_id="20261125T090000Z-12345678", dp_holdout=0.0587)
    second["requirements"][0].update(holds=False, verdict="fails")
    return first, second


def test_table_lists_each_train_run_with_values_and_verdicts(tmp_path, two_runs):
    for run in two_runs:      # train figures unlike holdout's, so a swap of the splits shows
        run["performance"]["train"].update(accuracy=0.8533, log_loss=0.3101, auc=0.9144)
    ledger = Ledger(tmp_path / "audit.jsonl")
    ledger.append(two_runs[0])
    ledger.append({"schema": "fairspec.audit/1", "kind": "adopt", "adopted": {}})
    ledger.append(two_runs[1])
    text = _text(show_table(ledger.records()))
    assert "2 train runs" in text
    rows = [line for line in text.splitlines() if "2026-11-2" in line]
    assert len(rows) == 2
    assert "20261124T103000Z-0badc0de" in rows[0] and "0.0500 / 0.0412 holds" in rows[0]
    assert "20261125T090000Z-12345678" in rows[1] and "0.0500 / 0.0587 fails" in rows[1]
    assert all("aaaaaaaa" in row and "monitored" in row for row in rows)
    # what each model cost travels with its fairness numbers: accuracy, log-loss, AUC on both splits
    assert all("0.8533 / 0.8461" in row and "0.3101 / 0.3312" in row and "0.9144 / 0.9021" in row
               for row in rows)
    assert "log-loss" in text and "AUC" in text


def test_table_for_one_requirement(two_runs):
    text = _text(show_table(two_runs, requirement="eo_sex"))
    assert "eo_sex" in text and "dp_sex" not in text
    with pytest.raises(AuditError, match="'nope'") as raised:
        show_table(two_runs, requirement="nope")
    assert raised.value.hint == "recorded requirements: dp_sex, eo_sex"


def test_identical_results_have_no_changes(make_record):
    first = make_record(run_id="20261124T103000Z-0badc0de")
    again = make_record(run_id="20261125T090000Z-12345678")
    assert diff_records(first, again) == []
    assert render_diff([]).startswith("no differences")


def test_diff_names_metric_and_verdict_changes(two_runs):
    changes = {change.path: change for change in diff_records(*two_runs)}
    assert changes["requirements[dp_sex].holdout.value"] == Change(
        "requirements[dp_sex].holdout.value", 0.0412, 0.0587)
    assert (changes["requirements[dp_sex].verdict"].before,
            changes["requirements[dp_sex].verdict"].after) == ("holds", "fails")
    assert "requirements[dp_sex].holds" in changes
    assert "result_digest" not in changes and not any(p.startswith("run") for p in changes)
    text = render_diff(list(changes.values()))
    assert "requirements[dp_sex].holdout.value: 0.0412 → 0.0587" in text
    assert "requirements[dp_sex].verdict: holds → fails" in text


def test_diff_shows_policy_text_as_unified_diff(two_runs):
    first, second = two_runs
    second["policy"]["text"] = first["policy"]["text"].replace("<= 0.05 hard", "<= 0.03 hard")
    second["policy"]["sha256"] = "f" * 64
    changes = diff_records(first, second)
    policy = [c for c in changes if c.path.startswith("policy")]
    assert [c.path for c in policy] == ["policy.sha256", "policy.text"]
    diff = policy[1].detail
    assert "--- policy@20261124T103000Z-0badc0de" in diff
    assert "-  require dp_sex: demographic_parity(sex) <= 0.05 hard" in diff
    assert "+  require dp_sex: demographic_parity(sex) <= 0.03 hard" in diff
    text = render_diff(changes)
    assert "policy.sha256: aaaaaaaaaaaa… → ffffffffffff…" in text
    assert "  +  require dp_sex: demographic_parity(sex) <= 0.03 hard" in text


def test_diff_names_data_model_seed_and_environment(two_runs):
    first, second = two_runs
    second["data"]["sha256"] = "9" * 64
    second["data"]["groups"]["sex"]["Female"] = 9000
    second["data"]["columns"] = second["data"]["columns"][:-1]
    second["model"]["params"]["l2"] = 0.01
    second["seed"] = 8
    second["environment"]["packages"]["numpy"] = "0.0"
    paths = [change.path for change in diff_records(first, second)]
    for expected in ["seed", "data.sha256", "data.groups.sex.Female", "data.columns",
                     "model.params.l2", "environment.packages.numpy"]:
        assert expected in paths
    assert paths.index("seed") < paths.index("data.sha256") < paths.index("model.params.l2")


def test_diff_names_added_and_removed_requirements(two_runs):
    first, second = two_runs
    renamed = copy.deepcopy(second["requirements"][1])
    renamed["id"] = "eo_race"
    second["requirements"] = [second["requirements"][0], renamed]
    changes = [c for c in diff_records(first, second) if c.detail in ("added", "removed")]
    assert [(c.path, c.detail) for c in changes] == [("requirements[eo_sex]", "removed"),
                                                     ("requirements[eo_race]", "added")]
    assert "requirements[eo_race]: added" in render_diff(changes)


def test_diff_distinguishes_type_changes(two_runs):
    first, second = two_runs
    second["seed"] = float(first["seed"])                 # 7 == 7.0, but not the same record
    assert [c.path for c in diff_records(first, second)
            if not c.path.startswith("requirements")] == ["seed"]


def test_diff_compares_artifact_hash_but_not_its_run_folder(two_runs):
    first, second = two_runs
    assert first["model"]["artifact"]["path"] != second["model"]["artifact"]["path"]
    first["model"]["artifact"]["manifest_sha256"] = "1" * 64
    second["model"]["artifact"]["manifest_sha256"] = "2" * 64
    assert not any(c.path.startswith("model") for c in diff_records(first, second))
    second["model"]["artifact"]["sha256"] = "d" * 64
    assert [c.path for c in diff_records(first, second) if c.path.startswith("model")] == [
        "model.artifact.sha256"]
