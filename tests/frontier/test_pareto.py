"""Pareto filter and hypervolume against brute force and hand-computed volumes."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from fairspec.frontier.pareto import hypervolume, nondominated


def brute_nondominated(costs: np.ndarray) -> np.ndarray:
    """Row i is kept unless some row j dominates it, or an identical row comes before it."""
    keep = []
    for i, a in enumerate(costs):
        dominated = any(np.all(b <= a) and np.any(b < a) for b in costs)
        duplicate = any(np.array_equal(costs[j], a) for j in range(i))
        keep.append(not dominated and not duplicate)
    return np.array(keep)


def grid_hypervolume(costs: np.ndarray, reference: np.ndarray) -> float:
    """Volume of the union of boxes [row, reference], cell by cell on the grid of all coordinates."""
    inside = costs[(costs < reference).all(axis=1)]
    edges = [np.unique(np.append(inside[:, k], reference[k])) for k in range(len(reference))]
    volume = 0.0
    for cell in itertools.product(*(range(len(e) - 1) for e in edges)):
        low = np.array([edges[k][c] for k, c in enumerate(cell)])
        high = np.array([edges[k][c + 1] for k, c in enumerate(cell)])
        if any(np.all(p <= low) for p in inside):
            volume += float(np.prod(high - low))
    return volume


@pytest.mark.parametrize("dims", [2, 3, 4])
@pytest.mark.parametrize("seed", range(5))
def test_nondominated_matches_brute_force(dims, seed):
    rng = np.random.default_rng(seed)
    costs = rng.integers(0, 6, size=(40, dims)).astype(float)   # small integers: ties and copies
    assert np.array_equal(nondominated(costs), brute_nondominated(costs))


def test_nondominated_drops_nan_rows_and_keeps_first_copy():
    costs = np.array([[1.0, 2.0], [np.nan, 0.0], [1.0, 2.0], [2.0, 1.0], [3.0, 3.0]])
    assert nondominated(costs).tolist() == [True, False, False, True, False]


@pytest.mark.parametrize("dims", [2, 3])
@pytest.mark.parametrize("seed", range(6))
def test_hypervolume_matches_grid_brute_force(dims, seed):
    rng = np.random.default_rng(100 + seed)
    costs = rng.random((12, dims))
    reference = np.full(dims, 0.9)            # some rows lie outside the reference box
    assert hypervolume(costs, reference) == pytest.approx(grid_hypervolume(costs, reference), abs=1e-12)


@pytest.mark.parametrize("costs, reference, expected", [
    ([[0.0, 0.0]], [2.0, 3.0], 6.0),                                  # one box
    ([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0]], [4.0, 4.0], 6.0),          # staircase: 3 + 2 + 1
    ([[1.0, 1.0], [2.0, 2.0]], [3.0, 3.0], 4.0),                      # the dominated row adds nothing
    ([[5.0, 0.0]], [4.0, 4.0], 0.0),                                  # outside the reference
    ([[0.0, 0.0, 0.0]], [1.0, 2.0, 3.0], 6.0),
    ([[0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [1.0, 1.0, 0.0]], [2.0, 2.0, 2.0], 4.0),  # 3·2 − 3·1 + 1
])
def test_hypervolume_known_values(costs, reference, expected):
    assert hypervolume(np.array(costs), np.array(reference)) == pytest.approx(expected)
