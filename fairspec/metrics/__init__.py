"""Fairness and performance metrics in numpy: group rates, metric values, intervals, bounds.

Names are imported lazily, so that reading the catalog (`fairspec.metrics.catalog`, which the
language layer does to check a policy) does not load numpy and scipy.
"""

from __future__ import annotations

import importlib

_HOME = {
    "CertifiedBound": "bounds", "RateInterval": "bounds", "certified_bound": "bounds",
    "clopper_pearson": "bounds", "gap_upper_bound": "bounds", "hoeffding": "bounds",
    "ratio_lower_bound": "bounds", "worst_group_upper_bound": "bounds",
    "GroupBreakdown": "evaluate", "MetricValue": "evaluate", "combine": "evaluate",
    "evaluate": "evaluate", "measure": "evaluate",
    "BootstrapInterval": "intervals", "bootstrap_interval": "intervals", "bootstrap_replicates": "intervals",
    "auc": "performance", "performance": "performance",
    "group_rates": "rates", "overall_rate": "rates",
}

__all__ = sorted(_HOME)


def __getattr__(name: str):
    if name not in _HOME:
        raise AttributeError(f"module 'fairspec.metrics' has no attribute {name!r}")
    return getattr(importlib.import_module(f"fairspec.metrics.{_HOME[name]}"), name)
