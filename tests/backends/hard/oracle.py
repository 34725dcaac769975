"""Independent measurements for the tests: fairlearn's MetricFrame on the 0/1 predictions."""

from __future__ import annotations

import numpy as np
from fairlearn.metrics import (MetricFrame, false_negative_rate, false_positive_rate,
                               selection_rate, true_positive_rate)
from sklearn.metrics import accuracy_score


def _error_rate(y_true, y_pred) -> float:
    return 1.0 - accuracy_score(y_true, y_pred)


# metric name -> the fairlearn rate functions whose between-group differences it bounds
RATES = {
    "demographic_parity": (selection_rate,),
    "disparate_impact": (selection_rate,),
    "equal_opportunity": (true_positive_rate,),
    "equalized_odds": (true_positive_rate, false_positive_rate),
    "fpr_parity": (false_positive_rate,),
    "fnr_parity": (false_negative_rate,),
    "error_rate_parity": (_error_rate,),
    "accuracy_parity": (accuracy_score,),
}


def pairwise_value(name: str, y: np.ndarray, pred: np.ndarray, codes: np.ndarray) -> float:
    """The metric's pairwise value (worst gap, or min/max ratio) per fairlearn's MetricFrame."""
    frames = _frames(name, y, pred, codes)
    if name == "disparate_impact":
        return float(frames[0].ratio(method="between_groups"))
    return max(float(frame.difference(method="between_groups")) for frame in frames)


def overall_value(name: str, y: np.ndarray, pred: np.ndarray, codes: np.ndarray) -> float:
    """The metric's `vs overall` gap (each group against everyone) per fairlearn's MetricFrame."""
    return max(float(frame.difference(method="to_overall"))
               for frame in _frames(name, y, pred, codes))


def _frames(name: str, y: np.ndarray, pred: np.ndarray, codes: np.ndarray) -> list[MetricFrame]:
    """One MetricFrame per rate the metric bounds."""
    return [MetricFrame(metrics=f, y_true=y, y_pred=pred, sensitive_features=codes)
            for f in RATES[name]]
