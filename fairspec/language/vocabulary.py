"""The words of the language that are not grammar: model families, their parameters, mode options.

Pure data, read by the checker (did-you-mean hints, type checks) and by the formatter and docs.
Metric names live in `fairspec.metrics.catalog`, the one list every stage reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

BUNDLED_DATASETS = ("adult", "german")
MISSING_POLICIES = ("drop", "error")
SMALL_CELL_POLICIES = ("merge", "exclude", "error")
OBJECTIVE_METHODS = ("epsilon_constraint", "weighted_sum")
MODES = ("hard", "soft", "adversarial", "monitor")


def _number(lo: float | None = None, hi: float | None = None, *, integer: bool = False,
            open_lo: bool = False) -> Callable[[Any], str | None]:
    """A validator for a number in [lo, hi] (or (lo, hi] with open_lo); returns a problem or None."""
    def check(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return "expects a number"
        if integer and not float(value).is_integer():
            return "expects a whole number"
        if lo is not None and (value < lo or (open_lo and value == lo)):
            return f"must be {'>' if open_lo else '>='} {lo:g}"
        if hi is not None and value > hi:
            return f"must be <= {hi:g}"
        return None
    return check


def _choice(*choices: str) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        return None if value in choices else "expects one of: " + ", ".join(f'"{c}"' for c in choices)
    return check


def _flag(value: Any) -> str | None:
    return None if isinstance(value, bool) else "expects yes or no"


def _weights(value: Any) -> str | None:
    if not isinstance(value, dict):
        return "expects a map of group label to weight, e.g. { \"Female\": 2, \"Male\": 1 }"
    if any(w < 0 for w in value.values()):
        return "weights must be >= 0"
    return None


def _int_list(value: Any) -> str | None:
    if not isinstance(value, list) or not value or not all(
            isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value):
        return "expects a list of positive whole numbers, e.g. [64, 32]"
    return None


def _string(value: Any) -> str | None:
    return None if isinstance(value, str) else "expects a name or a string"


@dataclass(frozen=True)
class Setting:
    """A named setting (a model parameter or a mode option), its validator and its meaning."""

    name: str
    check: Callable[[Any], str | None]
    summary: str


def _settings(*items: Setting) -> dict[str, Setting]:
    return {s.name: s for s in items}


_TRAINING = (
    Setting("epochs", _number(1, integer=True), "passes over the training data"),
    Setting("batch_size", _number(1, integer=True), "rows per mini-batch"),
    Setting("lr", _number(0, open_lo=True), "learning rate"),
    Setting("patience", _number(0, integer=True), "epochs without improvement before stopping early"),
    Setting("weight_decay", _number(0), "L2 penalty in the optimiser"),
    Setting("device", _choice("auto", "cpu", "cuda"), "where torch trains"),
)
_BACKEND = Setting("backend", _choice("auto", "cvxpy", "torch", "sklearn"),
                   "force a backend (auto chooses by model and modes)")
_L2 = Setting("l2", _number(0), "L2 regularisation strength")

MODEL_PARAMS: dict[str, dict[str, Setting]] = {
    "logistic": _settings(_L2, _BACKEND, Setting("max_iter", _number(1, integer=True), "solver iterations"),
                          *_TRAINING),
    "linear_svm": _settings(_L2, _BACKEND, Setting("max_iter", _number(1, integer=True), "solver iterations")),
    "least_squares": _settings(_L2, _BACKEND),
    "mlp": _settings(Setting("hidden", _int_list, "hidden layer widths"),
                     Setting("dropout", _number(0, 1), "dropout probability"), _BACKEND, *_TRAINING),
    "sklearn": {},  # parameters go to the estimator and are checked against it by the compiler
}
MODEL_FAMILIES = tuple(MODEL_PARAMS)
# The scikit-learn classifiers a policy may name (`model sklearn "..."`): each accepts
# `sample_weight` in `fit`, so the cost-sensitive reduction applies. A policy never imports other
# code; the backend builds and loads only these (`fairspec.backends.sklearn_models`).
SKLEARN_ESTIMATORS = (
    "sklearn.ensemble.HistGradientBoostingClassifier",
    "sklearn.ensemble.RandomForestClassifier",
    "sklearn.ensemble.ExtraTreesClassifier",
    "sklearn.ensemble.GradientBoostingClassifier",
    "sklearn.ensemble.AdaBoostClassifier",
    "sklearn.tree.DecisionTreeClassifier",
    "sklearn.linear_model.LogisticRegression",
    "sklearn.linear_model.SGDClassifier",
    "sklearn.linear_model.RidgeClassifier",
    "sklearn.svm.LinearSVC",
    "sklearn.naive_bayes.GaussianNB",
)

MODE_OPTIONS: dict[str, dict[str, Setting]] = {
    "hard": _settings(
        Setting("confidence", _number(0, 1, open_lo=True),
                "certify the bound on unseen data with this probability"),
        Setting("safety", _number(0, 1, open_lo=True), "share of training rows held for the safety test"),
    ),
    "soft": _settings(
        Setting("weight", _number(0, open_lo=True), "penalty weight λ"),
        Setting("group_weights", _weights, "per-group or per-cell weights of the penalty"),
    ),
    "adversarial": _settings(
        Setting("weight", _number(0, open_lo=True), "adversary weight λ"),
        Setting("warmup", _number(0, integer=True), "epochs before the adversary starts"),
        Setting("ramp", _number(0, integer=True), "epochs over which λ ramps up"),
        Setting("steps", _number(1, integer=True), "adversary steps per predictor step"),
        Setting("adversary_lr", _number(0, open_lo=True), "adversary learning rate"),
        Setting("clip", _number(0, open_lo=True), "gradient clipping norm"),
        Setting("source", _choice("logit", "logit_label", "representation"), "what the adversary sees"),
        Setting("projection", _flag, "add the projection term of Zhang, Lemoine & Mitchell (2018)"),
        Setting("heads", _choice("per_attribute", "per_cell"), "adversary heads for an intersection"),
    ),
    "monitor": {},
}

REQUIRED_OPTIONS = {"soft": ("weight",), "adversarial": ("weight",)}
