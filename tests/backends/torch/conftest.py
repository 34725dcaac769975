"""Fixtures for the torch backend tests: small synthetic splits with attributes and an intersection."""

from __future__ import annotations

import numpy as np
import pytest

from fairspec.data.spec import Partition, Split
from fairspec.data.synthetic import synthetic
from fairspec.metrics.catalog import metric


def split_from_frame(frame, name: str = "train") -> Split:
    """A Split with partitions sex, race and their intersection sex_race (cell = sex × race)."""
    X = frame[[c for c in frame.columns if c.startswith("x")]].to_numpy(np.float64)
    partitions = {}
    for attribute in ("sex", "race"):
        column = frame[attribute].cat
        partitions[attribute] = Partition(attribute, tuple(column.categories),
                                          column.codes.to_numpy().astype(np.int64))
    sex, race = partitions["sex"], partitions["race"]
    cells = sex.codes * len(race.labels) + race.codes
    labels = tuple(f"{s}×{r}" for s in sex.labels for r in race.labels)
    partitions["sex_race"] = Partition("sex_race", labels, cells, kind="intersection")
    return Split(name, X, frame["y"].to_numpy().astype(np.int64), partitions)


@pytest.fixture(scope="session")
def make_split():
    def build(n: int = 1500, seed: int = 0, bias: float = 1.5, name: str = "train") -> Split:
        return split_from_frame(synthetic(n, n_features=8, bias=bias, seed=seed), name)
    return build


@pytest.fixture(scope="session")
def small_split(make_split) -> Split:
    return make_split()


@pytest.fixture(scope="session")
def make_term():
    from fairspec.backends.base import Term

    def build(metric_name: str = "demographic_parity", partition: str = "sex", mode: str = "soft",
              weight: float | None = None, op: str | None = None, bound: float | None = None,
              reference: str = "pairwise", **options) -> Term:
        info = metric(metric_name)
        return Term(f"{metric_name}-{partition}-{mode}", metric_name, info.family,
                    info.expression(reference), partition, mode, op=op or info.direction,
                    bound=bound, weight=weight, options=options)
    return build
