"""Every group metric of the catalog, both references, against fairlearn's MetricFrame."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import (MetricFrame, demographic_parity_difference,
                               demographic_parity_ratio, equalized_odds_difference,
                               false_negative_rate, false_positive_rate, selection_rate,
                               true_positive_rate)
from sklearn.metrics import accuracy_score, log_loss, mean_squared_error, precision_score

from fairspec.metrics import group_rates, measure, overall_rate
from fairspec.metrics.catalog import METRICS, group_metric_names
from fairspec.metrics.expressions import Gap, Largest, Rate, Ratio, WorstGroup

BINARY_PARTITIONS = [("adult", "sex"), ("adult", "race"), ("adult", "sex*race"),
                     ("german", "sex"), ("german", "age_group"), ("german", "sex*age_group")]
REGRESSION_PARTITIONS = [("adult-hours", "sex"), ("adult-hours", "sex*race"),
                         ("german-amount", "sex"), ("german-amount", "sex*age_group")]
TOLERANCE = 1e-9


@dataclass(frozen=True)
class LeafOracle:
    """A rate as sklearn/fairlearn compute it: metric(y_true, input), input "pred" or "score"."""

    metric: Callable
    input: str


LEAF_ORACLES = {
    Rate("selected"): LeafOracle(selection_rate, "pred"),
    Rate("selected", "label_positive"): LeafOracle(true_positive_rate, "pred"),
    Rate("selected", "label_negative"): LeafOracle(false_positive_rate, "pred"),
    Rate("rejected", "label_positive"): LeafOracle(false_negative_rate, "pred"),
    Rate("error"): LeafOracle(lambda y, p: 1.0 - accuracy_score(y, p), "pred"),
    Rate("correct"): LeafOracle(accuracy_score, "pred"),
    Rate("label_positive", "selected"):
        LeafOracle(lambda y, p: precision_score(y, p, zero_division=np.nan), "pred"),
    Rate("log_loss"):
        LeafOracle(lambda y, s: log_loss(y, np.clip(s, 1e-15, 1 - 1e-15), labels=[0, 1]), "score"),
    Rate("squared_error"): LeafOracle(mean_squared_error, "pred"),
    Rate("prediction"): LeafOracle(lambda y, p: float(np.mean(p)), "pred"),
}
REGRESSION_EVENTS = ("squared_error", "prediction")
CONDITIONS = {
    "all": lambda y, p: np.ones(len(y), dtype=bool),
    "label_positive": lambda y, p: y == 1,
    "label_negative": lambda y, p: y == 0,
    "selected": lambda y, p: p == 1,
}


def _task_of(leaf: Rate) -> str:
    return "regression" if leaf.event in REGRESSION_EVENTS else "binary"


class FairlearnOracle:
    """fairlearn MetricFrames, one per (case, partition, input) holding every leaf, built once.

    fairlearn's per-metric cost grows with the rows (about 0.25 s per metric on Adult), so all
    leaves that read the same input share one frame. Supports come from a pandas groupby.
    """

    def __init__(self, cases: dict) -> None:
        self.cases = cases
        self._frames: dict[tuple[str, str, str], MetricFrame] = {}

    def frame(self, leaf: Rate, case_name: str, partition_name: str) -> MetricFrame:
        case = self.cases[case_name]
        key = (case_name, partition_name, LEAF_ORACLES[leaf].input)
        if key not in self._frames:
            sharing = {str(other): oracle.metric for other, oracle in LEAF_ORACLES.items()
                       if oracle.input == key[2] and _task_of(other) == case.task}
            self._frames[key] = MetricFrame(
                metrics=sharing, y_true=case.y_true,
                y_pred=case.score if key[2] == "score" else case.y_pred,
                sensitive_features=case.sensitive[case.columns(partition_name)])
        return self._frames[key]

    def by_group(self, leaf: Rate, case_name: str, partition_name: str) -> pd.Series:
        return self.frame(leaf, case_name, partition_name).by_group[str(leaf)].astype(float)

    def support(self, leaf: Rate, case_name: str, partition_name: str) -> pd.Series:
        case = self.cases[case_name]
        meets = CONDITIONS[leaf.given](case.y_true, case.y_pred)
        columns = case.columns(partition_name)
        grouping = [case.sensitive[column] for column in columns]
        return pd.Series(meets).groupby(grouping if len(columns) > 1 else grouping[0]).sum()

    def value(self, expr, case_name: str, partition_name: str) -> float:
        """The metric from fairlearn's aggregates; by_group max/min where a group is undefined."""
        if isinstance(expr, Largest):
            return max(self.value(term, case_name, partition_name) for term in expr.terms)
        frame = self.frame(expr.rate, case_name, partition_name)
        name = str(expr.rate)
        defined = self.support(expr.rate, case_name, partition_name) > 0
        rates = self.by_group(expr.rate, case_name, partition_name)[defined]
        overall = float(frame.overall[name])
        if isinstance(expr, WorstGroup):
            return float(rates.max())
        method = "between_groups" if expr.reference == "pairwise" else "to_overall"
        if isinstance(expr, Gap):
            if defined.all():
                return float(frame.difference(method=method)[name])
            return float(rates.max() - rates.min() if expr.reference == "pairwise"
                         else (rates - overall).abs().max())
        assert isinstance(expr, Ratio) and defined.all()
        return float(frame.ratio(method=method)[name])


@pytest.fixture(scope="session")
def fairlearn_oracle(cases) -> FairlearnOracle:
    return FairlearnOracle(cases)


def _key(partition_name: str, label: str):
    return tuple(label.split("|")) if "*" in partition_name else label


def _metric_params():
    for name in group_metric_names():
        info = METRICS[name]
        for task in info.tasks:
            partitions = BINARY_PARTITIONS if task == "binary" else REGRESSION_PARTITIONS
            for case_name, partition_name in partitions:
                for reference in ("pairwise", "overall"):
                    yield pytest.param(name, task, case_name, partition_name, reference,
                                       id=f"{name}-{task}-{case_name}-{partition_name}-{reference}")


@pytest.mark.parametrize("metric_name, task, case_name, partition_name, reference",
                         list(_metric_params()))
def test_metric_matches_fairlearn(cases, fairlearn_oracle, metric_name, task, case_name,
                                  partition_name, reference):
    case = cases[case_name]
    measured = measure(metric_name, case.y_true, case.y_pred, case.partitions[partition_name],
                       score=case.score, reference=reference, task=task)
    expected = fairlearn_oracle.value(METRICS[metric_name].expression(reference, task), case_name,
                                      partition_name)
    assert measured.value == pytest.approx(expected, abs=TOLERANCE)
    assert measured.metric == metric_name


def _leaf_params():
    for leaf in LEAF_ORACLES:
        partitions = REGRESSION_PARTITIONS if _task_of(leaf) == "regression" else BINARY_PARTITIONS
        for case_name, partition_name in partitions:
            yield pytest.param(leaf, case_name, partition_name,
                               id=f"{leaf}-{case_name}-{partition_name}")


@pytest.mark.parametrize("leaf, case_name, partition_name", list(_leaf_params()))
def test_group_rates_match_by_group(cases, fairlearn_oracle, leaf, case_name, partition_name):
    case = cases[case_name]
    partition = case.partitions[partition_name]
    values, support = group_rates(leaf, case.y_true, case.y_pred, partition.codes,
                                  len(partition.labels), score=case.score)
    expected_rates = fairlearn_oracle.by_group(leaf, case_name, partition_name)
    expected_support = fairlearn_oracle.support(leaf, case_name, partition_name)
    for g, label in enumerate(partition.labels):
        key = _key(partition_name, label)
        assert support[g] == expected_support.loc[key]
        if support[g] > 0:
            assert values[g] == pytest.approx(expected_rates.loc[key], abs=TOLERANCE)
        else:
            assert np.isnan(values[g])
    overall, overall_support = overall_rate(leaf, case.y_true, case.y_pred, partition.codes,
                                            score=case.score)
    frame = fairlearn_oracle.frame(leaf, case_name, partition_name)
    assert overall == pytest.approx(frame.overall[str(leaf)], abs=TOLERANCE)
    assert overall_support == expected_support.sum()


# fairlearn's shortcut functions build their own frames: Adult only on its intersection, for time.
FAIRLEARN_SHORTCUTS = [
    ("demographic_parity", demographic_parity_difference),
    ("equalized_odds", equalized_odds_difference),
    ("disparate_impact", demographic_parity_ratio),
]
SHORTCUT_PARTITIONS = [p for p in BINARY_PARTITIONS if p[0] != "adult" or "*" in p[1]]


@pytest.mark.parametrize("case_name, partition_name", SHORTCUT_PARTITIONS)
@pytest.mark.parametrize("reference", ["pairwise", "overall"])
def test_fairlearn_shortcut_functions(cases, case_name, partition_name, reference):
    case = cases[case_name]
    method = "between_groups" if reference == "pairwise" else "to_overall"
    features = case.sensitive[case.columns(partition_name)]
    partition = case.partitions[partition_name]
    for name, fairlearn_function in FAIRLEARN_SHORTCUTS:
        expected = fairlearn_function(case.y_true, case.y_pred, sensitive_features=features,
                                      method=method)
        measured = measure(name, case.y_true, case.y_pred, partition, reference=reference)
        assert measured.value == pytest.approx(expected, abs=TOLERANCE), name


@pytest.mark.parametrize("case_name, partition_name", BINARY_PARTITIONS)
def test_breakdown_lists_both_equalized_odds_rates(cases, fairlearn_oracle, case_name,
                                                   partition_name):
    case = cases[case_name]
    measured = measure("equalized_odds", case.y_true, case.y_pred, case.partitions[partition_name])
    tpr_leaf, fpr_leaf = Rate("selected", "label_positive"), Rate("selected", "label_negative")
    assert measured.leaves == (str(tpr_leaf), str(fpr_leaf))
    tpr = fairlearn_oracle.by_group(tpr_leaf, case_name, partition_name)
    fpr = fairlearn_oracle.by_group(fpr_leaf, case_name, partition_name)
    for group in measured.groups:
        key = _key(partition_name, group.label)
        assert group.rates == pytest.approx((tpr.loc[key], fpr.loc[key]), abs=TOLERANCE)
    worst_term = max(measured.terms, key=lambda term: term.value)
    assert measured.worst == worst_term.worst
