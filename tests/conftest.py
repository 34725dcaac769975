"""Shared fixtures: the example policies, trained once per session (training takes seconds)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SPECS = sorted((ROOT / "specs").glob("*.fair"))
# Policies trained once per session by `trained_specs`; a full-size frontier sweep (an objective block
# on Adult) is benchmark-sized and has its own tests in tests/frontier.
TRAINED_SPECS = [s for s in SPECS if "\n  objective " not in s.read_text()]


@pytest.fixture(scope="session")
def trained_specs(tmp_path_factory):
    """Each example policy trained once, saved under a temporary runs folder with its own ledger."""
    import shutil

    from fairspec.pipeline import train

    base = tmp_path_factory.mktemp("specs")
    results = {}
    for spec in TRAINED_SPECS:
        copy = base / spec.name
        shutil.copy(spec, copy)           # the ledger lands beside the copy, not in the checkout
        results[spec.stem] = train(copy, out=base / "runs", n_resamples=200)
    return results
