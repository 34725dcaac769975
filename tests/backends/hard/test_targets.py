"""Where the search aims each cell's rate: inside the piece's window, multipliers summing to zero."""

from __future__ import annotations

import numpy as np
import pytest

from fairspec.backends.reductions.lagrangian import _balanced, _targets
from fairspec.backends.reductions.pieces import RatePiece, pieces_for
from tests.backends.hard.conftest import hard_term


@pytest.mark.parametrize("name,bound", [("demographic_parity", 0.04), ("disparate_impact", 0.9)])
@pytest.mark.parametrize("reference", ["pairwise", "overall"])
@pytest.mark.parametrize("partition", ["sex", "sex_band"])
def test_targets_reach_the_bound_with_balanced_multipliers(train, name, bound, reference,
                                                           partition):
    piece = pieces_for(hard_term("t", name, partition, bound, reference=reference), train)[0]
    cells = len(piece.cells.labels)
    rates = np.linspace(0.1, 0.5, cells)                      # far outside the window
    response = 0.3 * train.n_rows / piece.cells.support       # the search's first diagonal model
    targets = _targets(piece, rates, np.zeros(cells), response, slack=0.1)
    share = piece.cells.support / piece.cells.support.sum()
    aim = bound - bound * 0.1 / 2 if piece.kind == "gap" else bound + (1 - bound) * 0.1 / 2
    # at the aim, not past it: the loosest window, not every rate pulled onto one value
    assert piece.value(targets, float(share @ targets)) == pytest.approx(aim, abs=1e-6)
    if piece.kind == "gap":                                   # a gap's dual: multipliers sum to 0
        moves = (rates - targets) / response
        assert abs(moves.sum()) < 1e-6 * np.abs(moves).sum()
        # the overall rate stays where the rates put it: no window centred on a drifted one
        assert float(share @ targets) == pytest.approx(float(share @ rates), abs=1e-6)


def _bisected_edge(piece, natural, response, width):
    """The window's lower edge where the moves sum to zero, by plain bisection (the oracle)."""
    lo, hi = float(natural.min()) - 1.0, float(natural.max())
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        low, high = piece.window(mid, width)
        moves = (natural - np.clip(natural, low, high)) / response
        lo, hi = (mid, hi) if moves.sum() > 0 else (lo, mid)
    return 0.5 * (lo + hi)


@pytest.mark.parametrize("kind", ["gap", "ratio"])
def test_balanced_window_matches_bisection(kind):
    rng = np.random.default_rng(7)
    for case in range(200):
        cells = int(rng.integers(2, 16))
        piece = RatePiece("t", None, kind, "pairwise", 0.05 if kind == "gap" else 0.8)
        natural = rng.random(cells) * rng.choice([0.05, 0.3, 1.0])
        if case % 5 == 0:
            natural[: cells // 2] = natural[0]             # tied rates: repeated knots
        if case % 3 == 0:                                  # multipliers pushed past a rate of 0
            natural -= 0.3 * natural.max()
        response = rng.random(cells) * 10 + 0.01
        width = float(rng.choice([0.01, 0.05, 0.2] if kind == "gap" else [0.5, 0.8, 0.95]))
        targets = _balanced(piece, natural, response, width)
        expected = np.clip(natural, *piece.window(_bisected_edge(piece, natural, response, width),
                                                  width))
        np.testing.assert_allclose(targets, expected, rtol=0, atol=1e-12)
        assert piece.value(targets, 0.0) <= width + 1e-12 if kind == "gap" \
            else piece.value(targets, 0.0) >= width - 1e-12
        moves = (natural - targets) / response
        assert abs(moves.sum()) <= 1e-9 * max(np.abs(moves).sum(), 1.0)
