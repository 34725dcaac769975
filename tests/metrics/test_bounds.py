"""Exact rate intervals, interval arithmetic and certified bounds (fairspec.metrics.bounds)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from fairspec.data.spec import Partition
from fairspec.metrics import (certified_bound, clopper_pearson, combine, evaluate,
                              gap_upper_bound, hoeffding, ratio_lower_bound,
                              worst_group_upper_bound)
from fairspec.metrics.catalog import METRICS, group_metric_names
from fairspec.metrics.expressions import Gap, Largest, Rate, Ratio, WorstGroup

BINOMIAL_GRID = [(0, 10), (1, 10), (5, 10), (9, 10), (10, 10), (37, 120), (0, 1), (1, 1),
                 (250, 1000)]


@pytest.mark.parametrize("successes, trials", BINOMIAL_GRID)
@pytest.mark.parametrize("delta", [0.05, 0.2])
def test_clopper_pearson_solves_the_binomial_tail_equations(successes, trials, delta):
    lower, upper = clopper_pearson(successes, trials, delta)
    if successes > 0:
        # P(X ≥ x | p = L) = δ/2
        assert stats.binom.sf(successes - 1, trials, lower) == pytest.approx(delta / 2, rel=1e-9)
        assert lower == pytest.approx(stats.beta.ppf(delta / 2, successes,
                                                     trials - successes + 1), rel=1e-12)
    else:
        assert lower == 0.0
    if successes < trials:
        # P(X ≤ x | p = U) = δ/2
        assert stats.binom.cdf(successes, trials, upper) == pytest.approx(delta / 2, rel=1e-9)
    else:
        assert upper == 1.0
    _, one_sided_upper = clopper_pearson(successes, trials, delta, "upper")
    one_sided_lower, _ = clopper_pearson(successes, trials, delta, "lower")
    if successes < trials:
        assert stats.binom.cdf(successes, trials, one_sided_upper) == pytest.approx(delta, rel=1e-9)
    if successes > 0:
        assert stats.binom.sf(successes - 1, trials, one_sided_lower) == pytest.approx(delta,
                                                                                       rel=1e-9)


def test_clopper_pearson_is_vectorised_and_vacuous_without_trials():
    lower, upper = clopper_pearson(np.array([0, 3, 0]), np.array([0, 10, 5]), 0.05)
    assert (lower[0], upper[0]) == (0.0, 1.0)
    assert lower[1] < 0.3 < upper[1]
    with pytest.raises(ValueError, match="successes"):
        clopper_pearson(4, 3, 0.05)
    with pytest.raises(ValueError, match="side"):
        clopper_pearson(1, 3, 0.05, "both")


def test_hoeffding_radius_and_clipping():
    lower, upper = hoeffding(np.array([0.5, 0.02, 0.5]), np.array([200, 200, 0]), 0.1)
    radius = math.sqrt(math.log(2 / 0.1) / (2 * 200))
    assert lower[0] == pytest.approx(0.5 - radius) and upper[0] == pytest.approx(0.5 + radius)
    assert lower[1] == 0.0                                   # clipped at 0
    assert (lower[2], upper[2]) == (0.0, 1.0)                # no rows: vacuous
    _, one_sided = hoeffding(3.0, 50, 0.05, "upper", value_range=10.0)
    assert one_sided == pytest.approx(3.0 + 10.0 * math.sqrt(math.log(1 / 0.05) / 100))
    low, high = hoeffding(3.0, 50, 0.05, "lower", value_range=10.0)
    assert high == 10.0 and low == pytest.approx(3.0 - 10.0 * math.sqrt(math.log(20) / 100))


@pytest.mark.parametrize("true_rate", [0.05, 0.5])
def test_exact_intervals_cover_at_their_level(true_rate):
    rng = np.random.default_rng(11)
    trials, delta, draws = 60, 0.1, 4000
    successes = rng.binomial(trials, true_rate, draws)
    for lower, upper in (clopper_pearson(successes, trials, delta),
                         hoeffding(successes / trials, trials, delta)):
        misses = np.mean((true_rate < lower) | (true_rate > upper))
        assert misses <= delta


# ---------------------------------------------------------------- interval arithmetic


def _random_intervals(rng, k):
    lower = rng.random(k) * 0.8
    return lower, lower + rng.random(k) * 0.2


@pytest.mark.parametrize("seed", range(5))
def test_gap_bound_is_the_worst_pair_of_endpoints(seed):
    rng = np.random.default_rng(seed)
    lower, upper = _random_intervals(rng, 5)
    brute = max(upper[g] - lower[h] for g in range(5) for h in range(5) if g != h)
    assert gap_upper_bound(lower, upper) == pytest.approx(max(brute, 0.0))
    points = lower + (upper - lower) * rng.random((2000, 5))
    assert np.all(points.max(axis=1) - points.min(axis=1) <= gap_upper_bound(lower, upper) + 1e-12)
    overall = (0.3, 0.4)
    overall_points = 0.3 + 0.1 * rng.random(2000)
    realised = np.abs(points - overall_points[:, None]).max(axis=1)
    assert np.all(realised <= gap_upper_bound(lower, upper, "overall", overall) + 1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_ratio_bound_holds_for_every_point_in_the_intervals(seed):
    rng = np.random.default_rng(seed)
    lower, upper = _random_intervals(rng, 4)
    points = lower + (upper - lower) * rng.random((2000, 4))
    pairwise = points.min(axis=1) / points.max(axis=1)
    assert np.all(pairwise >= ratio_lower_bound(lower, upper) - 1e-12)
    overall_points = 0.3 + 0.1 * rng.random(2000)
    per_group = (np.minimum(points, overall_points[:, None])
                 / np.maximum(points, overall_points[:, None]))
    assert np.all(per_group.min(axis=1)
                  >= ratio_lower_bound(lower, upper, "overall", (0.3, 0.4)) - 1e-12)


def test_interval_arithmetic_edge_cases():
    assert gap_upper_bound([0.2], [0.3]) == 0.0
    assert ratio_lower_bound([0.0, 0.0], [0.0, 0.0]) == 1.0
    assert worst_group_upper_bound([0.1, 0.7, 0.3]) == 0.7
    with pytest.raises(ValueError, match="overall"):
        gap_upper_bound([0.1, 0.2], [0.2, 0.3], "overall")


# ---------------------------------------------------------------- certified bounds


def _simulate(rng, n_rows, shares, base_rates, tprs, fprs):
    codes = rng.choice(len(shares), size=n_rows, p=shares)
    y = (rng.random(n_rows) < base_rates[codes]).astype(int)
    selected_probability = np.where(y == 1, tprs[codes], fprs[codes])
    yhat = (rng.random(n_rows) < selected_probability).astype(int)
    score = np.clip(0.5 * selected_probability + 0.5 * rng.random(n_rows), 0, 1)
    return y, yhat, score, codes


def _population_truth(expr, shares, base_rates, tprs, fprs):
    selection = base_rates * tprs + (1 - base_rates) * fprs
    group_values = {Rate("selected"): selection, Rate("selected", "label_positive"): tprs,
                    Rate("selected", "label_negative"): fprs}
    overall_values = {
        Rate("selected"): shares @ selection,
        Rate("selected", "label_positive"): (shares * base_rates) @ tprs / (shares @ base_rates),
        Rate("selected", "label_negative"):
            (shares * (1 - base_rates)) @ fprs / (shares @ (1 - base_rates)),
    }
    return float(combine(expr, group_values, overall_values))


@pytest.mark.parametrize("expr", [
    Gap(Rate("selected")), Ratio(Rate("selected")), Gap(Rate("selected"), "overall"),
    Largest((Gap(Rate("selected", "label_positive"), "overall"),
             Gap(Rate("selected", "label_negative"), "overall"))),
], ids=str)
def test_certified_bound_covers_the_population_value(expr):
    rng = np.random.default_rng(5)
    shares = np.array([0.6, 0.3, 0.1])
    base_rates = np.array([0.3, 0.25, 0.4])
    tprs, fprs = np.array([0.7, 0.65, 0.72]), np.array([0.1, 0.08, 0.15])
    truth = _population_truth(expr, shares, base_rates, tprs, fprs)
    partition_labels = ("a", "b", "c")
    delta, trials, misses, bounds = 0.2, 200, 0, []
    for _ in range(trials):
        y, yhat, score, codes = _simulate(rng, 1500, shares, base_rates, tprs, fprs)
        result = certified_bound(expr, y, yhat, Partition("grp", partition_labels, codes),
                                 delta=delta)
        bounds.append(result.bound)
        misses += truth > result.bound if result.side == "upper" else truth < result.bound
    assert misses / trials <= delta
    assert 0.0 < np.median(bounds) < 1.0                 # informative, not vacuous


def test_worst_group_loss_bound_is_one_sided_hoeffding_with_delta_split():
    rng = np.random.default_rng(9)
    codes = np.repeat([0, 1], [500, 300])
    partition = Partition("grp", ("a", "b"), codes)
    y, prediction = rng.random(800), rng.random(800)       # squared errors lie in [0, 1]
    result = certified_bound(WorstGroup(Rate("squared_error")), y, prediction, partition,
                             delta=0.1)
    assert result.side == "upper" and result.delta_per_interval == 0.05
    expected = max(np.mean((prediction - y)[codes == g] ** 2)
                   + math.sqrt(math.log(1 / 0.05) / (2 * np.sum(codes == g))) for g in (0, 1))
    assert result.bound == pytest.approx(expected)
    with pytest.raises(ValueError, match="value_range"):
        certified_bound(WorstGroup(Rate("squared_error")), 3 * y, prediction, partition)


@pytest.mark.parametrize("metric_name", [name for name in group_metric_names()
                                         if "binary" in METRICS[name].tasks])
@pytest.mark.parametrize("reference", ["pairwise", "overall"])
def test_certified_bound_is_on_the_safe_side_of_the_estimate(german_case, metric_name, reference):
    case = german_case
    partition = case.partitions["sex*age_group"]
    expr = METRICS[metric_name].expression(reference, "binary")
    estimate = evaluate(expr, case.y_true, case.y_pred, partition, case.score).value
    result = certified_bound(expr, case.y_true, case.y_pred, partition, case.score, delta=0.05,
                             value_range=35.0)
    if result.side == "upper":
        assert result.bound >= estimate
    else:
        assert result.bound <= estimate
    assert result.to_dict()["delta"] == 0.05


def test_certified_bound_refuses_a_max_over_a_ratio():
    expr = Largest((Gap(Rate("selected")), Ratio(Rate("selected"))))
    with pytest.raises(ValueError, match="bounded above"):
        certified_bound(expr, np.array([0, 1]), np.array([0, 1]),
                        Partition("grp", ("a", "b"), np.array([0, 1])))
