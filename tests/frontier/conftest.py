"""A small synthetic policy with an objective block, compiled and prepared once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from fairspec.compiler import compile_policy
from fairspec.data import prepare
from fairspec.data.synthetic import synthetic
from fairspec.language import load_policy

POLICY = """policy small_tradeoff "A small trade-off" {{
  version "0.1.0"
  owner "tests@example"

  data "small.csv"
  target y == 1
  holdout 0.3 seed 3
  seed 3

  protected sex = column sex
  protected race = column race
  intersect sex_race = sex * race min_support 20

  model logistic {{ {model} }}

  require watch_sex:
    demographic_parity(sex) <= 0.2 monitor

  objective tradeoff:
{goals}
    method {method} points {points}
    choose max accuracy where demographic_parity(sex) <= 0.1

  audit "audit/small.jsonl"
}}
"""
TWO_GOALS = "    maximize accuracy\n    minimize demographic_parity(sex)"
THREE_GOALS = TWO_GOALS + "\n    minimize demographic_parity(race)"


def write_policy(folder: Path, *, goals: str = TWO_GOALS, method: str = "epsilon_constraint",
                 points: int = 6, rows: int = 1200, model: str = "l2 = 0.01") -> Path:
    """The policy and its data in `folder`; returns the policy's path."""
    folder.mkdir(parents=True, exist_ok=True)
    synthetic(rows, n_features=6, bias=1.0, seed=5).to_csv(folder / "small.csv", index=False)
    path = folder / "small.fair"
    path.write_text(POLICY.format(goals=goals, method=method, points=points, model=model), encoding="utf-8")
    return path


def compiled(path: Path):
    program = compile_policy(load_policy(path))
    return program, prepare(program.data)


@pytest.fixture(scope="session")
def small(tmp_path_factory):
    """(policy path, program, prepared data) for the two-goal ε-constraint policy."""
    path = write_policy(tmp_path_factory.mktemp("small"))
    return (path, *compiled(path))
