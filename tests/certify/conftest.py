"""Session fixtures for the certification tests (helpers live in `synthetic.py`)."""

from __future__ import annotations

import pytest

from fairspec.data.spec import Split

from .synthetic import population_split


@pytest.fixture(scope="session")
def population() -> Split:
    """The 200,000-row synthetic population, drawn once."""
    return population_split()
