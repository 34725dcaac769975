"""Warm starts for a run of related fits on one split (a frontier's ε points, loosest first).

A fit hands the next one its `WarmStart`: the unconstrained solution (which every fit on the
split shares, so it is computed once), the last fit's weights (the Newton learner's first
iterate) and, for every rate piece, the bounds and multipliers of the last two fits that bounded
it. The next fit's first multipliers are extrapolated linearly in the bound along that path (a
continuation method's predictor step), taking `EXTRAPOLATION` of the full linear step; with one
fit on the path the unconstrained model (value u, multipliers 0) is the other end. A fit's result
depends only on its request, its warm start and the split, never on which process ran it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from fairspec.backends.reductions.pieces import RatePiece

PATH_LENGTH = 2          # (bound, multipliers) pairs kept per piece
# Share of the linear extrapolation's step the prediction takes. A fit's chosen multipliers are
# the best round of a search over a rough landscape, not a smooth function of the bound: many
# multipliers give nearly the same accuracy, so the difference of two fits' multipliers carries
# that scatter, and a full step passes it on, amplified, to the next fit. On Adult's sex × race
# 20-point frontier, full steps left 1–2 warm searches without a near round (each then pays a cold
# search as well: 81–88 rounds in all); half steps none (40 rounds).
EXTRAPOLATION = 0.5


@dataclass(frozen=True)
class WarmStart:
    """What one fit of the cvxpy backend hands the next fit on the same split."""

    rows: int                                  # the split's row count, to refuse another split
    unconstrained: np.ndarray                  # `[w..., b]` of the plain fit
    params: np.ndarray | None = None           # the last rate fit's `[w..., b]`, before its shift
    path: Mapping[str, tuple[tuple[float, np.ndarray], ...]] = field(default_factory=dict)
    accuracy: float | None = None              # the last rate fit's training accuracy

    def first_multipliers(self, pieces: tuple[RatePiece, ...], unconstrained_values: tuple[float, ...]
                          ) -> np.ndarray | None:
        """The predicted multipliers for `pieces`, stacked; None when no piece has a path."""
        predicted, known = [], False
        for key, piece, value in zip(piece_keys(pieces), pieces, unconstrained_values):
            size = len(piece.cells.labels)
            steps = [(b, m) for b, m in self.path.get(key, ()) if m.shape == (size,)]
            known |= bool(steps)
            if len(steps) < PATH_LENGTH:
                steps = [(value, np.zeros(size))] + steps
            predicted.append(_extrapolate(steps[-2:], piece.bound) if len(steps) > 1 else steps[0][1])
        return np.concatenate(predicted) if known else None

    def after(self, params: np.ndarray, pieces: tuple[RatePiece, ...],
              multipliers: tuple[np.ndarray, ...], accuracy: float) -> "WarmStart":
        """The warm start for the next fit, once this one chose `params` and `multipliers` and
        reached `accuracy` on train."""
        path = dict(self.path)
        for key, piece, chosen in zip(piece_keys(pieces), pieces, multipliers):
            path[key] = (path.get(key, ()) + ((piece.bound, np.array(chosen, dtype=np.float64)),)
                         )[-PATH_LENGTH:]
        return WarmStart(self.rows, self.unconstrained, np.array(params, dtype=np.float64), path,
                         float(accuracy))


def piece_keys(pieces: tuple[RatePiece, ...]) -> list[str]:
    """A name per piece that is stable across requests: its term id and place within the term."""
    seen: dict[str, int] = {}
    keys = []
    for piece in pieces:
        seen[piece.term_id] = seen.get(piece.term_id, -1) + 1
        keys.append(f"{piece.term_id}#{seen[piece.term_id]}")
    return keys


def _extrapolate(steps: list[tuple[float, np.ndarray]], bound: float) -> np.ndarray:
    """`EXTRAPOLATION` of the way from the last step to the line through the two (bound,
    multipliers) steps, at `bound`."""
    (b0, m0), (b1, m1) = steps
    if abs(b1 - b0) < 1e-12:
        return m1.copy()
    return m1 + EXTRAPOLATION * (m1 - m0) * (bound - b1) / (b1 - b0)
