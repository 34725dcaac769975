"""Small synthetic data for the hard-requirement backends: two attributes and their intersection."""

from __future__ import annotations

import numpy as np
import pytest

from fairspec.backends.base import Term
from fairspec.data.spec import Partition, Split
from fairspec.metrics.catalog import metric


def make_split(n_rows: int = 1500, seed: int = 0) -> Split:
    """Binary target whose base rate and features differ by `sex` (2 groups) and `band` (3)."""
    rng = np.random.default_rng(seed)
    sex = (rng.random(n_rows) < 0.35).astype(np.int64)
    band = rng.integers(0, 3, n_rows)
    X = rng.normal(size=(n_rows, 5))
    X[:, 0] += 0.8 * sex                  # a proxy of sex among the inputs
    X[:, 1] += 0.5 * band
    logit = 1.2 * X[:, 0] - 0.8 * X[:, 1] + 0.6 * X[:, 2] + 0.9 * sex - 0.3
    y = (rng.random(n_rows) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)
    cell = sex * 3 + band
    partitions = {
        "sex": Partition("sex", ("M", "F"), sex),
        "band": Partition("band", ("lo", "mid", "hi"), band),
        "sex_band": Partition("sex_band", tuple(f"{s}|{b}" for s in "MF" for b in ("lo", "mid", "hi")),
                              cell, kind="intersection"),
    }
    return Split("train", X, y, partitions)


def hard_term(term_id: str, name: str, partition: str, bound: float, task: str = "binary",
              reference: str = "pairwise") -> Term:
    info = metric(name)
    return Term(term_id, name, info.family, info.expression(reference, task), partition, "hard",
                info.direction, bound)


@pytest.fixture(scope="session")
def train() -> Split:
    return make_split()
