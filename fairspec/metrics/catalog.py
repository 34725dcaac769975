"""The one list of metrics fairspec knows: name, direction, range, and its expression over rates.

Pure data with no numpy or solver: the language layer reads it to check policies, the compiler to
build IR, the evaluators and backends to compute and lower. A new metric is a new entry here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Literal

from fairspec.metrics.expressions import Expr, Gap, Largest, Rate, Ratio, Reference, WorstGroup

Task = Literal["binary", "regression"]
Mode = Literal["hard", "soft", "adversarial", "objective", "monitor"]
ALL_MODES: tuple[Mode, ...] = ("hard", "soft", "adversarial", "objective", "monitor")

Family = Literal["rate_gap", "rate_ratio", "group_loss", "score_gap", "performance"]


@dataclass(frozen=True)
class MetricInfo:
    name: str
    family: Family
    direction: Literal["<=", ">="]     # which side of the bound is fair
    lower: float                       # the metric's possible range, for bound checks
    upper: float | None                # None: unbounded above (losses)
    tasks: tuple[Task, ...]
    modes: tuple[Mode, ...]
    summary: str                       # one line, used in README, --explain and the schema
    build: Callable[[Reference, Task], Expr]

    def expression(self, reference: Reference = "pairwise", task: Task = "binary") -> Expr:
        return self.build(reference, task)

    @property
    def group_metric(self) -> bool:
        return self.family != "performance"


def _gap(event: str, given: str = "all") -> Callable[[Reference, Task], Expr]:
    return lambda ref, task: Gap(Rate(event, given), ref)  # type: ignore[arg-type]


def _group_loss(ref: Reference, task: Task) -> Expr:
    return WorstGroup(Rate("log_loss" if task == "binary" else "squared_error"))


def _equalized_odds(ref: Reference, task: Task) -> Expr:
    return Largest((Gap(Rate("selected", "label_positive"), ref),
                    Gap(Rate("selected", "label_negative"), ref)))


def _performance(ref: Reference, task: Task) -> Expr:
    raise ValueError("performance metrics are not group expressions")


_BINARY: tuple[Task, ...] = ("binary",)
_ENFORCEABLE: tuple[Mode, ...] = ALL_MODES
_NO_HARD: tuple[Mode, ...] = ("soft", "adversarial", "objective", "monitor")

METRICS: dict[str, MetricInfo] = {m.name: m for m in (
    MetricInfo("demographic_parity", "rate_gap", "<=", 0.0, 1.0, _BINARY, _ENFORCEABLE,
               "max gap in selection rate P(ŷ=1 | g)", _gap("selected")),
    MetricInfo("disparate_impact", "rate_ratio", ">=", 0.0, 1.0, _BINARY, _ENFORCEABLE,
               "min_g P(ŷ=1 | g) / max_g P(ŷ=1 | g) (the four-fifths rule)",
               lambda ref, task: Ratio(Rate("selected"), ref)),
    MetricInfo("equal_opportunity", "rate_gap", "<=", 0.0, 1.0, _BINARY, _ENFORCEABLE,
               "max gap in true-positive rate P(ŷ=1 | y=1, g)", _gap("selected", "label_positive")),
    MetricInfo("equalized_odds", "rate_gap", "<=", 0.0, 1.0, _BINARY, _ENFORCEABLE,
               "max of the true-positive-rate gap and the false-positive-rate gap", _equalized_odds),
    MetricInfo("fpr_parity", "rate_gap", "<=", 0.0, 1.0, _BINARY, _ENFORCEABLE,
               "max gap in false-positive rate P(ŷ=1 | y=0, g)", _gap("selected", "label_negative")),
    MetricInfo("fnr_parity", "rate_gap", "<=", 0.0, 1.0, _BINARY, _ENFORCEABLE,
               "max gap in false-negative rate P(ŷ=0 | y=1, g)", _gap("rejected", "label_positive")),
    MetricInfo("error_rate_parity", "rate_gap", "<=", 0.0, 1.0, _BINARY, _ENFORCEABLE,
               "max gap in error rate P(ŷ≠y | g)", _gap("error")),
    MetricInfo("accuracy_parity", "rate_gap", "<=", 0.0, 1.0, _BINARY, _ENFORCEABLE,
               "max gap in accuracy P(ŷ=y | g)", _gap("correct")),
    MetricInfo("predictive_parity", "rate_gap", "<=", 0.0, 1.0, _BINARY, _NO_HARD,
               "max gap in precision P(y=1 | ŷ=1, g)", _gap("label_positive", "selected")),
    MetricInfo("bounded_group_loss", "group_loss", "<=", 0.0, None, ("binary", "regression"),
               _ENFORCEABLE, "max over groups of the mean loss in g (log-loss, or squared error "
               "for a regression target)", _group_loss),
    MetricInfo("mean_prediction_parity", "score_gap", "<=", 0.0, None, ("regression",),
               _ENFORCEABLE, "max gap in mean prediction E[ŷ | g] (regression)", _gap("prediction")),
    MetricInfo("accuracy", "performance", ">=", 0.0, 1.0, _BINARY, ("objective", "monitor"),
               "share of correct 0/1 predictions", _performance),
    MetricInfo("error_rate", "performance", "<=", 0.0, 1.0, _BINARY, ("objective", "monitor"),
               "share of wrong 0/1 predictions", _performance),
    MetricInfo("log_loss", "performance", "<=", 0.0, None, _BINARY, ("objective", "monitor"),
               "mean log-loss of the predicted probability", _performance),
    MetricInfo("auc", "performance", ">=", 0.0, 1.0, _BINARY, ("objective", "monitor"),
               "area under the ROC curve of the score", _performance),
    MetricInfo("mse", "performance", "<=", 0.0, None, ("regression",), ("objective", "monitor"),
               "mean squared error (regression)", _performance),
)}


def metric(name: str) -> MetricInfo:
    """The catalog entry for `name`; KeyError if there is none."""
    return METRICS[name]


def group_metric_names() -> tuple[str, ...]:
    return tuple(name for name, info in METRICS.items() if info.group_metric)
