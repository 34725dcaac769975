"""The exact difference test: its coverage computed over every outcome, a brute-force inversion,
and how it compares with interval arithmetic on per-group Clopper–Pearson intervals."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import beta, binom

from fairspec.data.spec import Partition
from fairspec.metrics.bounds import DIFFERENCE_METHOD, certified_bound, clopper_pearson
from fairspec.metrics.difference import (NUISANCE_SHARE, _Test, difference_upper_bound,
                                         mover_upper_bound)
from fairspec.metrics.expressions import Gap, Largest, Rate

TRUE_RATES = np.unique(np.concatenate([np.linspace(0.0, 1.0, 11), np.linspace(0.013, 0.987, 13)]))


def all_bounds(n_a: int, n_b: int, alpha: float) -> np.ndarray:
    return np.array([[difference_upper_bound(x_a, n_a, x_b, n_b, alpha) for x_b in range(n_b + 1)]
                     for x_a in range(n_a + 1)])


@pytest.mark.parametrize("n_a,n_b,alpha", [(6, 9, 0.1), (12, 7, 0.05), (20, 15, 0.2)])
def test_the_bound_misses_the_true_difference_at_most_alpha_of_the_time(n_a, n_b, alpha):
    bounds = all_bounds(n_a, n_b, alpha)
    worst = 0.0
    for p_a in TRUE_RATES:
        for p_b in TRUE_RATES:
            outcomes = (binom.pmf(np.arange(n_a + 1), n_a, p_a)[:, None]
                        * binom.pmf(np.arange(n_b + 1), n_b, p_b)[None, :])
            worst = max(worst, float(outcomes[bounds < p_a - p_b].sum()))
    assert worst <= alpha + 1e-12
    assert worst >= 0.2 * alpha            # not a vacuous bound: it does miss sometimes


def brute_force_p_value(x_a: int, n_a: int, x_b: int, n_b: int, alpha: float, d0: float) -> float:
    """The test's p-value at d₀, its supremum taken over nuisance rates in steps of 2e-4."""
    gamma = NUISANCE_SHARE * alpha
    low = beta.ppf(gamma / 2, x_b, n_b - x_b + 1) if x_b > 0 else 0.0
    high = beta.ppf(1 - gamma / 2, x_b + 1, n_b - x_b) if x_b < n_b else 1.0
    rates = np.arange(max(low, -d0), min(high, 1 - d0) + 1e-12, 2e-4)[:, None, None]
    a, b = np.arange(n_a + 1)[None, :, None], np.arange(n_b + 1)[None, None, :]
    at_most = a * n_b - b * n_a <= x_a * n_b - x_b * n_a          # T ≤ t, in integers
    outcomes = binom.pmf(a, n_a, rates + d0) * binom.pmf(b, n_b, rates)
    return gamma + float((outcomes * at_most).sum(axis=(1, 2)).max(initial=0.0))


@pytest.mark.parametrize("x_a,n_a,x_b,n_b", [(12, 40, 5, 30), (3, 25, 9, 35), (30, 60, 28, 50)])
def test_the_bound_is_where_a_brute_force_p_value_crosses_alpha(x_a, n_a, x_b, n_b):
    exact = difference_upper_bound(x_a, n_a, x_b, n_b, 0.05)
    # A grid supremum is at most the true one: at the bound it must reject too. Just below it
    # the test must not reject, or the bound would be needlessly wide.
    assert brute_force_p_value(x_a, n_a, x_b, n_b, 0.05, exact) <= 0.05
    assert brute_force_p_value(x_a, n_a, x_b, n_b, 0.05, exact - 2e-3) > 0.05


@pytest.mark.parametrize("x_a,n_a,x_b,n_b", [(160, 2030, 78, 970), (600, 1350, 200, 650),
                                             (300, 4000, 150, 1000), (1200, 5000, 500, 2500)])
def test_narrower_than_interval_arithmetic_at_the_same_level(x_a, n_a, x_b, n_b):
    delta = 0.05                               # both directions of |r_a − r_b|: δ/2 each
    exact = max(difference_upper_bound(x_a, n_a, x_b, n_b, delta / 2),
                difference_upper_bound(x_b, n_b, x_a, n_a, delta / 2))
    lower, upper = clopper_pearson(np.array([x_a, x_b]), np.array([n_a, n_b]), delta / 2)
    arithmetic = max(upper[0] - lower[1], upper[1] - lower[0])
    observed = abs(x_a / n_a - x_b / n_b)
    assert observed < exact < observed + 0.85 * (arithmetic - observed)


def test_the_bound_rises_with_the_first_count_and_falls_with_the_second():
    rising = [difference_upper_bound(x, 300, 40, 200, 0.025) for x in range(30, 80, 10)]
    falling = [difference_upper_bound(50, 300, x, 200, 0.025) for x in range(20, 70, 10)]
    assert all(np.diff(rising) > 0) and all(np.diff(falling) < 0)


def test_edge_cases():
    assert difference_upper_bound(0, 0, 3, 10, 0.05) == 1.0
    assert difference_upper_bound(10, 10, 0, 10, 0.05) == pytest.approx(1.0, abs=1e-4)
    assert difference_upper_bound(0, 10, 10, 10, 0.05) < -0.5         # r_a − r_b is surely negative
    with pytest.raises(ValueError):
        difference_upper_bound(1, 10, 1, 10, 0.0)
    with pytest.raises(ValueError):
        difference_upper_bound(11, 10, 1, 10, 0.05)


@pytest.mark.parametrize("x_a,n_a,x_b,n_b", [(160, 2030, 78, 970), (600, 1350, 200, 650)])
def test_mover_predicts_the_exact_bound_from_below_and_closely(x_a, n_a, x_b, n_b):
    exact = difference_upper_bound(x_a, n_a, x_b, n_b, 0.025)
    quick = float(mover_upper_bound(x_a, n_a, x_b, n_b, 0.025))
    assert quick <= exact <= quick + 0.01


def two_group_rows(counts: dict[str, tuple[int, int]]) -> tuple[np.ndarray, Partition]:
    """0/1 predictions with `selected` of `rows` in each group."""
    y_pred, codes = [], []
    for code, (selected, rows) in enumerate(counts.values()):
        y_pred.append((np.arange(rows) < selected).astype(int))
        codes.append(np.full(rows, code))
    return np.concatenate(y_pred), Partition("g", tuple(counts), np.concatenate(codes))


def test_certified_bound_uses_the_difference_test_for_two_groups_only():
    gap = Gap(Rate("selected"), "pairwise")
    y_pred, partition = two_group_rows({"a": (300, 2000), "b": (120, 1000)})
    result = certified_bound(gap, y_pred, y_pred, partition, delta=0.05)
    assert result.method == DIFFERENCE_METHOD
    (interval,) = result.intervals
    assert interval.label == "a − b" and interval.support == 3000
    assert interval.upper == difference_upper_bound(300, 2000, 120, 1000, 0.025)
    assert interval.lower == -difference_upper_bound(120, 1000, 300, 2000, 0.025)
    assert result.bound == max(interval.upper, -interval.lower)
    arithmetic = certified_bound(gap, y_pred, y_pred, partition, delta=0.05,
                                 binary_method="clopper_pearson")
    assert arithmetic.method == "clopper_pearson" and result.bound < arithmetic.bound

    y_pred, partition = two_group_rows({"a": (300, 2000), "b": (120, 1000), "c": (50, 400)})
    assert certified_bound(gap, y_pred, y_pred, partition, delta=0.05).method == "clopper_pearson"


def test_a_max_of_gaps_splits_delta_over_its_gaps_and_directions():
    both = Largest((Gap(Rate("selected", "label_positive"), "pairwise"),
                    Gap(Rate("selected", "label_negative"), "pairwise")))
    y_pred, partition = two_group_rows({"a": (300, 2000), "b": (120, 1000)})
    y_true = np.tile([1, 0], 1500)
    result = certified_bound(both, y_true, y_pred, partition, delta=0.05)
    assert result.method == DIFFERENCE_METHOD and result.delta_per_interval == pytest.approx(0.05 / 4)
    assert len(result.intervals) == 2
    assert result.bound == max(max(i.upper, -i.lower) for i in result.intervals)


def test_a_third_group_without_rows_keeps_interval_arithmetic():
    # Review finding: with three labels and one group absent from the rows, the difference test
    # of the other two would ignore a group whose rate is unknown (and may be far off).
    gap = Gap(Rate("selected"), "pairwise")
    y_pred, partition = two_group_rows({"a": (150, 500), "b": (150, 500)})
    three = Partition("g", ("a", "b", "c"), partition.codes)
    result = certified_bound(gap, y_pred, y_pred, three, delta=0.05)
    assert result.method == "clopper_pearson" and result.bound >= 0.6   # c's rate may be 0 or 1


def test_rejection_below_the_nuisance_interval_looks_at_the_corner_of_the_null():
    test = _Test(0, 10, 5, 10, 0.05)
    assert not test.rejects(-0.95)          # p_a = 0, p_b near 0.9 makes T ≤ t almost sure
    assert not test.rejects(-0.5)
    assert test.rejects(1.0)
