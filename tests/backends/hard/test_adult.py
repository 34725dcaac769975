"""On UCI Adult (the benchmark's split), hard DP and EO bounds on sex hold for one linear model.

Equalized odds at 0.01 is the case the search used to miss: the FPR gap answers the multipliers
ten times more weakly than the TPR gap, so a heavily damped step never closed it.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.hard import load_adult
from fairspec.backends.base import FitRequest, ModelSpec
from fairspec.backends.convex import ConvexBackend
from tests.backends.hard.conftest import hard_term
from tests.backends.hard.oracle import pairwise_value


@pytest.fixture(scope="module")
def adult():
    return load_adult()[0]


@pytest.mark.parametrize("name", ["demographic_parity", "equalized_odds"])
def test_tight_bound_holds_on_adult_train(adult, name):
    request = FitRequest(ModelSpec("logistic"), (hard_term("r", name, "sex", 0.01),))
    model = ConvexBackend().fit(request, adult).model
    pred = model.predict(adult.X)
    assert pairwise_value(name, adult.y, pred, adult.partitions["sex"].codes) <= 0.01
    assert np.mean(pred == adult.y) > 0.8           # far above the majority share (0.75)
