"""Cells too small to certify, found before training, against closed-form binomial limits."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fairspec.certify import DEFAULT_SAFETY_FRACTION, too_small_cells
from fairspec.data.spec import Partition, Split

from .synthetic import program


def split_with_cells(sizes: dict[str, int], positive_share: float = 0.5) -> Split:
    codes = np.concatenate([np.full(n, i) for i, n in enumerate(sizes.values())])
    y = np.concatenate([(np.arange(n) < round(positive_share * n)).astype(int) for n in sizes.values()])
    return Split("train", np.zeros((codes.size, 1)), y,
                 {"grp": Partition("grp", tuple(sizes), codes)})


def gap_rows_needed(bound: float, tail: float, fraction: float) -> int:
    """Least training rows n with half the width of the 0-success interval ≤ bound.

    With 0 successes in m rows the exact upper limit u solves (1 − u)^m = tail.
    """
    safety_rows = math.log(tail) / math.log(1.0 - 2.0 * bound)
    return math.ceil(safety_rows / fraction - 1e-9)


def test_a_gap_cell_is_too_small_exactly_below_the_binomial_limit():
    # δ 0.1 over 2 cells, two-sided: each tail 0.025; the default safety share
    needed = gap_rows_needed(0.05, 0.1 / 2 / 2, DEFAULT_SAFETY_FRACTION)
    prog = program("demographic_parity(grp) <= 0.05 hard confidence 0.9")
    (cell,) = too_small_cells(prog, split_with_cells({"0": 5000, "1": needed - 1}))
    assert (cell.cell, cell.training_rows, cell.training_rows_needed) == ("1", needed - 1, needed)
    assert too_small_cells(prog, split_with_cells({"0": 5000, "1": needed})) == ()


def test_equal_opportunity_counts_only_positive_rows():
    prog = program("equal_opportunity(grp) <= 0.05 hard confidence 0.9")
    needed = gap_rows_needed(0.05, 0.1 / 2 / 2, DEFAULT_SAFETY_FRACTION)
    cells = too_small_cells(prog, split_with_cells({"0": 4 * needed, "1": int(1.5 * needed)}, 0.5))
    assert [c.cell for c in cells] == ["1"]                  # 0.75·needed positive rows
    assert cells[0].rate == "rate(selected | label_positive)"


def test_a_ratio_cell_needs_its_all_selected_lower_limit_above_the_bound():
    # n successes of n: the exact lower limit l solves l^m = tail
    tail, bound = 0.1 / 2 / 2, 0.8
    needed = math.ceil(math.log(tail) / math.log(bound) / DEFAULT_SAFETY_FRACTION - 1e-9)
    prog = program("disparate_impact(grp) >= 0.8 hard confidence 0.9")
    (cell,) = too_small_cells(prog, split_with_cells({"0": 1000, "1": needed - 2}))
    assert cell.training_rows_needed == pytest.approx(needed, abs=1)
    assert "no model can be certified" in str(cell)
