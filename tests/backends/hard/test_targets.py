"""Where the search aims each cell's rate: inside the piece's window, multipliers summing to zero."""

from __future__ import annotations

import numpy as np
import pytest

from fairspec.backends.reductions.lagrangian import _targets
from fairspec.backends.reductions.pieces import pieces_for
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
