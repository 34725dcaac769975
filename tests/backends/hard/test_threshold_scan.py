"""The exact threshold scan of the rate search: every threshold tried, the best feasible one kept."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from benchmarks.hard import load_adult
from fairspec.backends.base import FitRequest, ModelSpec
from fairspec.backends.convex import ConvexBackend
from fairspec.backends.reductions.thresholds import CellLayout, ThresholdScan, best_threshold
from fairspec.backends.reductions.pieces import pieces_for
from fairspec.data.spec import Partition
from tests.backends.hard.conftest import hard_term
from tests.backends.hard.oracle import pairwise_value

CASES = [("demographic_parity", 0.05), ("equal_opportunity", 0.05), ("equalized_odds", 0.08),
         ("disparate_impact", 0.85), ("error_rate_parity", 0.03)]


def _brute_force_best(margin, y, pieces):
    """Most accurate feasible selection among all non-constant threshold selections, measured
    one threshold at a time with each piece's own scalar `value`."""
    best = None
    for cut in np.unique(margin)[1:]:              # select margin >= cut: never all, never none
        selected = (margin >= cut).astype(np.float64)
        values = [p.value(p.cells.rates(selected), p.cells.overall(selected)) for p in pieces]
        if all(p.holds(v) for p, v in zip(pieces, values)):
            accuracy = float(np.mean(selected == y))
            best = accuracy if best is None else max(best, accuracy)
    return best


@pytest.mark.parametrize("name,bound", CASES)
@pytest.mark.parametrize("partition", ["sex", "sex_band"])
def test_scan_finds_the_most_accurate_feasible_threshold(train, name, bound, partition):
    pieces = pieces_for(hard_term("t", name, partition, bound), train)
    y = train.y.astype(np.float64)
    margin = np.round(train.X[:, 0] - 0.4 * train.X[:, 1], 3)       # ties on purpose
    round_ = best_threshold(margin, y, pieces)
    expected = _brute_force_best(margin, y, pieces)
    if expected is None:
        assert not round_.feasible
        return
    assert round_.feasible and round_.accuracy == pytest.approx(expected, abs=1e-12)
    selected = (margin + round_.shift >= 0).astype(np.float64)      # the shift selects what it claims
    assert float(np.mean(selected == y)) == round_.accuracy
    assert round_.values == tuple(p.value(p.cells.rates(selected), p.cells.overall(selected))
                                  for p in pieces)


def test_a_tie_keeps_the_model_s_own_threshold(train):
    """Two feasible thresholds of equal accuracy, the model's own and one whose halfway shift is
    smaller than the distance to the own one's halfway point: the own one (shift 0) wins."""
    pieces = pieces_for(hard_term("t", "demographic_parity", "sex", 0.99), train)
    y = train.y.astype(np.float64)
    positives, negatives = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    # by falling margin: all positives but one, a negative, the last positive, then the negatives;
    # the model's own threshold (0) falls between the last positive and the negatives
    order = np.concatenate([positives[:-1], negatives[:1], positives[-1:], negatives[1:]])
    own = len(positives) + 1
    falling = np.concatenate([np.linspace(5, 1, own - 3), [0.02, 0.01, 0.005],
                              np.linspace(-1, -5, len(y) - own)])
    margin = np.empty(len(y))
    margin[order] = falling
    kept = best_threshold(margin, y, pieces)
    assert kept.feasible and kept.shift == 0.0
    assert kept.accuracy == float(np.mean((margin >= 0) == y))


def test_keep_own_scans_nothing_when_the_own_threshold_holds(train):
    pieces = pieces_for(hard_term("t", "demographic_parity", "sex", 1.0), train)
    margin = train.X[:, 0]
    round_ = best_threshold(margin, train.y.astype(np.float64), pieces, keep_own=True)
    assert round_.shift == 0.0 and round_.feasible


def test_keep_own_scans_as_usual_when_the_own_threshold_fails(train):
    pieces = pieces_for(hard_term("t", "demographic_parity", "sex", 0.02), train)
    y = train.y.astype(np.float64)
    margin = train.X[:, 0] - 0.4 * train.X[:, 1]
    assert not all(map(type(pieces[0]).holds, pieces, best_threshold(margin, y, pieces).own_values))
    assert best_threshold(margin, y, pieces, keep_own=True) == best_threshold(margin, y, pieces)


@pytest.mark.parametrize("name,bound", CASES)
@pytest.mark.parametrize("reference", ["pairwise", "overall"])
def test_the_own_threshold_s_rates_are_those_of_the_cells_bit_for_bit(train, name, bound, reference):
    """The search takes each round's rates at the model's own threshold from the scan's integer
    tallies instead of measuring the selection again: they must be the same floats, with ties at
    0, rows left out of the partition (code -1) and an empty cell (rate NaN)."""
    codes = train.partitions["sex_band"].codes.copy()
    codes[codes == 5] = -1                                        # a cell left out
    labels = train.partitions["sex_band"].labels[:5] + ("never",)  # a cell with no rows
    gappy = Partition("gappy", labels, codes, kind="intersection")
    split = replace(train, partitions={**train.partitions, "gappy": gappy})
    pieces = pieces_for(hard_term("t", name, "gappy", bound, reference=reference), split)
    y = split.y.astype(np.float64)
    margin = np.round(split.X[:, 0] - 0.4 * split.X[:, 1], 1)        # many rows exactly at 0
    assert np.any(margin == 0)
    kept = best_threshold(margin, y, pieces)
    selected = (margin >= 0).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        for piece, rates, value in zip(pieces, kept.own_rates, kept.own_values):
            expected = piece.cells.rates(selected)
            assert np.isnan(expected[-1]) and rates.tobytes() == expected.tobytes()
            again = piece.value(expected, piece.cells.overall(selected))
            assert np.float64(value).tobytes() == np.float64(again).tobytes()


def test_pieces_sharing_rows_are_measured_as_each_alone(train):
    """The scan stacks every piece's cells into one table; a row counted by several pieces
    (demographic parity on sex and on sex × band, equal opportunity on band) must add to each
    piece's cells as if that piece were measured alone, at every candidate threshold."""
    pieces = (pieces_for(hard_term("a", "demographic_parity", "sex", 0.04), train)
              + pieces_for(hard_term("b", "demographic_parity", "sex_band", 0.2), train)
              + pieces_for(hard_term("c", "equal_opportunity", "sex_band", 0.2), train))
    y = train.y.astype(np.float64)
    margin = np.round(train.X[:, 0] - 0.4 * train.X[:, 1], 3)       # ties on purpose
    scan = ThresholdScan(margin, y, pieces)
    counts = scan.boundaries()
    values, accuracies = scan.measure(counts)
    for row, count in enumerate(counts[::7]):
        selected = np.zeros(len(y))
        selected[scan.order[:count]] = 1.0
        alone = [p.value(p.cells.rates(selected), p.cells.overall(selected)) for p in pieces]
        assert values[7 * row].tolist() == alone
        assert accuracies[7 * row] == np.mean(selected == y)
    expected = _brute_force_best(margin, y, pieces)
    kept = best_threshold(margin, y, pieces)
    assert kept.feasible and kept.accuracy == pytest.approx(expected, abs=1e-12)


def test_a_search_s_cell_layout_changes_nothing_but_time(train):
    """A search makes its `CellLayout` once and hands it to every round; a layout made for other
    pieces or other labels is not used."""
    pieces = pieces_for(hard_term("t", "equalized_odds", "sex_band", 0.08), train)
    others = pieces_for(hard_term("t", "demographic_parity", "sex", 0.05), train)
    y = train.y.astype(np.float64)
    margin = train.X[:, 0] + 0.3 * train.X[:, 2]
    plain = best_threshold(margin, y, pieces)
    for layout in (CellLayout(pieces, y), CellLayout(others, y), CellLayout(pieces, 1.0 - y)):
        kept = best_threshold(margin, y, pieces, layout=layout)
        assert kept == plain
        assert [r.tobytes() for r in kept.own_rates] == [r.tobytes() for r in plain.own_rates]


def test_equalized_odds_on_adult_sex_race_holds_at_a_threshold_far_from_the_fit():
    """Cells with few positives (about 10 in some sex × race cells) leave no Lagrangian round
    feasible near its own threshold; the full scan still finds a model meeting the bound."""
    adult = load_adult()[0]
    request = FitRequest(ModelSpec("logistic"), (hard_term("r", "equalized_odds", "sex*race", 0.05),))
    model = ConvexBackend().fit(request, adult).model
    pred = model.predict(adult.X)
    assert pairwise_value("equalized_odds", adult.y, pred, adult.partitions["sex*race"].codes) <= 0.05
    assert 0 < pred.sum() < len(pred) and np.mean(pred == adult.y) > np.mean(adult.y == 0)


def test_a_near_constant_answer_says_so():
    adult = load_adult()[0]
    request = FitRequest(ModelSpec("logistic"), (hard_term("r", "equalized_odds", "sex*race", 0.05),))
    detail = ConvexBackend().fit(request, adult).terms[0].detail
    assert "rows selected" in detail and "near-constant" in detail


def test_warm_started_fits_along_a_chain_stay_as_accurate_as_cold_ones():
    """A warm start extrapolates the multipliers; its far thresholds can be feasible and nearly
    constant (seen on Adult's disparate-impact frontier), which must not end the search."""
    adult = load_adult()[0]
    state = None
    for bound in (0.5, 0.65, 0.8, 0.95):
        request = FitRequest(ModelSpec("logistic"), (hard_term("r", "disparate_impact", "sex", bound),))
        warm = ConvexBackend().fit(FitRequest(request.model, request.terms, warm_start=state), adult)
        cold = ConvexBackend().fit(request, adult)
        state = warm.state
        accuracy = [float(np.mean(r.model.predict(adult.X) == adult.y)) for r in (warm, cold)]
        assert accuracy[0] >= accuracy[1] - 0.01, (bound, accuracy)


@pytest.mark.parametrize("name,bound", CASES)
def test_an_order_hint_changes_nothing_but_time(train, name, bound):
    """The search hands each round the last round's row order; any permutation of the rows, a
    nearby score's or none at all, gives the same threshold, values and accuracy, ties included."""
    pieces = pieces_for(hard_term("t", name, "sex_band", bound), train)
    y = train.y.astype(np.float64)
    margin = np.round(train.X[:, 0] - 0.4 * train.X[:, 1], 3)       # ties on purpose
    plain = best_threshold(margin, y, pieces)
    rng = np.random.default_rng(1)
    nearby = np.argsort(-(margin + rng.normal(scale=0.05, size=len(margin))))
    for hint in (nearby, rng.permutation(len(margin)), plain.order[::-1]):
        hinted = best_threshold(margin, y, pieces, hint=hint)
        assert hinted == plain                              # `order` is left out of equality
        assert np.all(np.diff(margin[hinted.order]) <= 0)   # still the rows by falling margin


@pytest.mark.parametrize("name,bound", CASES)
@pytest.mark.parametrize("partition", ["sex", "sex_band"])
def test_the_batched_scan_and_the_whole_scan_choose_alike(train, monkeypatch, name, bound,
                                                          partition):
    """Small candidate sets are measured in one call, larger ones in batches, most accurate
    first; both must keep the same threshold, values, accuracy and nearness, ties included."""
    from fairspec.backends.reductions import thresholds

    pieces = pieces_for(hard_term("t", name, partition, bound), train)
    y = train.y.astype(np.float64)
    for margin in (np.round(train.X[:, 0] - 0.4 * train.X[:, 1], 3),     # ties on purpose
                   train.X[:, 0] + 0.3 * train.X[:, 2]):
        whole = best_threshold(margin, y, pieces)
        monkeypatch.setattr(thresholds, "WHOLE_SCAN", 0)
        batched = best_threshold(margin, y, pieces)
        monkeypatch.undo()
        assert batched == whole


def test_exact_parity_holds_even_a_bound_of_zero(train):
    """A gap of exactly 0 (a ratio of exactly 1) is equal rates, equal fractions of whole counts
    and so equal floats in any order of evaluation: it meets a bound of 0 (of 1), which a value
    a hair above it does not."""
    gap = pieces_for(hard_term("t", "demographic_parity", "sex", 0.0), train)[0]
    ratio = pieces_for(hard_term("t", "disparate_impact", "sex", 1.0), train)[0]
    assert gap.holds(0.0) and not gap.holds(1e-12)
    assert ratio.holds(1.0) and not ratio.holds(1.0 - 1e-12)
    assert gap.holds_all(np.array([0.0, 1e-12])).tolist() == [True, False]
    assert ratio.holds_all(np.array([1.0, 1.0 - 1e-12])).tolist() == [True, False]
