"""The `sklearn` backend (cost-sensitive reduction); importing it registers backend and lowerings."""

from __future__ import annotations

from fairspec.backends.base import Lowering, register_backend, register_lowering
from fairspec.backends.reductions.backend import LOWERING, SklearnBackend

register_backend("sklearn", SklearnBackend)
register_lowering(Lowering(
    "sklearn", "hard", "rate_gap", LOWERING,
    "the estimator is refitted on rows relabelled and reweighted by per-cell multipliers until one "
    "fitted estimator, with one threshold, meets the bound on train"))
register_lowering(Lowering(
    "sklearn", "hard", "rate_ratio", LOWERING,
    "per-cell multipliers reweight the rows until every cell's selection rate lies in a window "
    "[L, L/b] for one fitted estimator with one threshold"))

__all__ = ["SklearnBackend"]
