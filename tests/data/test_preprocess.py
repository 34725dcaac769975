"""The Preprocessor: fitted on training rows only, JSON round trip, errors on new data."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from data_specs import people, people_spec, write

from fairspec.data import Preprocessor, prepare
from fairspec.data.errors import (
    ColumnTypeError, DataFileError, MissingColumnError, MissingValueError, UnseenCategoryError,
)
from fairspec.data.spec import HoldoutSpec
from fairspec.datasets import adult

FRAME = pd.DataFrame({"x": [1.0, 2.0, 3.0, 6.0], "c": ["b", "a", "b", "c"], "k": [5, 5, 5, 5]})


def test_fit_standardises_numbers_and_one_hot_encodes_text():
    pre = Preprocessor.fit(FRAME, ("x", "c", "k"))
    assert pre.feature_names == ("x", "c=a", "c=b", "c=c", "k")
    X = pre.transform(FRAME)
    np.testing.assert_allclose(X[:, 0], (FRAME["x"] - 3.0) / np.std(FRAME["x"]))
    np.testing.assert_array_equal(X[:, 1:4], [[0, 1, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    np.testing.assert_array_equal(X[:, 4], 0.0)          # a constant column: scale 1, no NaN
    assert X.dtype == np.float64


def test_holdout_values_never_reach_the_scaler(tmp_path):
    train = people(200, seed=1)
    later = people(50, seed=2)
    later.loc[0, "salary"] = 1e9
    write(train, tmp_path / "people.csv")
    write(later, tmp_path / "later.csv")
    prepared = prepare(people_spec(tmp_path, holdout=HoldoutSpec("file", path="later.csv")))
    salary = next(step for step in prepared.preprocessor.inputs if step.column == "salary")
    assert salary.mean == pytest.approx(train["salary"].mean(), rel=1e-12)
    assert salary.scale == pytest.approx(train["salary"].std(ddof=0), rel=1e-12)
    column = prepared.feature_names.index("salary")
    assert prepared.holdout.X[0, column] == pytest.approx((1e9 - salary.mean) / salary.scale)


def test_json_round_trip_transforms_bit_for_bit(adult_test):
    saved = json.dumps(adult_test.preprocessor.to_json())
    loaded = Preprocessor.from_json(json.loads(saved))
    assert loaded == adult_test.preprocessor and loaded.feature_names == adult_test.feature_names
    rows = adult("test").dropna().head(500)
    np.testing.assert_array_equal(loaded.transform(rows), adult_test.holdout.X[:500])


def test_from_json_refuses_other_data():
    with pytest.raises(DataFileError):
        Preprocessor.from_json({"format": "something else"})
    with pytest.raises(DataFileError, match="version"):
        Preprocessor.from_json({"format": "fairspec.preprocessor", "version": 99, "inputs": []})


def test_transform_names_unseen_categories():
    pre = Preprocessor.fit(FRAME, ("x", "c"))
    with pytest.raises(UnseenCategoryError, match="'d'") as raised:
        pre.transform(pd.DataFrame({"x": [1.0, 2.0], "c": ["d", "a"]}))
    assert raised.value.subject == "c"


def test_transform_needs_every_input_column_and_value():
    pre = Preprocessor.fit(FRAME, ("x", "c"))
    with pytest.raises(MissingColumnError) as raised:
        pre.transform(pd.DataFrame({"xx": [1.0], "c": ["a"]}))
    assert raised.value.subject == "x" and "'xx'" in raised.value.hint
    with pytest.raises(MissingValueError):
        pre.transform(pd.DataFrame({"x": [np.nan], "c": ["a"]}))
    with pytest.raises(ColumnTypeError):
        pre.transform(pd.DataFrame({"x": ["ten"], "c": ["a"]}))


def test_numbers_given_as_text_at_prediction_are_read():
    pre = Preprocessor.fit(FRAME, ("x", "c"))
    as_text = FRAME.astype({"x": "str"})
    np.testing.assert_array_equal(pre.transform(as_text), pre.transform(FRAME))
