"""Every threshold of one score at once: each piece's value and the accuracy of the top-c rows.

A round of the rate search fits a score, then keeps the threshold with the best training
accuracy among those meeting every piece. `margin + shift ≥ 0` selects the rows with the largest
margins (float addition is monotone), so a threshold's selection is the top c rows by margin, and
a cell's event total is a count over that prefix. Events and labels are 0/1, so every total is a
whole number, exact in any order: the rates equal `RateCells.rates` of the same selection bit for
bit. The accuracy of each c is one prefix sum. Up to WHOLE_SCAN candidates, every piece value is
measured in one call; past that, lazily, in batches of the most accurate thresholds first, so a
round whose best feasible threshold is among them never measures the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from fairspec.backends.reductions.cells import RateCells
from fairspec.backends.reductions.pieces import RatePiece

# A round is "near" feasibility when a threshold moving at most this share of the rows from its
# own meets every piece (see `solve_rates`). At 4 %, German credit's equalized-odds models on
# sex × age (bounds 0.02 and 0.05) counted as far though the threshold they keep moves 5 % of the
# rows, so their searches ran on and a second, diagonal search followed that never beat them (21
# and 12 rounds; 18 and 8 at 6 %). Over the 109 fits of the comparison set, 6 % changes no model.
NEAR_SHARE = 0.06
# Thresholds measured in the first batch, most accurate first; each later batch is 4× larger.
FIRST_BATCH = 256
# Up to this many candidate thresholds, all are measured at once instead of in batches.
WHOLE_SCAN = 4096


class ThresholdScan:
    """Each piece's value and the accuracy with the top-c rows by margin selected, for any c."""

    def __init__(self, margin: np.ndarray, y: np.ndarray, pieces: tuple[RatePiece, ...],
                 hint: np.ndarray | None = None) -> None:
        self.margin, self.pieces = margin, pieces
        # ties: only counts between distinct margins are used, so any order of equal margins does.
        # `hint`, the order of a nearby score on the same rows (the search's last round), leaves
        # runs that a stable (merge) sort only has to merge: about a third faster on Adult
        self.order = (np.argsort(-margin) if hint is None
                      else hint[np.argsort(-margin[hint], kind="stable")])
        self.falling = margin[self.order]
        self.n_rows = len(y)
        self.negatives = float(np.sum(y == 0))
        self.right = np.concatenate([[0.0], np.cumsum(2.0 * y[self.order] - 1.0)])  # correct − wrong
        self.tallies = [_CellTally(piece.cells, self.order) for piece in pieces]

    def own(self, zero: int) -> tuple[list[np.ndarray], list[float]]:
        """Each piece's cell rates and overall rate with the top `zero` = `count_at(0)` rows
        selected (margin ≥ 0, whatever the ties), equal bit for bit to `RateCells.rates` and
        `RateCells.overall` of that selection: every total is a whole number."""
        at = np.array([zero])
        with np.errstate(invalid="ignore", divide="ignore"):
            rates = [tally.totals(at)[0] / piece.cells.support
                     for piece, tally in zip(self.pieces, self.tallies)]
            return rates, [float(tally.overall(at)[0]) for tally in self.tallies]

    def count_at(self, shift: float) -> int:
        return int(np.count_nonzero(self.margin + shift >= 0))

    def clear_of(self, threshold: float) -> bool:
        """Whether no margin lies within rounding (as in `boundaries`) of `threshold`."""
        return not np.any(np.abs(self.margin - threshold) <= 1e-9 * (1.0 + abs(threshold)))

    def boundaries(self) -> np.ndarray:
        """Counts c in 1..n−1 where the c-th and (c+1)-th largest margins differ clearly.

        "Clearly": a threshold halfway between them is not rounded onto either by the saved
        model's own arithmetic (another order of the same float sums).
        """
        upper, lower = self.falling[:-1], self.falling[1:]
        apart = (upper - lower) > 1e-9 * (1.0 + np.abs(upper))
        return np.flatnonzero(apart) + 1

    def shifts_for(self, counts: np.ndarray) -> np.ndarray:
        """Shifts selecting exactly the top c rows, for each c of `counts` (boundaries or not):
        halfway between the c-th and (c+1)-th largest margins."""
        inner = np.clip(counts, 1, self.n_rows - 1)
        return -(self.falling[inner - 1] + self.falling[inner]) / 2

    def accuracies(self, counts: np.ndarray) -> np.ndarray:
        return (self.negatives + self.right[counts]) / self.n_rows

    def measure(self, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(len(counts) × pieces values, accuracies) with the top-c rows selected for each c."""
        counts = np.asarray(counts, dtype=np.int64)
        values = np.empty((len(counts), len(self.pieces)))
        for j, (piece, tally) in enumerate(zip(self.pieces, self.tallies)):
            with np.errstate(invalid="ignore", divide="ignore"):
                rates = tally.totals(counts) / piece.cells.support
                values[:, j] = piece.values(rates, tally.overall(counts))
        return values, self.accuracies(counts)

    def feasible(self, counts: np.ndarray) -> np.ndarray:
        """Whether every piece holds, for each c of `counts`."""
        return self.holding(self.measure(counts)[0])

    def holding(self, values: np.ndarray) -> np.ndarray:
        """Whether every piece holds, for each row of `values` (as `measure` returns them)."""
        holds = np.ones(len(values), dtype=bool)
        for piece, piece_values in zip(self.pieces, values.T):
            holds &= piece.holds_all(piece_values)
        return holds


class _CellTally:
    """Event totals of each cell of one `RateCells` over the top c rows, for any c: prefix sums
    of each cell's event slopes in rank order (a cells × (n+1) table), plus its offset total.
    Every slope is −1, 0 or 1 (`cells._LINEAR_EVENTS`), so the table is counted in int8 steps and
    int32 sums. Cells run along the rows of the table: prefix sums, and the max and min over cells
    that piece values take, then run over long contiguous rows (with cells along the columns, both
    ran 4–20× slower on Adult's ten sex × race cells)."""

    def __init__(self, cells: RateCells, order: np.ndarray) -> None:
        counted = cells.counted
        self.base = np.bincount(cells.cell[counted], weights=cells.offset[counted],
                                minlength=len(cells.labels))
        cell_at = cells.cell[order]                           # cell of the row at each rank
        slope_at = np.where(cell_at >= 0, cells.slope[order], 0.0)
        steps = np.zeros((len(cells.labels), len(order) + 1), dtype=np.int8)
        ranks = np.flatnonzero(cell_at >= 0)
        steps[cell_at[ranks], ranks + 1] = slope_at[ranks]
        self.prefix = np.cumsum(steps, axis=1, dtype=np.int32)
        self.overall_prefix = np.concatenate([[0.0], np.cumsum(slope_at)])
        self.n_counted = int(np.count_nonzero(counted))
        self.offset_total = float(np.sum(cells.offset[counted]))

    def totals(self, counts: np.ndarray) -> np.ndarray:
        """len(counts) × cells event totals with the top-c rows selected (a transposed view of a
        cells × len(counts) array)."""
        return (self.base[:, None] + np.take(self.prefix, counts, axis=1)).T

    def overall(self, counts: np.ndarray) -> np.ndarray:
        return (self.offset_total + self.overall_prefix[counts]) / self.n_counted


@dataclass(frozen=True)
class Threshold:
    """The threshold a round keeps: its shift, each piece's value and the training accuracy there."""

    shift: float
    values: tuple[float, ...]
    accuracy: float
    feasible: bool
    near: bool          # some feasible threshold lies within NEAR_SHARE of the rows of shift 0
    order: np.ndarray | None = field(default=None, compare=False, repr=False)   # rows, falling margin
    # each piece's cell rates and value at the model's own threshold (margin ≥ 0, shift 0)
    own_rates: tuple[np.ndarray, ...] = field(default=(), compare=False, repr=False)
    own_values: tuple[float, ...] = field(default=(), compare=False, repr=False)


def best_threshold(margin: np.ndarray, y: np.ndarray, pieces: tuple[RatePiece, ...],
                   keep_own: bool = False, hint: np.ndarray | None = None) -> Threshold:
    """The threshold with the best training accuracy among all those meeting every piece.

    Every threshold that splits the rows differently is a candidate, from selecting one row to
    all but one (a constant prediction is left out: it meets gap bounds trivially, and ratios only
    by the 0/0 convention). Ties go to the smallest shift. The model's own threshold (shift 0) is
    a candidate only when no margin lies within rounding of 0, so the saved model predicts every
    row as measured here. With no feasible threshold, the result keeps shift 0 (infeasible); with
    `keep_own`, a model whose own threshold meets every piece (and has no margin within rounding
    of 0) keeps it and nothing else is scanned. `hint` (see `ThresholdScan`) changes the time
    taken, never the result; the result's `order` is a hint for the next score on the same rows,
    and it carries each piece's rates and value at the model's own threshold, whichever threshold
    is kept.
    """
    scan = ThresholdScan(margin, y, pieces, hint)
    zero = scan.count_at(0.0)
    own = scan.clear_of(0.0)
    rates, overall = scan.own(zero)
    values = tuple(p.value(r, o) for p, r, o in zip(pieces, rates, overall))
    kept = _kept(scan, zero, own, keep_own and all(map(RatePiece.holds, pieces, values)))
    return replace(kept, own_rates=tuple(rates), own_values=values)


def _kept(scan: ThresholdScan, zero: int, own: bool, own_only: bool) -> Threshold:
    """`best_threshold`'s choice on `scan`, whose own threshold selects `zero` rows (`own`: no
    margin within rounding of 0); with `own_only` (and `own`) only that threshold is tried."""
    if own_only and own:
        counts = np.array([zero])
    else:
        counts = _with(scan.boundaries(), zero) if own else scan.boundaries()
    if len(counts) <= WHOLE_SCAN:
        return _whole_scan(scan, counts, zero, own)
    pick = _most_accurate_feasible(scan, counts, zero if own else None)
    count = zero if pick is None else int(counts[pick])
    values, accuracy = scan.measure(np.array([count]))
    at_own = count == zero and (own or pick is None)
    shift = 0.0 if at_own else float(scan.shifts_for(np.array([count]))[0])
    return Threshold(shift, tuple(float(v) for v in values[0]), float(accuracy[0]),
                     pick is not None, pick is not None and _near(scan, counts, zero, count),
                     scan.order)


def _whole_scan(scan: ThresholdScan, counts: np.ndarray, zero: int, own: bool) -> Threshold:
    """`best_threshold` with every candidate measured at once: the same choice as the batched
    scan (the most accurate feasible count; ties to the smallest |shift|, the own count being
    shift 0, then the fewest rows) from one measurement, which on a few thousand candidates costs
    less than the batches' several calls (German's fits: 18 % faster)."""
    values, accuracies = scan.measure(counts)
    holds = scan.holding(values)
    if not holds.any():
        values, accuracies = scan.measure(np.array([zero]))
        return Threshold(0.0, tuple(float(v) for v in values[0]), float(accuracies[0]), False,
                         False, scan.order)
    right = scan.right[counts]
    tied = np.flatnonzero(holds & (right == right[holds].max()))
    pick = _least_shift(scan, counts, tied, zero if own else None)
    count = int(counts[pick])
    at_own = own and count == zero
    shift = 0.0 if at_own else float(scan.shifts_for(np.array([count]))[0])
    near = bool(np.any(holds & (np.abs(counts - zero) <= NEAR_SHARE * scan.n_rows)))
    return Threshold(shift, tuple(float(v) for v in values[pick]), float(accuracies[pick]), True,
                     near, scan.order)


def _most_accurate_feasible(scan: ThresholdScan, counts: np.ndarray,
                            own: int | None) -> int | None:
    """Index into `counts` of the most accurate feasible one (ties: the smallest |shift|, the
    model's own count `own` being shift 0, then the fewest rows), measuring batches of candidates
    in order of falling accuracy."""
    right = scan.right[counts]                      # accuracy, up to a constant
    ranked = np.argsort(-right, kind="stable")
    start, size = 0, FIRST_BATCH
    while start < len(ranked):
        batch = ranked[start:start + size]
        feasible = scan.feasible(counts[batch])
        if feasible.any():
            best = right[batch[np.argmax(feasible)]]
            tied = np.flatnonzero(right == best)        # ascending; may reach past this batch
            return _least_shift(scan, counts, tied[scan.feasible(counts[tied])], own)
        start, size = start + size, 4 * size
    return None


def _least_shift(scan: ThresholdScan, counts: np.ndarray, tied: np.ndarray,
                 own: int | None) -> int:
    """Of the indices `tied` into `counts` (ascending), the one with the smallest |shift|, the
    model's own count `own` being shift 0; equal shifts go to the fewest rows."""
    shifts = np.where(counts[tied] == own, 0.0, scan.shifts_for(counts[tied]))
    return int(tied[np.argmin(np.abs(shifts))])


def _near(scan: ThresholdScan, counts: np.ndarray, zero: int, count: int) -> bool:
    """Whether some feasible candidate selects at most NEAR_SHARE of the rows more or fewer than
    the model's own threshold."""
    reach = NEAR_SHARE * scan.n_rows
    if abs(count - zero) <= reach:
        return True
    window = counts[np.abs(counts - zero) <= reach]
    return bool(len(window)) and bool(scan.feasible(window).any())


def _with(counts: np.ndarray, count: int) -> np.ndarray:
    """Sorted unique `counts` with `count` added where it is missing."""
    at = int(np.searchsorted(counts, count))
    return counts if at < len(counts) and counts[at] == count else np.insert(counts, at, count)


def shifted_measures(margin: np.ndarray, y: np.ndarray, pieces: tuple[RatePiece, ...],
                     shifts: list[float]) -> tuple[list[tuple[float, ...]], list[float]]:
    """Every piece's value and the training accuracy at each threshold shift."""
    scan = ThresholdScan(margin, y, pieces)
    values, accuracies = scan.measure(np.array([scan.count_at(s) for s in shifts]))
    return [tuple(float(v) for v in row) for row in values], [float(a) for a in accuracies]
