"""Fixtures for the data layer tests: Adult prepared once per session, and its raw frames."""

from __future__ import annotations

import pytest
from data_specs import adult_spec

from fairspec.data import prepare
from fairspec.data.spec import HoldoutSpec
from fairspec.datasets import adult


@pytest.fixture(scope="session")
def adult_test():
    """Adult with its own test file as the holdout."""
    return prepare(adult_spec())


@pytest.fixture(scope="session")
def adult_fraction():
    """Adult's training file split 70/30 with seed 7."""
    return prepare(adult_spec(HoldoutSpec("fraction", 0.3, 7)))


@pytest.fixture(scope="session")
def adult_clean():
    """The raw Adult train and test frames without rows missing a value: the oracle's view."""
    return adult("train").dropna().reset_index(drop=True), adult("test").dropna().reset_index(drop=True)
