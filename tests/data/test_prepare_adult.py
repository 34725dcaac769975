"""Adult end to end: rows, splits, partitions against pandas oracles, features, notes, fingerprint."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from data_specs import adult_spec

from fairspec.data import prepare
from fairspec.data.errors import SmallCellError
from fairspec.data.spec import HoldoutSpec, IntersectionSpec, ProtectedSpec


def test_holdout_test_uses_the_test_file_after_dropping_missing_rows(adult_test):
    assert (adult_test.train.n_rows, adult_test.holdout.n_rows) == (30_162, 15_060)
    assert adult_test.fingerprint["rows"] == {"train": 30_162, "holdout": 15_060}
    assert any("dropped 2,399 of 32,561" in note and "30,162" in note for note in adult_test.notes)
    assert any("dropped 1,221 of 16,281" in note for note in adult_test.notes)
    assert adult_test.task == "binary" and adult_test.train.y.dtype == np.int64


def test_target_matches_the_income_labels(adult_test, adult_clean):
    train, test = adult_clean
    np.testing.assert_array_equal(adult_test.train.y, (train["income"] == ">50K").to_numpy())
    np.testing.assert_array_equal(adult_test.holdout.y, (test["income"] == ">50K").to_numpy())


@pytest.mark.parametrize("split_index, split_name", [(0, "train"), (1, "holdout")])
def test_partitions_match_pandas_row_by_row(adult_test, adult_clean, split_index, split_name):
    raw = adult_clean[split_index]
    parts = getattr(adult_test, split_name).partitions
    race = raw["race"].replace({"Amer-Indian-Eskimo": "Other"})
    age = pd.cut(raw["age"], [-np.inf, 25, 45, np.inf], right=False, labels=["<25", "25-44", "45+"])
    expected = {"sex": raw["sex"], "race": race, "age": age.astype(str),
                "women": np.where(raw["sex"] == "Female", "women", "not women"),
                "sex_race": raw["sex"] + " × " + race}
    for name, labels in expected.items():
        part = parts[name]
        assert (np.asarray(part.labels)[part.codes] == np.asarray(labels)).all(), name


def test_codes_are_shared_by_train_and_holdout(adult_test):
    for name, part in adult_test.train.partitions.items():
        assert adult_test.holdout.partitions[name].labels == part.labels
    assert adult_test.train.partitions["age"].labels == ("<25", "25-44", "45+")
    assert adult_test.train.partitions["race"].labels == ("Asian-Pac-Islander", "Black", "Other", "White")
    assert adult_test.train.partitions["women"].kind == "group"
    assert "Female × Black" in adult_test.train.partitions["sex_race"].labels


def test_age_bin_edges_are_left_closed(adult_test, adult_clean):
    train = adult_clean[0]
    counts = adult_test.train.partitions["age"].counts()
    assert counts["<25"] == (train["age"] < 25).sum()
    assert counts["25-44"] == train["age"].between(25, 44).sum()
    assert counts["45+"] == (train["age"] >= 45).sum()


@pytest.mark.parametrize("small", ["merge", "exclude"])
def test_small_intersection_cells(adult_clean, small):
    train = adult_clean[0]
    support = (train["sex"] + " × " + train["race"]).value_counts()
    threshold = 300
    below = set(support[support < threshold].index)
    spec = adult_spec(intersections=(IntersectionSpec("sex_race", ("sex", "race"), threshold, small),),
                      protected=(ProtectedSpec("sex", "sex"), ProtectedSpec("race", "race")))
    part = prepare(spec).train.partitions["sex_race"]
    recorded = part.merged_cells if small == "merge" else part.excluded_cells
    assert set(recorded) == below and len(below) >= 3
    if small == "merge":
        assert part.labels[-1] == "(small)" and part.counts()["(small)"] == support[list(below)].sum()
    else:
        assert (part.codes == -1).sum() == support[list(below)].sum()
        assert not below & set(part.labels)


def test_small_cells_can_be_an_error():
    spec = adult_spec(intersections=(IntersectionSpec("sex_race", ("sex", "race"), 300, "error"),))
    with pytest.raises(SmallCellError, match="Female × Other") as raised:
        prepare(spec)
    assert raised.value.subject == "sex_race"


def test_protected_columns_are_not_model_inputs_unless_said(adult_test):
    names = adult_test.feature_names
    assert not any(n.startswith(("sex=", "race=")) or n in ("age", "fnlwgt") for n in names)
    assert "relationship=Husband" in names and "education_num" in names
    used = prepare(adult_spec(protected=(ProtectedSpec("sex", "sex", use_in_model=True),),
                              groups=(), intersections=()))
    assert {"sex=Female", "sex=Male", "age"} <= set(used.feature_names)


def test_features_are_standardised_and_one_hot_on_train(adult_test):
    X = adult_test.train.X
    numeric = [adult_test.feature_names.index(n) for n in ("education_num", "hours_per_week")]
    np.testing.assert_allclose(X[:, numeric].mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(X[:, numeric].std(axis=0), 1, atol=1e-12)
    one_hot = [i for i, n in enumerate(adult_test.feature_names) if n.startswith("workclass=")]
    np.testing.assert_array_equal(X[:, one_hot].sum(axis=1), 1)


def test_every_test_file_category_is_known_from_training(adult_clean):
    """Finding: adult.test has no native_country unseen in adult.data (the reverse is true)."""
    train, test = adult_clean
    assert set(test["native_country"]) < set(train["native_country"])
    assert set(train["native_country"]) - set(test["native_country"]) == {"Holand-Netherlands"}
    prepared = prepare(adult_spec(features_exclude=()))
    assert "native_country=Holand-Netherlands" in prepared.feature_names


def test_fraction_split_keeps_every_category_in_train(adult_fraction):
    assert adult_fraction.train.n_rows + adult_fraction.holdout.n_rows == 30_162
    assert abs(adult_fraction.holdout.n_rows - round(0.3 * 30_162)) <= 1
    assert any("native_country=Holand-Netherlands" in note for note in adult_fraction.notes)


def test_fraction_split_is_stratified_by_target_and_sex(adult_fraction):
    train, holdout = adult_fraction.train, adult_fraction.holdout
    assert abs(train.y.mean() - holdout.y.mean()) < 1e-3
    for split in (train, holdout):
        shares = split.partitions["sex"].counts()
        assert abs(shares["Female"] / split.n_rows - 9_782 / 30_162) < 1e-3


def test_fingerprint_records_source_and_group_counts(adult_test):
    fingerprint = adult_test.fingerprint
    assert len(fingerprint["source"]["sha256"]) == 64 and fingerprint["holdout"]["kind"] == "test"
    assert fingerprint["partitions"]["sex"]["train"] == {"Female": 9_782, "Male": 20_380}
    assert "fnlwgt" in fingerprint["columns"] and "fnlwgt" not in fingerprint["features"]
