"""Bootstrap percentile intervals of a metric, vectorised over the resamples.

Rows of the partition are resampled with replacement, B times, and the metric is recomputed on
each resample through `evaluate.combine`, so a replicate means exactly what the point estimate
means. When every leaf is a 0/1 event, a row resample only changes the counts of the 4k cells
(group × y × ŷ), and those counts are drawn directly from one multinomial per replicate: exactly
the distribution of a row resample, at the cost of 4k numbers per replicate. A leaf over a
real-valued loss needs the rows themselves: each replicate's count per row is drawn, and group sums
follow from one `np.add.reduceat` per leaf over rows sorted by group.

The percentile interval of a max-type statistic (a gap over many groups whose rates are close) is
biased upwards: with a true gap near 0, the resampled gaps mostly exceed the observed one and the
interval can lie above the estimate. It describes sampling spread, not a guarantee; for a
guarantee use `bounds.certified_bound`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from fairspec.data.spec import Partition
from fairspec.metrics.evaluate import combine, evaluate, jsonable
from fairspec.metrics.expressions import Expr, leaves
from fairspec.metrics.rates import (BINARY_EVENTS, as_binary, mean_or_nan, row_condition,
                                    row_quantity)

# Row-path bootstrap: resample counts handled per block (2 MB of float64, cache-sized: larger
# blocks measured slower).
_COUNTS_PER_CHUNK = 262_144


@dataclass(frozen=True)
class BootstrapInterval:
    """A percentile bootstrap interval around `estimate`.

    `n_undefined` counts replicates where the metric was undefined (no group defined); they are
    left out of the percentiles.
    """

    estimate: float
    lower: float
    upper: float
    confidence: float
    n_resamples: int
    n_undefined: int
    seed: int

    def to_dict(self) -> dict:
        return jsonable(asdict(self))


def bootstrap_interval(expr: Expr, y_true, y_pred, partition: Partition, score=None, *,
                       n_resamples: int = 1000, confidence: float = 0.95,
                       seed: int = 0) -> BootstrapInterval:
    """Percentile bootstrap interval of `expr` at `confidence`; same seed, same result."""
    if not 0.0 < confidence < 1.0:
        raise ValueError("confidence must lie strictly between 0 and 1")
    replicates = bootstrap_replicates(expr, y_true, y_pred, partition, score,
                                      n_resamples=n_resamples, seed=seed)
    defined = replicates[~np.isnan(replicates)]
    tail = (1.0 - confidence) / 2.0
    lower, upper = (np.quantile(defined, [tail, 1.0 - tail]) if defined.size
                    else (math.nan, math.nan))
    return BootstrapInterval(
        estimate=evaluate(expr, y_true, y_pred, partition, score).value,
        lower=float(lower), upper=float(upper), confidence=confidence,
        n_resamples=n_resamples, n_undefined=int(replicates.size - defined.size), seed=seed)


def bootstrap_replicates(expr: Expr, y_true, y_pred, partition: Partition, score=None, *,
                         n_resamples: int = 1000, seed: int = 0) -> np.ndarray:
    """The metric on `n_resamples` resamples of the partition's rows (code ≥ 0); NaN: undefined."""
    if n_resamples < 1:
        raise ValueError("n_resamples must be at least 1")
    rows = np.flatnonzero(np.asarray(partition.codes) >= 0)
    if rows.size == 0:
        raise ValueError(f"partition {partition.name!r} has no rows to resample")
    sample = _Sample(np.asarray(y_true)[rows], np.asarray(y_pred)[rows],
                     None if score is None else np.asarray(score)[rows],
                     np.asarray(partition.codes)[rows], len(partition.labels))
    rng = np.random.default_rng(seed)
    expr_leaves = leaves(expr)
    if all(leaf.event in BINARY_EVENTS for leaf in expr_leaves):
        sums = _cell_resample_sums(expr_leaves, sample, n_resamples, rng)
    else:
        sums = _row_resample_sums(expr_leaves, sample, n_resamples, rng)
    group_values, overall_values = {}, {}
    for leaf, (totals, support) in sums.items():
        group_values[leaf] = mean_or_nan(totals, support)
        overall_values[leaf] = mean_or_nan(totals.sum(axis=-1), support.sum(axis=-1))
    return combine(expr, group_values, overall_values)


@dataclass(frozen=True)
class _Sample:
    y_true: np.ndarray
    y_pred: np.ndarray
    score: np.ndarray | None
    codes: np.ndarray
    n_groups: int


def _cell_resample_sums(expr_leaves, sample: _Sample, n_resamples: int, rng):
    """Per leaf, (event totals, support), each (B, k), from multinomial draws of the cell counts."""
    y = as_binary(sample.y_true, "y_true").astype(np.int64)
    yhat = as_binary(sample.y_pred, "y_pred").astype(np.int64)
    cells = sample.codes * 4 + 2 * y + yhat
    n_rows = cells.size
    cell_counts = np.bincount(cells, minlength=4 * sample.n_groups)
    draws = rng.multinomial(n_rows, cell_counts / n_rows, size=n_resamples)
    draws = draws.reshape(n_resamples, sample.n_groups, 4).astype(np.float64)
    # The four (y, ŷ) combinations, in cell order, as rows for the rate definitions.
    cell_y, cell_yhat = np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])
    sums = {}
    for leaf in expr_leaves:
        condition = row_condition(leaf, cell_y, cell_yhat).astype(np.float64)
        event = row_quantity(leaf, cell_y, cell_yhat)
        sums[leaf] = ((draws * (condition * event)).sum(axis=-1), (draws * condition).sum(axis=-1))
    return sums


def _row_resample_sums(expr_leaves, sample: _Sample, n_resamples: int, rng):
    """Per leaf, (quantity totals, support) of shape (B, k) from per-row resample counts.

    Rows are put in group order so that a group's sum is one `np.add.reduceat` segment; sums run
    in a fixed order on one thread (no BLAS), so a seed gives the same bits on every machine.
    """
    n_rows, k = sample.codes.size, sample.n_groups
    if n_rows >= 2**31:
        raise ValueError("the bootstrap supports fewer than 2**31 rows")
    order = np.argsort(sample.codes, kind="stable")
    sorted_codes = sample.codes[order]
    present = np.unique(sorted_codes)                     # groups with at least one row
    starts = np.searchsorted(sorted_codes, present)
    row_weights = []                                      # per leaf: condition·quantity, condition
    for leaf in expr_leaves:
        condition = row_condition(leaf, sample.y_true, sample.y_pred).astype(np.float64)
        quantity = row_quantity(leaf, sample.y_true, sample.y_pred, sample.score)
        row_weights.append(((condition * quantity)[order], condition[order]))
    sums = np.zeros((len(expr_leaves), 2, n_resamples, k))
    chunk = max(1, min(n_resamples, _COUNTS_PER_CHUNK // n_rows))
    counts = np.empty((chunk, n_rows))
    for first in range(0, n_resamples, chunk):
        size = min(chunk, n_resamples - first)
        picks = rng.integers(0, n_rows, size=(size, n_rows), dtype=np.int32)
        for replicate, replicate_picks in enumerate(picks):
            counts[replicate] = np.bincount(replicate_picks, minlength=n_rows)
        for i, weights in enumerate(row_weights):
            for j, row_weight in enumerate(weights):
                segment_sums = np.add.reduceat(counts[:size] * row_weight, starts, axis=1)
                sums[i, j, first:first + size][:, present] = segment_sums
    return {leaf: (sums[i, 0], sums[i, 1]) for i, leaf in enumerate(expr_leaves)}
