"""The safety test: a certified bound on each requirement from the held-out safety rows alone."""

from __future__ import annotations

import math

from fairspec.backends.base import FittedModel
from fairspec.certify.certificate import RequirementCertificate
from fairspec.certify.errors import Shortfall
from fairspec.certify.widths import (LOG_LOSS_RANGE, RateTable, measured_table, passes,
                                     point_value, scale_needed)
from fairspec.compiler.ir import CompiledRequirement
from fairspec.data.spec import Split
from fairspec.metrics.bounds import certified_bound
from fairspec.metrics.expressions import leaves
from fairspec.metrics.rates import BINARY_EVENTS


def interval_method(req: CompiledRequirement, method: str) -> str:
    """How the safety test bounded `req`: `method` as `certified_bound` reports it for 0/1 rates,
    with Hoeffding's range for a log-loss."""
    if all(leaf.event in BINARY_EVENTS for leaf in leaves(req.expression)):
        return method
    return f"hoeffding, range {LOG_LOSS_RANGE:.2f} (log-loss of probabilities clipped at 1e-15)"


def safety_test(req: CompiledRequirement, delta: float, model: FittedModel, safety: Split,
                candidate_bound: float, method: str = "exact",
                share: float | None = None) -> tuple[RequirementCertificate, RateTable]:
    """Bound `req`'s metric on the population from `model`'s predictions on the safety rows at
    level δ `delta`, with `certified_bound`'s `binary_method` `method` (fixed before the test,
    from candidate rows). `share`: the requirement's whole share of the failure budget, of which
    this test spends `delta` (default: all of it).

    Returns the certificate entry and the safety rows' rate table (for a rows-needed estimate).
    """
    partition = safety.partitions[req.attribute]
    y_pred = model.predict(safety.X)
    score = model.predict_score(safety.X)
    certified = certified_bound(req.expression, safety.y, y_pred, partition, score, delta=delta,
                                value_range=LOG_LOSS_RANGE, binary_method=method)
    table = measured_table(req.expression, safety.y, y_pred, partition, score)
    entry = RequirementCertificate(
        requirement=req.id, metric=req.describe(), op=str(req.op),
        bound=float(req.bound),  # type: ignore[arg-type]
        confidence=float(req.options["confidence"]), delta=delta if share is None else share,
        test_delta=delta, method=interval_method(req, certified.method),
        candidate_bound=candidate_bound, safety_rows=partition.counts(),
        safety_value=point_value(req.expression, table), certified_bound=certified.bound,
        passed=passes(certified.bound, str(req.op), float(req.bound)),  # type: ignore[arg-type]
        intervals=tuple(interval.__dict__ for interval in certified.intervals))
    return entry, table


def shortfall(entry: RequirementCertificate, req: CompiledRequirement, table: RateTable,
              training_rows: int) -> Shortfall:
    """Why `entry` failed, with the extra training rows its rates would need to pass."""
    side = "upper" if entry.op == "<=" else "lower"
    reason = (f"certified {side} bound {entry.certified_bound:.4f} misses {entry.bound:g} "
              f"(safety value {entry.safety_value:.4f}, δ {entry.test_delta:.4g})")
    scale = scale_needed(req.expression, entry.op, entry.bound, table, entry.test_delta)
    if scale is None:
        return Shortfall(req.id, entry.metric, reason + "; the safety value itself misses the bound, "
                         "so more rows at these rates would not help", entry.certified_bound)
    more = max(1, math.ceil(training_rows * (scale - 1.0)))
    return Shortfall(req.id, entry.metric, reason, entry.certified_bound, more)
