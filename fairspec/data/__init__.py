"""The data layer: bundled data sets, loading, groups and intersections, preprocessing, proxies.

`prepare(spec)` is the one entry point the train pipeline calls; `spec.py` holds its contract.
"""

from fairspec.data.prepare import prepare
from fairspec.data.preprocess import Preprocessor

__all__ = ["Preprocessor", "prepare"]
