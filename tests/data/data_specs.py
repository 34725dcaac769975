"""Specs and small tables shared by the data layer tests (the Adult policy, a synthetic people table)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fairspec.data.spec import (
    DataSpec, GroupSpec, HoldoutSpec, IntersectionSpec, ProtectedSpec, SourceSpec, TargetSpec,
)

RACE_MERGE = ((("Amer-Indian-Eskimo", "Other"), "Other"),)


def adult_spec(holdout: HoldoutSpec = HoldoutSpec("test"), **changes) -> DataSpec:
    """The Adult policy of specs/adult.fair, as a DataSpec."""
    fields = dict(
        source=SourceSpec("bundled", "adult"),
        target=TargetSpec("income", (">50K",)),
        protected=(
            ProtectedSpec("sex", "sex"),
            ProtectedSpec("race", "race", merges=RACE_MERGE),
            ProtectedSpec("age", "age", bins=(25, 45), labels=("<25", "25-44", "45+")),
        ),
        groups=(GroupSpec("women", (("sex", ("Female",)),)),),
        intersections=(IntersectionSpec("sex_race", ("sex", "race"), min_support=100),),
        holdout=holdout,
        features_exclude=("fnlwgt",),
    )
    fields.update(changes)
    return DataSpec(**fields)


def people(n_rows: int = 400, seed: int = 0) -> pd.DataFrame:
    """A small synthetic table with numeric, text, protected and target columns."""
    rng = np.random.default_rng(seed)
    sex = rng.choice(["Female", "Male"], n_rows)
    return pd.DataFrame({
        "age": rng.integers(18, 80, n_rows),
        "salary": rng.normal(50_000, 12_000, n_rows).round(2),
        "city": rng.choice(["Lyon", "Paris", "Nice"], n_rows),
        "sex": sex,
        "race": rng.choice(["A", "B", "C"], n_rows, p=[0.6, 0.3, 0.1]),
        "approved": np.where(rng.random(n_rows) < np.where(sex == "Male", 0.6, 0.4), "yes", "no"),
    })


def people_spec(tmp_path, name: str = "people.csv", **changes) -> DataSpec:
    """A DataSpec over a people() file written under tmp_path (csv or parquet by suffix)."""
    kind = "parquet" if name.endswith(".parquet") else "csv"
    fields = dict(
        source=SourceSpec(kind, name, base_dir=tmp_path),
        target=TargetSpec("approved", ("yes",)),
        protected=(ProtectedSpec("sex", "sex"), ProtectedSpec("race", "race")),
        holdout=HoldoutSpec("fraction", 0.25, 3),
    )
    fields.update(changes)
    return DataSpec(**fields)


def write(frame: pd.DataFrame, path) -> None:
    """Write `frame` as CSV or Parquet, by the path's suffix."""
    if str(path).endswith(".parquet"):
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False)
