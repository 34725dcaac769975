"""Bootstrap intervals of metrics (fairspec.metrics.intervals)."""

from __future__ import annotations

import time

import numpy as np
import pytest
from scipy import stats

from fairspec.data.spec import Partition
from fairspec.metrics import bootstrap_interval, bootstrap_replicates, evaluate, measure
from fairspec.metrics.catalog import METRICS
from fairspec.metrics.expressions import Gap, Largest, Rate, WorstGroup


@pytest.mark.parametrize("metric_name, partition_name", [
    ("demographic_parity", "sex"), ("equalized_odds", "sex"), ("disparate_impact", "race"),
    ("error_rate_parity", "sex*race"), ("bounded_group_loss", "sex"),
])
def test_bootstrap_interval_contains_the_estimate(adult_case, metric_name, partition_name):
    expr = METRICS[metric_name].expression("pairwise", "binary")
    case = adult_case
    interval = bootstrap_interval(expr, case.y_true, case.y_pred, case.partitions[partition_name],
                                  case.score, n_resamples=400, seed=1)
    measured = measure(metric_name, case.y_true, case.y_pred, case.partitions[partition_name],
                       case.score)
    assert interval.estimate == measured.value
    assert interval.lower < interval.estimate < interval.upper
    assert interval.n_undefined == 0


@pytest.mark.parametrize("metric_name", ["demographic_parity", "bounded_group_loss"])
def test_bootstrap_interval_shrinks_with_more_rows(adult_case, metric_name):
    expr = METRICS[metric_name].expression("pairwise", "binary")
    case = adult_case
    partition = case.partitions["sex"]
    widths = []
    for n_rows in (2_000, 30_000):
        part = Partition("sex", partition.labels, partition.codes[:n_rows])
        interval = bootstrap_interval(expr, case.y_true[:n_rows], case.y_pred[:n_rows], part,
                                      case.score[:n_rows], n_resamples=400, seed=2)
        widths.append(interval.upper - interval.lower)
    # widths scale as 1/sqrt(n): about sqrt(15) ≈ 3.9 times narrower with 15 times the rows
    assert widths[1] < widths[0] / 2.5


@pytest.mark.parametrize("expr", [Gap(Rate("selected", "label_positive")),
                                  WorstGroup(Rate("log_loss"))], ids=str)
def test_bootstrap_is_deterministic_for_a_seed(german_case, expr):
    case = german_case
    partition = case.partitions["sex*age_group"]
    first = bootstrap_replicates(expr, case.y_true, case.y_pred, partition, case.score,
                                 n_resamples=300, seed=7)
    again = bootstrap_replicates(expr, case.y_true, case.y_pred, partition, case.score,
                                 n_resamples=300, seed=7)
    other = bootstrap_replicates(expr, case.y_true, case.y_pred, partition, case.score,
                                 n_resamples=300, seed=8)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def _brute_force_replicates(expr, case, partition, n_resamples, seed):
    """Resample row indices one replicate at a time and evaluate each resample from scratch."""
    rng = np.random.default_rng(seed)
    n_rows = len(case.y_true)
    values = []
    for _ in range(n_resamples):
        rows = rng.integers(0, n_rows, n_rows)
        resampled = Partition(partition.name, partition.labels, partition.codes[rows])
        values.append(evaluate(expr, case.y_true[rows], case.y_pred[rows], resampled,
                               case.score[rows]).value)
    return np.array(values)


@pytest.mark.parametrize("expr", [
    Largest((Gap(Rate("selected", "label_positive"), "overall"),
             Gap(Rate("selected", "label_negative"), "overall"))),   # the cell-count path
    WorstGroup(Rate("log_loss")),                                    # the row-count path
], ids=["cells", "rows"])
def test_vectorised_bootstrap_matches_brute_force_resampling(german_case, expr):
    case = german_case
    partition = case.partitions["sex*age_group"]
    fast = bootstrap_replicates(expr, case.y_true, case.y_pred, partition, case.score,
                                n_resamples=1000, seed=3)
    slow = _brute_force_replicates(expr, case, partition, 300, seed=4)
    assert stats.ks_2samp(fast, slow).pvalue > 0.01
    assert fast.std() == pytest.approx(slow.std(), rel=0.15)


def test_bootstrap_counts_and_skips_undefined_replicates():
    # a single positive row: replicates that miss it leave every group's TPR undefined
    y = np.zeros(40, dtype=int)
    y[0] = 1
    yhat = np.tile([0, 1], 20)
    partition = Partition("grp", ("a", "b"), np.tile([0, 1], 20).astype(np.int64))
    interval = bootstrap_interval(Gap(Rate("selected", "label_positive")), y, yhat, partition,
                                  n_resamples=500, seed=0)
    # P(row 0 is missed) = (39/40)^40 ≈ 0.36
    assert 120 < interval.n_undefined < 240
    assert interval.lower == interval.upper == 0.0


def test_bootstrap_rejects_bad_arguments(german_case):
    case = german_case
    expr = Gap(Rate("selected"))
    partition = case.partitions["sex"]
    with pytest.raises(ValueError, match="confidence"):
        bootstrap_interval(expr, case.y_true, case.y_pred, partition, confidence=1.0)
    with pytest.raises(ValueError, match="n_resamples"):
        bootstrap_replicates(expr, case.y_true, case.y_pred, partition, n_resamples=0)


@pytest.mark.slow
@pytest.mark.parametrize("n_groups", [2, 10])
@pytest.mark.parametrize("metric_name", ["demographic_parity", "equalized_odds",
                                         "bounded_group_loss"])
def test_bootstrap_time_on_adult_size_data(adult_case, metric_name, n_groups):
    case = adult_case
    rows = slice(0, 15_000)
    partition = case.partitions["sex" if n_groups == 2 else "sex*race"]
    assert len(partition.labels) == n_groups
    part = Partition(partition.name, partition.labels, partition.codes[rows])
    expr = METRICS[metric_name].expression("pairwise", "binary")
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        bootstrap_interval(expr, case.y_true[rows], case.y_pred[rows], part, case.score[rows],
                           n_resamples=1000)
        timings.append(time.perf_counter() - start)
    print(f"{metric_name} k={n_groups}: best of 3 {min(timings):.4f} s at B=1000, n=15000")
    assert min(timings) < 0.5
