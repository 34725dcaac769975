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


class CellLayout:
    """The cells of every piece stacked into one table, and what a scan needs of them that stays
    the same from round to round of one search (the cells and labels do; the score does not).

    Stacked cell k of piece j is `spans[j][0] + c` for its cell c; `code[j, i]` is row i's stacked
    cell under piece j, or the spare slot `n_cells` where piece j leaves the row out (its slope
    there is 0). Events and slopes are as in `RateCells`; slopes are −1, 0 or 1
    (`cells._LINEAR_EVENTS`), so they fit int8.
    """

    def __init__(self, pieces: tuple[RatePiece, ...], y: np.ndarray) -> None:
        self.pieces = tuple(pieces)
        sizes = [len(piece.cells.labels) for piece in pieces]
        ends = np.cumsum(sizes, dtype=np.int64)
        self.spans = tuple((int(end - size), int(end)) for size, end in zip(sizes, ends))
        self.n_cells = int(ends[-1]) if len(ends) else 0
        n_rows = len(y)
        self.code = np.full((len(pieces), n_rows), self.n_cells, dtype=np.int64)
        self.slope = np.zeros((len(pieces), n_rows), dtype=np.int8)
        self.base = np.zeros(self.n_cells)
        self.support = np.zeros(self.n_cells)
        self.offset_total = np.zeros(len(pieces))
        self.n_counted = np.zeros(len(pieces))
        for j, (piece, (lo, hi)) in enumerate(zip(pieces, self.spans)):
            cells = piece.cells
            counted = cells.counted
            self.code[j, counted] = lo + cells.cell[counted]
            self.slope[j, counted] = cells.slope[counted]
            self.base[lo:hi] = np.bincount(cells.cell[counted], weights=cells.offset[counted],
                                           minlength=hi - lo)
            self.support[lo:hi] = cells.support
            self.offset_total[j] = float(np.sum(cells.offset[counted]))
            self.n_counted[j] = float(np.count_nonzero(counted))
        self.y = y
        self.signs = 2.0 * np.asarray(y, dtype=np.float64) - 1.0
        self.negatives = float(np.sum(self.signs < 0))
        self.ranks = np.arange(1, n_rows + 1)

    @classmethod
    def matching(cls, layout: "CellLayout | None", pieces: tuple[RatePiece, ...],
                 y: np.ndarray) -> "CellLayout":
        """`layout` when it was made for `pieces` (the same objects) and labels equal to `y`,
        else a new one."""
        if (layout is not None and len(layout.pieces) == len(pieces)
                and all(a is b for a, b in zip(layout.pieces, pieces))
                and (layout.y is y or np.array_equal(layout.y, y))):
            return layout
        return cls(pieces, y)


class ThresholdScan:
    """Each piece's value and the accuracy with the top-c rows by margin selected, for any c.

    Event totals of every stacked cell over the top c rows come from one table of prefix sums of
    the cells' event slopes in rank order (cells × (n+1), counted in int8 steps and int32 sums),
    plus each cell's offset total. Cells run along the table's rows, so the prefix sums, and the
    max and min over cells that piece values take, run over long contiguous rows (with cells along
    the columns, both ran 4–20× slower on Adult's ten sex × race cells). One table for all pieces:
    on German credit (700 rows), building and reading one table per piece cost more in calls than
    in arithmetic.
    """

    def __init__(self, margin: np.ndarray, y: np.ndarray, pieces: tuple[RatePiece, ...],
                 hint: np.ndarray | None = None, layout: CellLayout | None = None) -> None:
        self.margin, self.pieces = margin, pieces
        self.layout = layout = CellLayout.matching(layout, pieces, y)
        # ties: only counts between distinct margins are used, so any order of equal margins does.
        # `hint`, the order of a nearby score on the same rows (the search's last round), leaves
        # runs that a stable (merge) sort only has to merge: about a third faster on Adult
        self.order = order = (np.argsort(-margin) if hint is None
                              else hint[np.argsort(-margin[hint], kind="stable")])
        self.falling = margin[order]
        self.n_rows = n_rows = len(y)
        self.negatives = layout.negatives
        self.right = np.zeros(n_rows + 1)                                   # correct − wrong
        np.cumsum(layout.signs[order], out=self.right[1:])
        slope_at = layout.slope[:, order]
        steps = np.zeros((layout.n_cells + 1, n_rows + 1), dtype=np.int8)
        steps[layout.code[:, order], layout.ranks] = slope_at     # the spare row takes the zeros
        self.prefix = np.cumsum(steps[:-1], axis=1, dtype=np.int32)
        self.overall_prefix = np.zeros((len(pieces), n_rows + 1), dtype=np.int32)
        np.cumsum(slope_at, axis=1, dtype=np.int32, out=self.overall_prefix[:, 1:])

    def own(self, zero: int) -> tuple[list[np.ndarray], list[float]]:
        """Each piece's cell rates and overall rate with the top `zero` = `count_at(0)` rows
        selected (margin ≥ 0, whatever the ties), equal bit for bit to `RateCells.rates` and
        `RateCells.overall` of that selection: every total is a whole number."""
        layout = self.layout
        with np.errstate(invalid="ignore", divide="ignore"):
            rates = (layout.base + self.prefix[:, zero]) / layout.support
            overall = (layout.offset_total + self.overall_prefix[:, zero]) / layout.n_counted
        return [rates[lo:hi] for lo, hi in layout.spans], overall.tolist()

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

    def shift_for(self, count: int) -> float:
        """`shifts_for` of one count, in the same float operations."""
        inner = min(max(count, 1), self.n_rows - 1)
        return float(-(self.falling[inner - 1] + self.falling[inner]) / 2)

    def accuracies(self, counts: np.ndarray) -> np.ndarray:
        return (self.negatives + self.right[counts]) / self.n_rows

    def measure(self, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(len(counts) × pieces values, accuracies) with the top-c rows selected for each c."""
        counts = np.asarray(counts, dtype=np.int64)
        layout = self.layout
        values = np.empty((len(counts), len(self.pieces)))
        with np.errstate(invalid="ignore", divide="ignore"):
            overall = layout.offset_total[:, None] + np.take(self.overall_prefix, counts, axis=1)
            overall /= layout.n_counted[:, None]
            for j, (piece, (lo, hi)) in enumerate(zip(self.pieces, layout.spans)):
                # one piece's cells at a time: a batch of the lazy scan reaches n candidates
                rates = layout.base[lo:hi, None] + np.take(self.prefix[lo:hi], counts, axis=1)
                rates /= layout.support[lo:hi, None]
                values[:, j] = piece.values(rates.T, overall[j])
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
                   keep_own: bool = False, hint: np.ndarray | None = None,
                   layout: CellLayout | None = None) -> Threshold:
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
    is kept. `layout` (`CellLayout` of `pieces` and `y`, which a search makes once) also changes
    only the time taken.
    """
    scan = ThresholdScan(margin, y, pieces, hint, layout)
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
    shift = 0.0 if at_own else scan.shift_for(count)
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
    feasible = np.flatnonzero(holds)
    right = scan.right[counts[feasible]]
    tied = feasible[right == right.max()]                  # ascending, like `feasible`
    pick = int(tied[0]) if len(tied) == 1 else _least_shift(scan, counts, tied,
                                                            zero if own else None)
    count = int(counts[pick])
    at_own = own and count == zero
    shift = 0.0 if at_own else scan.shift_for(count)
    near = bool(np.any(np.abs(counts[feasible] - zero) <= NEAR_SHARE * scan.n_rows))
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
