"""Runs to report on: German credit trained once per session, and a copy of it whose policy text
and group labels try to inject markup."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from fairspec.audit.ledger import Ledger

ROOT = Path(__file__).resolve().parents[2]
GERMAN = ROOT / "specs" / "german.fair"

HOSTILE_LABEL = "<script>alert(1)</script>"
HOSTILE_OTHER_LABEL = "26 | over *x* [y](javascript:z)"
HOSTILE_OWNER = "<img src=x onerror=alert(2)>"
HOSTILE_TITLE = "</title><script>alert(3)</script>"
HOSTILE_BECAUSE = "</pre><script>alert(4)</script> ``` `x`"
ACC, DP = "accuracy", "demographic_parity(sex_race)"


@dataclass(frozen=True)
class TrainedRun:
    """A published run: its folder, its ledger, what `result.json` holds and its audit record."""

    run_dir: Path
    ledger: Path
    result: dict[str, Any]
    record: dict[str, Any]


def _train(policy: Path, out: Path) -> TrainedRun:
    from fairspec.pipeline import train

    result = train(policy, out=out, n_resamples=200)
    ledger = Path(result.audit["ledger"])
    record = next(r for r in Ledger(ledger).records() if r["run"]["id"] == result.run_id)
    run_dir = Path(result.run_dir)
    return TrainedRun(run_dir, ledger, json.loads((run_dir / "result.json").read_text()), record)


@pytest.fixture(scope="session")
def german_run(tmp_path_factory) -> TrainedRun:
    base = tmp_path_factory.mktemp("german")
    shutil.copy(GERMAN, base / GERMAN.name)     # the ledger lands beside the copy
    return _train(base / GERMAN.name, base / "runs")


@pytest.fixture(scope="session")
def hostile_run(tmp_path_factory) -> TrainedRun:
    """German credit with markup in the title, owner, a rationale and the age group labels."""
    text = GERMAN.read_text(encoding="utf-8")
    for old, new in ((' labels ["25 and under", "26 and over"]',
                      f' labels [{json.dumps(HOSTILE_LABEL)}, {json.dumps(HOSTILE_OTHER_LABEL)}]'),
                     ('owner "credit-risk@bank.example"', f"owner {json.dumps(HOSTILE_OWNER)}"),
                     ('"Credit approval on German credit"', json.dumps(HOSTILE_TITLE)),
                     ('because "Four-fifths rule applied to age"', f"because {json.dumps(HOSTILE_BECAUSE)}")):
        assert old in text, old
        text = text.replace(old, new)
    base = tmp_path_factory.mktemp("hostile")
    (base / "hostile.fair").write_text(text, encoding="utf-8")
    return _train(base / "hostile.fair", base / "runs")


@pytest.fixture
def run_copy(german_run, tmp_path) -> Path:
    """A copy of the German run's folder that a test may change (its record stays in the ledger)."""
    return Path(shutil.copytree(german_run.run_dir, tmp_path / german_run.run_dir.name))


def write_frontier(run_dir: Path, chosen: int = 2) -> list[dict[str, Any]]:
    """Put a six-point frontier file into a run folder; return its points."""
    points = [{"values": {ACC: round(0.85 - 0.01 * i, 4), DP: round(0.2 / (i + 1), 4)}} for i in range(6)]
    (run_dir / "frontier.json").write_text(json.dumps(
        {"objectives": [ACC, DP], "points": points, "chosen": chosen,
         "choose": f"max {ACC} where {DP} <= 0.07"}))
    return points
