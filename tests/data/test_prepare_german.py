"""German credit end to end: value maps, numeric targets, bins with default labels, regression."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from fairspec.data import prepare
from fairspec.data.errors import ColumnTypeError, DataFileError
from fairspec.data.spec import DataSpec, HoldoutSpec, ProtectedSpec, SourceSpec, TargetSpec
from fairspec.datasets import german

SEX_MAP = (("A91", "male"), ("A93", "male"), ("A94", "male"), ("A92", "female"), ("A95", "female"))
GERMAN = DataSpec(
    source=SourceSpec("bundled", "german"),
    target=TargetSpec("credit", (1,)),
    protected=(ProtectedSpec("sex", "personal_status_sex", value_map=SEX_MAP),
               ProtectedSpec("age", "age", bins=(26,))),
    holdout=HoldoutSpec("fraction", 0.3, 11),
)


@pytest.fixture(scope="module")
def prepared():
    return prepare(GERMAN)


def test_value_map_turns_codes_into_sex(prepared):
    sex = {label: prepared.train.partitions["sex"].counts()[label]
           + prepared.holdout.partitions["sex"].counts()[label] for label in ("female", "male")}
    assert sex == {"female": 310, "male": 690}
    assert prepared.train.partitions["sex"].labels == ("female", "male")


def test_default_bin_labels_are_strings_in_bin_order(prepared):
    part = prepared.train.partitions["age"]
    assert part.labels == ("< 26", ">= 26")
    total = part.counts()["< 26"] + prepared.holdout.partitions["age"].counts()["< 26"]
    assert total == (german()["age"] < 26).sum()


def test_numeric_target_compares_numerically(prepared):
    assert (prepared.train.n_rows, prepared.holdout.n_rows) == (700, 300)
    assert prepared.train.y.sum() + prepared.holdout.y.sum() == 700
    as_text = prepare(dataclasses.replace(GERMAN, target=TargetSpec("credit", ("1",))))
    np.testing.assert_array_equal(as_text.train.y, prepared.train.y)


def test_negated_target_flips_y(prepared):
    negated = prepare(dataclasses.replace(GERMAN, target=TargetSpec("credit", (1,), negate=True)))
    np.testing.assert_array_equal(negated.train.y, 1 - prepared.train.y)


def test_raw_codes_are_one_hot_inputs(prepared):
    assert "status=A11" in prepared.feature_names and "duration" in prepared.feature_names
    assert not any(name.startswith("personal_status_sex") for name in prepared.feature_names)


def test_regression_target_is_float():
    spec = dataclasses.replace(GERMAN, target=TargetSpec("credit_amount"))
    prepared = prepare(spec)
    assert prepared.task == "regression" and prepared.train.y.dtype == np.float64
    assert prepared.train.y.sum() + prepared.holdout.y.sum() == german()["credit_amount"].sum()


def test_regression_target_must_be_numeric():
    with pytest.raises(ColumnTypeError) as raised:
        prepare(dataclasses.replace(GERMAN, target=TargetSpec("purpose")))
    assert raised.value.subject == "purpose"


def test_holdout_test_is_a_named_error_for_german():
    with pytest.raises(DataFileError, match="no test part"):
        prepare(dataclasses.replace(GERMAN, holdout=HoldoutSpec("test")))


def test_prepare_is_deterministic(prepared):
    again = prepare(GERMAN)
    np.testing.assert_array_equal(again.train.X, prepared.train.X)
    np.testing.assert_array_equal(again.holdout.y, prepared.holdout.y)
    assert again.fingerprint == prepared.fingerprint
