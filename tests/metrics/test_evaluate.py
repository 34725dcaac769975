"""evaluate/measure: undefined groups, 0/0 ratios, the groups named as worst, JSON, properties."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fairspec.data.spec import Partition
from fairspec.metrics import evaluate, measure
from fairspec.metrics.catalog import METRICS, group_metric_names
from fairspec.metrics.expressions import Gap, Largest, Rate, Ratio, WorstGroup

SELECTED = Rate("selected")
TPR = Rate("selected", "label_positive")


def _partition(codes, labels=("a", "b", "c")) -> Partition:
    return Partition("grp", tuple(labels), np.asarray(codes, dtype=np.int64))


def test_group_without_condition_rows_is_left_out_and_listed():
    # group c has rows but no positive label: its TPR is undefined.
    y = np.array([1, 1, 0, 1, 1, 0, 0, 0])
    yhat = np.array([1, 0, 0, 1, 1, 1, 1, 0])
    partition = _partition([0, 0, 0, 1, 1, 1, 2, 2])
    result = evaluate(Gap(TPR), y, yhat, partition)
    assert result.undefined == ("c",)
    assert result.value == pytest.approx(0.5)          # a: 1/2, b: 2/2
    assert result.worst == ("b", "a")
    assert math.isnan(result.groups[2].rates[0]) and result.groups[2].support == (0,)
    assert evaluate(Gap(TPR, "overall"), y, yhat, partition).value == pytest.approx(1 / 4)


def test_group_with_no_rows_at_all_is_undefined():
    y = np.array([1, 0, 1, 0])
    yhat = np.array([1, 0, 0, 0])
    result = evaluate(Ratio(SELECTED), y, yhat, _partition([0, 0, 1, 1]))
    assert result.undefined == ("c",)
    assert result.value == 0.0                          # a: 1/2, b: 0


def test_one_defined_group_gives_gap_zero_and_none_gives_nan():
    y = np.array([1, 1, 0, 0])
    yhat = np.array([1, 0, 1, 0])
    one = evaluate(Gap(TPR), y, yhat, _partition([0, 0, 1, 1]))
    assert one.value == 0.0 and one.undefined == ("b", "c")
    none = evaluate(Gap(TPR), np.zeros(4, int), yhat, _partition([0, 0, 1, 1]))
    assert math.isnan(none.value) and none.worst == ()
    assert json.dumps(none.to_dict(), allow_nan=False)


@pytest.mark.parametrize("reference", ["pairwise", "overall"])
def test_ratio_of_all_zero_rates_is_one(reference):
    y = np.array([1, 0, 1, 0, 1, 0])
    yhat = np.zeros(6, dtype=int)
    result = evaluate(Ratio(SELECTED, reference), y, yhat, _partition([0, 0, 1, 1, 2, 2]))
    assert result.value == 1.0


@pytest.mark.parametrize("reference", ["pairwise", "overall"])
def test_ratio_with_one_zero_group_is_zero(reference):
    yhat = np.array([1, 0, 0, 0, 1, 1])
    result = evaluate(Ratio(SELECTED, reference), np.zeros(6, int), yhat,
                      _partition([0, 0, 1, 1, 2, 2]))
    assert result.value == 0.0
    assert "b" in result.worst


def test_rows_outside_the_partition_count_nowhere():
    y = np.zeros(6, dtype=int)
    yhat = np.array([1, 0, 0, 0, 1, 1])
    codes = np.array([0, 0, 1, 1, -1, -1])
    result = evaluate(Gap(SELECTED, "overall"), y, yhat, _partition(codes, ("a", "b")))
    assert result.overall == (0.25,)
    assert [g.support for g in result.groups] == [(2,), (2,)]


def test_worst_group_and_largest_name_their_groups():
    y = np.array([1, 1, 0, 0, 1, 1, 0, 0])
    yhat = np.array([1, 1, 0, 0, 0, 1, 1, 1])
    partition = _partition([0, 0, 0, 0, 1, 1, 1, 1], ("a", "b"))
    worst = evaluate(WorstGroup(Rate("error")), y, yhat, partition)
    assert worst.value == 0.75 and worst.worst == ("b",) and worst.reference is None
    odds = evaluate(Largest((Gap(TPR), Gap(Rate("selected", "label_negative")))), y, yhat,
                    partition)
    assert odds.value == 1.0                            # FPR a: 0, b: 1; TPR gap 0.5
    assert odds.worst == ("b", "a")
    assert [t.value for t in odds.terms] == [0.5, 1.0]
    assert odds.reference == "pairwise"


def test_to_dict_is_strict_json_and_round_trips_the_numbers():
    y = np.array([1, 1, 0, 0])
    yhat = np.array([1, 0, 1, 0])
    result = measure("equalized_odds", y, yhat, _partition([0, 1, 0, 1], ("a", "b")))
    encoded = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert encoded["value"] == result.value
    assert encoded["metric"] == "equalized_odds"
    assert encoded["terms"][0]["groups"][0]["label"] == "a"
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.value = 0.0


@pytest.mark.parametrize("name, task, message", [
    ("no_such_metric", "binary", "unknown metric"),
    ("accuracy", "binary", "performance metric"),
    ("mean_prediction_parity", "binary", "not defined for a binary"),
    ("equal_opportunity", "regression", "not defined for a regression"),
])
def test_measure_refuses_what_it_cannot_measure(name, task, message):
    with pytest.raises(ValueError, match=message):
        measure(name, np.array([0, 1]), np.array([0, 1]), _partition([0, 1], ("a", "b")),
                task=task)


# ---------------------------------------------------------------- properties

@st.composite
def labelled_groups(draw, min_groups=2, max_groups=6):
    n_groups = draw(st.integers(min_groups, max_groups))
    n_rows = draw(st.integers(n_groups, 60))
    codes = draw(st.lists(st.integers(0, n_groups - 1), min_size=n_rows, max_size=n_rows))
    y = draw(st.lists(st.integers(0, 1), min_size=n_rows, max_size=n_rows))
    yhat = draw(st.lists(st.integers(0, 1), min_size=n_rows, max_size=n_rows))
    score = draw(st.lists(st.floats(0.0, 1.0), min_size=n_rows, max_size=n_rows))
    return (np.array(y), np.array(yhat), np.array(score), np.array(codes), n_groups)


BINARY_GROUP_METRICS = [name for name in group_metric_names() if "binary" in METRICS[name].tasks]


@settings(max_examples=60, deadline=None)
@given(data=labelled_groups(), permutation_seed=st.integers(0, 2**16),
       name=st.sampled_from(BINARY_GROUP_METRICS),
       reference=st.sampled_from(["pairwise", "overall"]))
def test_metrics_ignore_the_names_and_order_of_groups(data, permutation_seed, name, reference):
    y, yhat, score, codes, n_groups = data
    labels = tuple(f"g{i}" for i in range(n_groups))
    permutation = np.random.default_rng(permutation_seed).permutation(n_groups)
    renamed = Partition("grp", tuple(f"h{i}" for i in range(n_groups)), permutation[codes])
    original = measure(name, y, yhat, Partition("grp", labels, codes), score, reference)
    relabelled = measure(name, y, yhat, renamed, score, reference)
    assert relabelled.value == pytest.approx(original.value, abs=1e-12, nan_ok=True)


@settings(max_examples=80, deadline=None)
@given(data=labelled_groups())
def test_ratios_lie_in_unit_interval_and_overall_is_looser(data):
    y, yhat, score, codes, n_groups = data
    partition = Partition("grp", tuple(f"g{i}" for i in range(n_groups)), codes)
    for rate in (SELECTED, TPR, Rate("correct")):
        pairwise_ratio = evaluate(Ratio(rate), y, yhat, partition).value
        overall_ratio = evaluate(Ratio(rate, "overall"), y, yhat, partition).value
        pairwise_gap = evaluate(Gap(rate), y, yhat, partition).value
        overall_gap = evaluate(Gap(rate, "overall"), y, yhat, partition).value
        if math.isnan(pairwise_ratio):
            continue
        assert 0.0 <= pairwise_ratio <= overall_ratio <= 1.0
        assert 0.0 <= overall_gap <= pairwise_gap + 1e-12 <= 1.0 + 1e-12


@settings(max_examples=60, deadline=None)
@given(data=labelled_groups(), reference=st.sampled_from(["pairwise", "overall"]))
def test_the_groups_named_as_worst_reproduce_the_value(data, reference):
    y, yhat, score, codes, n_groups = data
    partition = Partition("grp", tuple(f"g{i}" for i in range(n_groups)), codes)
    result = evaluate(Gap(SELECTED, reference), y, yhat, partition)
    rate_of = {group.label: group.rates[0] for group in result.groups}
    if reference == "pairwise":
        assert rate_of[result.worst[0]] - rate_of[result.worst[1]] == pytest.approx(result.value)
    else:
        assert abs(rate_of[result.worst[0]] - result.overall[0]) == pytest.approx(result.value)
