"""Warm starts of the hard backend: exact shift scans, and a chained fit meeting its bound."""

from __future__ import annotations

import numpy as np
import pytest

from fairspec.backends.base import FitRequest, ModelSpec
from fairspec.backends.convex import ConvexBackend
from fairspec.backends.convex.warm import EXTRAPOLATION, WarmStart
from fairspec.backends.reductions.thresholds import shifted_measures
from fairspec.backends.reductions.pieces import RatePiece, pieces_for
from fairspec.metrics.catalog import METRICS
from fairspec.metrics.evaluate import evaluate
from tests.backends.hard.conftest import hard_term, make_split

METRIC_NAMES = ("demographic_parity", "equal_opportunity", "equalized_odds", "disparate_impact")


@pytest.mark.parametrize("name", METRIC_NAMES)
@pytest.mark.parametrize("partition", ["sex", "sex_band"])
def test_prefix_sum_scan_equals_measuring_each_shift(train, name, partition):
    bound = 0.8 if name == "disparate_impact" else 0.1
    pieces = pieces_for(hard_term("t", name, partition, bound), train)
    margin = np.random.default_rng(1).normal(size=train.n_rows)
    margin[:20] = margin[20:40]                     # ties must fall on the same side together
    shifts = [0.0, -0.3, 0.25, float(-margin[5]), 2.0, -5.0]
    values, accuracies = shifted_measures(margin, train.y.astype(np.float64), pieces, shifts)
    for shift, got, accuracy in zip(shifts, values, accuracies):
        selected = (margin + shift >= 0).astype(np.float64)
        brute = tuple(p.value(p.cells.rates(selected), p.cells.overall(selected)) for p in pieces)
        assert got == brute                         # bit for bit, NaN-free here
        assert accuracy == float(np.mean(selected == train.y))


def _dp_request(bound: float, warm=None) -> FitRequest:
    return FitRequest(ModelSpec("logistic", {"l2": 1e-3}), (hard_term("dp", "demographic_parity", "sex", bound),),
                      warm_start=warm)


def _gap(model, split) -> float:
    expression = METRICS["demographic_parity"].expression("pairwise", "binary")
    return evaluate(expression, split.y, model.predict(split.X), split.partitions["sex"]).value


def test_a_chain_of_warm_fits_meets_each_bound_and_repeats_exactly(train):
    backend = ConvexBackend()
    runs = []
    for _ in range(2):
        state, models = None, []
        for bound in (0.2, 0.12, 0.06, 0.02):
            result = backend.fit(_dp_request(bound, state), train)
            assert isinstance(result.state, WarmStart)
            assert _gap(result.model, train) <= bound
            state, models = result.state, models + [result.model.coef.tobytes()]
        runs.append(models)
    assert runs[0] == runs[1]
    assert len(state.path["dp#0"]) == 2                 # the last two bounds and multipliers


def test_a_warm_start_from_another_split_is_ignored(train):
    other = make_split(600, seed=9)
    foreign = ConvexBackend().fit(_dp_request(0.1), other).state
    cold = ConvexBackend().fit(_dp_request(0.1), train)
    given = ConvexBackend().fit(_dp_request(0.1, foreign), train)
    assert np.array_equal(cold.model.coef, given.model.coef)


def test_predicted_multipliers_extrapolate_along_the_bound(train):
    piece = pieces_for(hard_term("dp", "demographic_parity", "sex", 0.05), train)[0]
    assert isinstance(piece, RatePiece)
    warm = WarmStart(train.n_rows, np.zeros(train.X.shape[1] + 1),
                     path={"dp#0": ((0.15, np.array([1.0, -1.0])), (0.10, np.array([2.0, -2.0])))})
    # the line reaches ±3 at bound 0.05; the prediction takes EXTRAPOLATION of the way from ±2
    step = EXTRAPOLATION * (3.0 - 2.0)
    assert np.allclose(warm.first_multipliers((piece,), (0.2,)), [2.0 + step, -2.0 - step])
    one_step = WarmStart(train.n_rows, np.zeros(train.X.shape[1] + 1),
                         path={"dp#0": ((0.10, np.array([2.0, -2.0])),)})
    # the other end of the line is the unconstrained model: value 0.2, multipliers 0
    assert np.allclose(one_step.first_multipliers((piece,), (0.2,)), [2.0 + step, -2.0 - step])
