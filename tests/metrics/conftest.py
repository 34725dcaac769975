"""Real predictions for the metric tests: quick scikit-learn models on bundled Adult and German.

Each `Case` holds labels, 0/1 predictions, scores and the sensitive columns as strings, plus the
matching `Partition`s (one per attribute and one intersection), built here without the data layer.
Fixtures are session-scoped: the models are fit once per test run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression

from fairspec.data.spec import Partition

BUNDLED = Path(__file__).resolve().parents[2] / "fairspec" / "data" / "bundled"
ADULT_COLUMNS = ["age", "workclass", "fnlwgt", "education", "education_num", "marital_status",
                 "occupation", "relationship", "race", "sex", "capital_gain", "capital_loss",
                 "hours_per_week", "native_country", "income"]
GERMAN_COLUMNS = ["status", "duration", "credit_history", "purpose", "credit_amount", "savings",
                  "present_employment", "installment_rate", "personal_status_sex", "other_debtors",
                  "present_residence_since", "property", "age", "installment_plans", "housing",
                  "number_of_existing_credits", "job", "people_liable", "telephone",
                  "foreign_worker", "credit"]


@dataclass(frozen=True)
class Case:
    """Labels, predictions and groups of one data set; `score` is None for a regression case."""

    name: str
    task: str
    y_true: np.ndarray
    y_pred: np.ndarray
    score: np.ndarray | None
    sensitive: pd.DataFrame               # one string column per protected attribute
    partitions: dict[str, Partition]      # attribute names, and "a*b" for the intersection

    def columns(self, partition_name: str) -> list[str]:
        return partition_name.split("*")


def make_partition(sensitive: pd.DataFrame, columns: list[str]) -> Partition:
    """Groups labelled by the attribute values joined with "|", codes in sorted label order."""
    keys = sensitive[columns[0]].astype(str)
    for column in columns[1:]:
        keys = keys + "|" + sensitive[column].astype(str)
    labels = tuple(sorted(keys.unique()))
    codes = pd.Categorical(keys, categories=labels).codes.astype(np.int64)
    kind = "intersection" if len(columns) > 1 else "attribute"
    return Partition("*".join(columns), labels, codes, kind=kind)


def _design(frame: pd.DataFrame, numeric: list[str], categorical: list[str]) -> np.ndarray:
    numbers = frame[numeric].astype(float)
    numbers = (numbers - numbers.mean()) / numbers.std()
    dummies = pd.get_dummies(frame[categorical].astype(str), dtype=float)
    return np.hstack([numbers.to_numpy(), dummies.to_numpy()])


def _case(name, task, y_true, design, sensitive, attributes) -> Case:
    if task == "binary":
        model = LogisticRegression(solver="liblinear", C=1.0).fit(design, y_true)
        score = model.predict_proba(design)[:, 1]
        y_pred = (score >= 0.5).astype(np.int64)
    else:
        score = None
        y_pred = LinearRegression().fit(design, y_true).predict(design)
    partitions = {a: make_partition(sensitive, [a]) for a in attributes}
    partitions["*".join(attributes)] = make_partition(sensitive, list(attributes))
    return Case(name, task, np.asarray(y_true), y_pred, score, sensitive, partitions)


@pytest.fixture(scope="session")
def adult_frame() -> pd.DataFrame:
    frame = pd.read_csv(BUNDLED / "adult.data.gz", header=None, names=ADULT_COLUMNS,
                        skipinitialspace=True, na_values="?")
    return frame.dropna().reset_index(drop=True)


@pytest.fixture(scope="session")
def german_frame() -> pd.DataFrame:
    frame = pd.read_csv(BUNDLED / "german.data.gz", header=None, names=GERMAN_COLUMNS, sep=" ")
    frame["sex"] = np.where(frame["personal_status_sex"].isin(["A92", "A95"]), "female", "male")
    frame["age_group"] = np.where(frame["age"] <= 25, "<=25", ">25")
    return frame


@pytest.fixture(scope="session")
def adult_case(adult_frame) -> Case:
    design = _design(adult_frame, ["age", "education_num", "capital_gain", "capital_loss",
                                   "hours_per_week"],
                     ["workclass", "marital_status", "occupation", "relationship"])
    y_true = (adult_frame["income"] == ">50K").to_numpy().astype(np.int64)
    return _case("adult", "binary", y_true, design, adult_frame[["sex", "race"]], ("sex", "race"))


@pytest.fixture(scope="session")
def german_case(german_frame) -> Case:
    categorical = ["status", "credit_history", "purpose", "savings", "present_employment",
                   "property", "housing", "job"]
    design = _design(german_frame, ["duration", "credit_amount", "installment_rate", "age"],
                     categorical)
    y_true = (german_frame["credit"] == 1).to_numpy().astype(np.int64)
    return _case("german", "binary", y_true, design, german_frame[["sex", "age_group"]],
                 ("sex", "age_group"))


@pytest.fixture(scope="session")
def adult_regression_case(adult_frame) -> Case:
    design = _design(adult_frame, ["age", "education_num", "capital_gain", "capital_loss"],
                     ["workclass", "marital_status", "occupation", "relationship"])
    y_true = adult_frame["hours_per_week"].to_numpy().astype(np.float64)
    return _case("adult-hours", "regression", y_true, design, adult_frame[["sex", "race"]],
                 ("sex", "race"))


@pytest.fixture(scope="session")
def german_regression_case(german_frame) -> Case:
    design = _design(german_frame, ["duration", "installment_rate", "age"],
                     ["status", "credit_history", "purpose", "savings", "job"])
    y_true = np.log(german_frame["credit_amount"].to_numpy().astype(np.float64))
    return _case("german-amount", "regression", y_true, design,
                 german_frame[["sex", "age_group"]], ("sex", "age_group"))


@pytest.fixture(scope="session")
def cases(adult_case, german_case, adult_regression_case, german_regression_case) -> dict:
    return {case.name: case for case in
            (adult_case, german_case, adult_regression_case, german_regression_case)}
