"""The seeded stratified split: exact sizes, proportional strata, determinism, no lost categories."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from fairspec.data.holdout import keep_values_in_train, strata_codes, stratified_split


@settings(max_examples=60, deadline=None)
@given(strata=st.lists(st.integers(0, 4), min_size=1, max_size=300),
       fraction=st.floats(0.05, 0.95), seed=st.integers(0, 2**32 - 1))
def test_split_partitions_rows_in_proportion(strata, fraction, seed):
    strata = np.asarray(strata)
    train, holdout = stratified_split(strata, fraction, seed)
    assert np.array_equal(np.sort(np.concatenate([train, holdout])), np.arange(strata.size))
    assert holdout.size == round(fraction * strata.size)
    for stratum in np.unique(strata):
        size = (strata == stratum).sum()
        in_holdout = (strata[holdout] == stratum).sum()
        assert abs(in_holdout - holdout.size * size / strata.size) < 1 + 1e-9


def test_same_seed_same_split_other_seed_other_split():
    strata = np.random.default_rng(0).integers(0, 3, 1000)
    first = stratified_split(strata, 0.3, 42)
    again = stratified_split(strata, 0.3, 42)
    other = stratified_split(strata, 0.3, 43)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not np.array_equal(first[1], other[1])


def test_strata_codes_combine_keys():
    codes = strata_codes(np.array([0, 1, 0, 1]), np.array(["a", "a", "b", "b"]))
    assert len(set(codes.tolist())) == 4
    assert np.array_equal(strata_codes(np.array([1, 1, 0])), [1, 1, 0])


def test_keep_values_in_train_moves_one_row_per_missing_value():
    values = np.array(["x", "x", "y", "z", "z", "x"], dtype=object)
    train, holdout, moved = keep_values_in_train({"col": values}, np.array([0, 1]), np.array([2, 3, 4, 5]))
    assert moved == ["col=y", "col=z"]
    assert train.tolist() == [0, 1, 2, 3] and holdout.tolist() == [4, 5]
