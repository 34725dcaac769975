"""Mini-batch plans stratified by group × label, so that every batch sees every small group.

A smoothed group rate is estimated from the rows of one batch; a group that is missing from the
batch contributes nothing to that step's penalty, and a group with three rows in it gives a wild
estimate. Each stratum is therefore dealt round-robin over the batches (each batch holds its
proportional share), and a stratum too small to put `min_per_stratum` rows in every batch is
cycled to that size. Cycled copies are flagged as not *primary*: the prediction loss counts each
row once per epoch, the fairness estimates see every stratum in every batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np


@dataclass(frozen=True)
class Batch:
    rows: np.ndarray       # indices into the data, int64
    primary: np.ndarray    # bool: False for a cycled copy of a row of a small stratum


def strata_of(code_arrays: Sequence[np.ndarray], n_rows: int) -> np.ndarray:
    """One stratum id per row for the cross product of the given code arrays (-1 codes kept apart)."""
    strata = np.zeros(n_rows, dtype=np.int64)
    for codes in code_arrays:
        codes = np.asarray(codes, dtype=np.int64) + 1          # -1 (left out) becomes its own level
        strata = strata * (int(codes.max(initial=0)) + 1) + codes
    return np.unique(strata, return_inverse=True)[1].astype(np.int64)


def stratified_batches(strata: np.ndarray, batch_size: int, rng: np.random.Generator,
                       min_per_stratum: int = 1) -> list[Batch]:
    """A shuffled epoch of batches of about `batch_size` rows, each holding every stratum.

    Padding is skipped when there are so many strata that it would more than double a batch.
    """
    n_rows = strata.shape[0]
    n_batches = max(1, -(-n_rows // batch_size))
    n_strata = int(strata.max(initial=-1)) + 1
    pad = n_batches > 1 and n_strata * min_per_stratum <= batch_size
    order = np.argsort(rng.random(n_rows), kind="stable")
    order = order[np.argsort(strata[order], kind="stable")]    # rows grouped by stratum, shuffled within
    starts = np.searchsorted(strata[order], np.arange(n_strata + 1))
    rows, primary = [], []
    for stratum in rng.permutation(n_strata):
        members = order[starts[stratum]:starts[stratum + 1]]
        target = n_batches * min_per_stratum
        if pad and 0 < members.shape[0] < target:
            rows.append(np.resize(members, target))
            primary.append(np.arange(target) < members.shape[0])
        else:
            rows.append(members)
            primary.append(np.ones(members.shape[0], dtype=bool))
    all_rows, all_primary = np.concatenate(rows), np.concatenate(primary)
    batch_of = np.arange(all_rows.shape[0]) % n_batches
    by_batch = np.argsort(batch_of, kind="stable")
    bounds = np.searchsorted(batch_of[by_batch], np.arange(1, n_batches))
    return [Batch(all_rows[part], all_primary[part])
            for part in np.split(by_batch, bounds) if part.shape[0]]
