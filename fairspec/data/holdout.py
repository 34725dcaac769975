"""The seeded, stratified split of one table into training and holdout rows (`holdout 0.3 seed 7`)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def stratified_split(strata: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Row indices (train, holdout), each ascending; the same strata, fraction and seed give the same split.

    The holdout gets round(fraction · n) rows, shared among strata in proportion to their size
    (largest remainders get the leftover rows), each stratum's rows drawn by one seeded permutation.
    """
    n_rows = strata.size
    stratum_of_row = np.unique(strata, return_inverse=True)[1].ravel()
    sizes = np.bincount(stratum_of_row)
    quotas = _proportional_quotas(sizes, round(fraction * n_rows))
    shuffled = np.random.default_rng(seed).permutation(n_rows)
    by_stratum = shuffled[np.argsort(stratum_of_row[shuffled], kind="stable")]
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    rank_in_stratum = np.arange(n_rows) - np.repeat(starts, sizes)
    to_holdout = rank_in_stratum < np.repeat(quotas, sizes)
    return np.sort(by_stratum[~to_holdout]), np.sort(by_stratum[to_holdout])


def _proportional_quotas(sizes: np.ndarray, total: int) -> np.ndarray:
    exact = sizes * (total / max(int(sizes.sum()), 1))
    quotas = np.floor(exact).astype(np.int64)
    leftover = total - int(quotas.sum())
    by_remainder = np.argsort(-(exact - quotas), kind="stable")
    quotas[by_remainder[:leftover]] += 1
    return quotas


def strata_codes(*keys: np.ndarray) -> np.ndarray:
    """One stratum code per row for the combination of the given per-row keys."""
    combined = np.zeros(len(keys[0]), dtype=np.int64)
    for key in keys:
        codes = np.unique(np.asarray(key), return_inverse=True)[1].ravel()
        combined = combined * (int(codes.max(initial=0)) + 1) + codes
    return combined


def quantile_bins(values: np.ndarray, n_bins: int = 5) -> np.ndarray:
    """Bin index per row by quantiles: how a regression target is stratified."""
    edges = np.unique(np.quantile(values, np.linspace(0, 1, n_bins + 1)[1:-1]))
    return np.searchsorted(edges, values, side="right")


def keep_values_in_train(values_by_name: dict[str, np.ndarray], train: np.ndarray,
                         holdout: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Move to train the first holdout row of each value that train lacks, per named column.

    `values_by_name` holds per-row text: categorical model inputs and protected attribute labels.
    A value that a random split put only in the holdout would have no one-hot column or group
    (Adult's single `Holand-Netherlands` row, for one). Returns (train, holdout, moved `name=value`s).
    """
    moved: list[str] = []
    for name, values in values_by_name.items():
        holdout_values = values[holdout]
        new = ~pd.Series(holdout_values).isin(set(values[train])).to_numpy()
        lacking, first = np.unique(holdout_values[new].astype(str), return_index=True)
        if lacking.size:
            rows = holdout[np.flatnonzero(new)[first]]
            train = np.sort(np.concatenate([train, rows]))
            holdout = np.setdiff1d(holdout, rows)
            moved += [f"{name}={value}" for value in lacking]
    return train, holdout, moved
