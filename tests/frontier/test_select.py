"""Publishing a frontier run, adopting a point (API and CLI), and the audit record it leaves."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from click.testing import CliRunner

from fairspec.audit.artifacts import sha256_file, verify_artifact
from fairspec.audit.ledger import Ledger
from fairspec.audit.schema import validate_record
from fairspec.backends.base import load_model
from fairspec.commands.frontier import frontier as frontier_command, select as select_command
from fairspec.errors import FairspecError
from fairspec.frontier import publish_frontier, read_frontier, run_frontier, select_point


@pytest.fixture()
def published(small, tmp_path):
    _, program, data = small
    swept = run_frontier(program, data, out=tmp_path / "runs")
    ledger = tmp_path / "audit" / "ledger.jsonl"
    result = publish_frontier(swept, program, data, tmp_path / "runs", ledger=ledger)
    return result.points_dir.parent, ledger, data


def test_published_run_holds_every_point_and_the_chosen_model(published):
    run_dir, _, data = published
    result, meta = read_frontier(run_dir)
    assert not list(run_dir.parent.glob(".sweep-*"))              # the work folder is gone
    for name in ("frontier.json", "frontier.csv", "frontier.png", "frontier.svg", "model.npz"):
        assert (run_dir / name).is_file()
    rows = list(csv.DictReader((run_dir / "frontier.csv").read_text().splitlines()))
    assert len(rows) == len(result.points)
    # what each point's model cost travels with its axes: the figures no axis already shows
    axes = {a.key for a in result.axes}
    costs = [m for m in ("accuracy", "log_loss", "auc") if m not in axes]
    assert costs and all(f"{split}:{m}" in rows[0] for split in ("train", "holdout") for m in costs)
    for row, point in zip(rows, result.points):
        for m in costs:
            if point.ok:
                assert float(row[f"holdout:{m}"]) == pytest.approx(point.performance("holdout")[m],
                                                                    abs=1e-6)
    check = verify_artifact(run_dir)
    assert check.sha256 == sha256_file(run_dir / "points" / f"{result.chosen:04d}" / "model.npz")
    chosen = load_model(check.model_path, check.format)
    assert np.array_equal(chosen.predict(data.train.X), result.model(result.chosen).predict(data.train.X))


def test_select_swaps_the_model_and_appends_a_valid_record(published):
    run_dir, ledger, _ = published
    result, meta = read_frontier(run_dir)
    other = next(i for i in result.pareto["train"] if i != result.chosen)
    adoption = select_point(run_dir, other, "  lower gap, small cost in accuracy ", who="reviewer")
    assert sha256_file(run_dir / "model.npz") == sha256_file(run_dir / "points" / f"{other:04d}" / "model.npz")
    verify_artifact(run_dir)                                       # manifest agrees with the new model
    [record] = list(Ledger(ledger).records())
    validate_record(record)
    assert record["kind"] == "select"
    adopted = record["adopted"]
    assert (adopted["run_id"], adopted["point"]["index"], adopted["because"], adopted["who"]) == (
        meta["run_id"], other, "lower gap, small cost in accuracy", "reviewer")
    assert adopted["point"]["model"]["sha256"] == sha256_file(run_dir / "model.npz")
    assert read_frontier(run_dir)[1]["adopted"]["index"] == other == adoption["index"]


def test_predict_on_a_frontier_run_asks_for_an_adopted_point_first(small, published, tmp_path):
    """Until a point is adopted, a `fairspec frontier` run's model is in no ledger record: predict
    says so (exit 2, with the command to run), rather than reporting tampering; after `select`
    it predicts."""
    import pandas as pd

    from fairspec.predict import predict_file

    run_dir, _, _ = published
    rows = tmp_path / "rows.csv"
    pd.read_csv(small[0].parent / "small.csv").head(5).to_csv(rows, index=False)
    with pytest.raises(FairspecError, match="no adopted point") as raised:
        predict_file(run_dir, rows)
    assert raised.value.exit_code == 2 and "fairspec select" in raised.value.hint
    result, _ = read_frontier(run_dir)
    select_point(run_dir, result.chosen, "the policy's choice", who="reviewer")
    assert len(predict_file(run_dir, rows)) == 5


@pytest.mark.parametrize("point, because, message", [(1, "   ", "say why"), (99, "ok", "no point 99")])
def test_select_refuses_without_a_reason_or_a_real_point(published, point, because, message):
    run_dir, ledger, _ = published
    with pytest.raises(FairspecError, match=message):
        select_point(run_dir, point, because)
    assert not ledger.exists()


def test_cli_lists_and_selects(published):
    run_dir, ledger, _ = published
    listed = CliRunner().invoke(frontier_command, [str(run_dir), "--json"])
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.output)["frontier"]["objective"] == "tradeoff"
    chosen = CliRunner().invoke(select_command, [str(run_dir), "--point", "4", "--because", "policy LP-7"])
    assert chosen.exit_code == 0, chosen.output
    assert "select record #0" in chosen.output
    refused = CliRunner().invoke(select_command, [str(run_dir), "--point", "42", "--because", "x"])
    assert refused.exit_code == 2 and "no point 42" in refused.output
