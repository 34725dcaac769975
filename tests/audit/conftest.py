"""Shared builders for the audit tests: a realistic train record and small ledgers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fairspec.audit.ledger import Ledger
from fairspec.audit.record import environment_info, result_digest

POLICY_TEXT = """policy adult_income version "1.2" {
  protected sex
  require dp_sex: demographic_parity(sex) <= 0.05 hard
  require eo_sex: equal_opportunity(sex) <= 0.08 monitor
}
"""


def _measurement(value: float, ci: list[float] | None) -> dict[str, Any]:
    return {"value": value, "ci": ci, "groups": {"Female": 0.112, "Male": 0.153}}


def make_train_record(run_id: str = "20261124T103000Z-0badc0de", seed: int = 7,
                      dp_holdout: float = 0.0412) -> dict[str, Any]:
    """A train record shaped as the pipeline writes it (without chain keys)."""
    record: dict[str, Any] = {
        "schema": "fairspec.audit/1", "kind": "train",
        "run": {"id": run_id, "time": "2026-11-24T10:30:00Z", "user": "ada", "host": "lab-1",
                "timings": {"total_s": 2.5, "data_s": 0.4, "fit_s": 1.8, "measure_s": 0.3}},
        "policy": {"path": "specs/adult.fair", "name": "adult_income", "version": "1.2",
                   "sha256": "a" * 64, "text": POLICY_TEXT},
        "seed": seed,
        "data": {"source": "adult.data.gz", "sha256": "b" * 64,
                 "rows": {"train": 30162, "holdout": 15060},
                 "columns": ["age", "education", "sex", "income"],
                 "groups": {"sex": {"Female": 9782, "Male": 20380}},
                 "notes": ["dropped 2,399 rows with a missing value"]},
        "model": {"family": "logistic", "backend": "cvxpy", "params": {"l2": 0.001},
                  "artifact": {"path": f"runs/{run_id}/model.npz", "sha256": "c" * 64,
                               "format": "linear-npz"}},
        "performance": {
            split: {"accuracy": 0.8461, "log_loss": 0.3312, "auc": 0.9021, "selection_rate": 0.187,
                    "n": rows}
            for split, rows in (("train", 30162), ("holdout", 15060))},
        "requirements": [
            {"id": "dp_sex", "title": "Equal selection", "rationale": None, "line": 3,
             "metric": "demographic_parity", "attribute": "sex", "reference": "pairwise",
             "operator": "<=", "bound": 0.05, "mode": "hard", "weight": None,
             "lowering": "linear-constraint", "backend": "cvxpy", "status": "enforced",
             "price": 0.21, "unconstrained_value": 0.19,
             "train": _measurement(0.05, [0.041, 0.059]),
             "holdout": _measurement(dp_holdout, [0.03, 0.052]),
             "holds": True, "verdict": "holds"},
            {"id": "eo_sex", "title": None, "rationale": None, "line": 4,
             "metric": "equal_opportunity", "attribute": "sex", "reference": "pairwise",
             "operator": "<=", "bound": 0.08, "mode": "monitor", "weight": None,
             "lowering": "none", "backend": "cvxpy", "status": "not_enforced",
             "price": None, "unconstrained_value": None,
             "train": _measurement(0.061, None), "holdout": _measurement(0.07, None),
             "holds": True, "verdict": "monitored"},
        ],
        "environment": environment_info(),
    }
    record["result_digest"] = result_digest(record)
    return record


@pytest.fixture
def make_record():
    """`make_record(run_id=..., seed=..., dp_holdout=...)` builds a train record."""
    return make_train_record


@pytest.fixture
def train_record() -> dict[str, Any]:
    return make_train_record()


def _fill_ledger(path: Path, count: int) -> Ledger:
    """A ledger of `count` small, distinct records holding numbers and strings."""
    ledger = Ledger(path)
    for position in range(count):
        ledger.append({"kind": "test", "seq": position, "value": 0.125 + position,
                       "note": f"record number {position}", "tiny": 1e-05})
    return ledger


@pytest.fixture
def filled_ledger(tmp_path: Path):
    """`filled_ledger(count)` makes a ledger of `count` records in a fresh folder."""
    return lambda count: _fill_ledger(tmp_path / "audit" / "ledger.jsonl", count)
