"""Fairness and performance metrics in numpy: group rates, metric values, intervals, bounds.

The exact bounds (`bounds.py`, which needs scipy) load on first use, so that checking a policy,
which reads `fairspec.metrics.catalog`, stays quick.
"""

from __future__ import annotations

import importlib

from fairspec.metrics.evaluate import GroupBreakdown, MetricValue, combine, evaluate, measure
from fairspec.metrics.intervals import BootstrapInterval, bootstrap_interval, bootstrap_replicates
from fairspec.metrics.performance import auc, performance
from fairspec.metrics.rates import group_rates, overall_rate

_BOUNDS = ("CertifiedBound", "RateInterval", "certified_bound", "clopper_pearson", "gap_upper_bound",
           "hoeffding", "ratio_lower_bound", "worst_group_upper_bound")

__all__ = [
    "BootstrapInterval", "GroupBreakdown", "MetricValue", "auc", "bootstrap_interval",
    "bootstrap_replicates", "combine", "evaluate", "group_rates", "measure", "overall_rate",
    "performance", *_BOUNDS,
]


def __getattr__(name: str):
    if name in _BOUNDS:
        return getattr(importlib.import_module("fairspec.metrics.bounds"), name)
    raise AttributeError(f"module 'fairspec.metrics' has no attribute {name!r}")
