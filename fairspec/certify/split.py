"""Divide the training rows into a candidate part (to fit) and a safety part (to test), seeded.

The split is a simple random one, deliberately not stratified. If the training rows are i.i.d.
draws from the population, a uniformly random subset of them is again i.i.d., so every interval in
the safety test is exact for every rate. Stratifying on groups or labels would fix the safety
part's mix of sub-populations (e.g. the share of y = 1 within a group) at the training sample's mix,
and a rate that does not condition on the stratum (a selection rate, under label strata) would then
be estimated for the sample's mix rather than the population's: the binomial argument no longer
holds exactly. The cost is a little variation in each cell's share of the safety part.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from fairspec.data.spec import Split

# Mixed into the program seed so that the split does not reuse another consumer's random stream.
SPLIT_STREAM = 0x5AFE


def safety_split(split: Split, fraction: float, seed: int) -> tuple[Split, Split]:
    """(candidate, safety): round(fraction · n) random rows go to safety; order kept within each."""
    if not 0.0 < fraction < 1.0:
        raise ValueError("the safety fraction must lie strictly between 0 and 1")
    n_rows = split.n_rows
    n_safety = int(round(fraction * n_rows))
    order = np.random.default_rng([seed, SPLIT_STREAM]).permutation(n_rows)
    safety_rows = np.sort(order[:n_safety])
    candidate_rows = np.sort(order[n_safety:])
    return subset(split, candidate_rows, "candidate"), subset(split, safety_rows, "safety")


def subset(split: Split, rows: np.ndarray, name: str) -> Split:
    """The rows `rows` of `split` (features, labels and every partition's codes)."""
    partitions = {key: replace(partition, codes=partition.codes[rows])
                  for key, partition in split.partitions.items()}
    return Split(name, split.X[rows], split.y[rows], partitions)
