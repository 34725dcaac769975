"""Choose the candidate model on the candidate rows alone: hard fits × decision-threshold shifts.

The safety test's margin depends on the rates a model reaches: a binomial interval narrows as a
rate moves away from 0.5 and as a gap shrinks. A fit that maximises accuracy under the bound keeps
rates (≈ 0.2 on Adult) whose margin may exceed the bound on a small safety part, while a model that
selects fewer rows can still pass. So the candidates are a ladder of hard fits (the policy's bounds,
then tighter ones) and, for a linear model, each fit's decision threshold moved through quantiles
of its candidate scores. Each candidate's certified requirements are predicted from its candidate
rates on supports scaled to the safety size (`widths.predicted_bound`), with the margin times
`inflation`; the most accurate candidate (on candidate rows) whose every prediction passes is
returned. A candidate no more accurate than the majority label is never returned.

Nothing here sees a safety row, so the safety test stays exact whatever is chosen; the choice only
moves how often it passes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from fairspec.backends.base import FitResult, InfeasibleError
from fairspec.backends.linear import LinearModel
from fairspec.certify.budget import DeltaShare, certified_requirements
from fairspec.certify.widths import measured_table, passes, point_value, predicted_bound
from fairspec.compiler.ir import CompiledRequirement, Program
from fairspec.data.spec import Split
from fairspec.metrics.evaluate import evaluate

Fit = Callable[[Program, Split], FitResult]
# Each certified bound's room (to 0 for `<=`, to 1 for `>=`) is scaled by these for the ladder of
# fits, one fit each. In a trial on Adult (DP on sex ≤ 0.05, rungs 1, 0.6, 0.2, 0.1) the chosen
# candidate came mostly from the policy's bound at 5,000 rows and mostly from tighter rungs at 20,000.
LADDER = (1.0, 0.5, 0.1)
# Quantiles of the candidate scores tried as decision thresholds (plus the fit's own threshold).
THRESHOLD_QUANTILES = tuple(np.linspace(0.02, 0.98, 49))


@dataclass(frozen=True)
class Candidate:
    """A model tried on the candidate rows and what it predicts for the safety test."""

    fitted: FitResult
    fit_bounds: dict[str, float]     # the certified bounds the fit was run at
    shift: float                     # added to the decision threshold (0: the fit's own)
    accuracy: float                  # on the candidate rows
    selection_rate: float            # on the candidate rows
    predicted: dict[str, float]      # per certified requirement: value + inflation × margin


def choose_candidate(program: Program, candidate: Split, shares: dict[str, DeltaShare],
                     scale: float, inflation: float,
                     fit: Fit) -> tuple[Candidate | None, int, FitResult | None]:
    """The most accurate passing candidate (None if none passes), how many were tried, and the
    first feasible fit of the ladder (for a shortfall's estimate).

    Raises `InfeasibleError` when no fit of the ladder is feasible (the first fit's error).
    """
    best, tried, first_error, first_fit = None, 0, None, None
    majority = max(float(np.mean(candidate.y)), 1.0 - float(np.mean(candidate.y)))
    for fraction in LADDER:
        bounds = ladder_bounds(program, fraction)
        try:
            fitted = fit(at_bounds(program, bounds), candidate)
        except InfeasibleError as error:
            first_error = first_error or error
            continue
        first_fit = first_fit or fitted
        for shift in _shifts(fitted, candidate):
            tried += 1
            option = _assess(program, fitted, bounds, shift, candidate, shares, scale, inflation)
            if option is None or option.accuracy <= majority:
                continue
            if best is None or option.accuracy > best.accuracy:
                best = option
    if tried == 0 and first_error is not None:
        raise first_error
    return best, tried, first_fit


def ladder_bounds(program: Program, fraction: float) -> dict[str, float]:
    """Each certified bound with its room scaled by `fraction` (1.0: the policy's own bound)."""
    bounds = {}
    for req in certified_requirements(program):
        bound = float(req.bound)  # type: ignore[arg-type]
        bounds[req.id] = bound * fraction if req.op == "<=" else 1.0 - (1.0 - bound) * fraction
    return bounds


def at_bounds(program: Program, bounds: dict[str, float]) -> Program:
    requirements = tuple(replace(req, bound=bounds[req.id]) if req.id in bounds else req
                         for req in program.requirements)
    return replace(program, requirements=requirements)


def shifted(fitted: FitResult, shift: float) -> FitResult:
    """`fitted` with its decision threshold moved by `shift` (on the linear score)."""
    if shift == 0.0:
        return fitted
    model = fitted.model
    return replace(fitted, model=replace(model, intercept=model.intercept - shift))


def _shifts(fitted: FitResult, candidate: Split) -> list[float]:
    """0, then the score quantiles as threshold moves (a logit linear model only)."""
    model = fitted.model
    if not isinstance(model, LinearModel) or model.link != "logit" or model.threshold != 0.5:
        return [0.0]
    margins = model.decision_function(candidate.X)
    moves = np.unique(np.quantile(margins, THRESHOLD_QUANTILES))
    return [0.0] + [float(move) for move in moves if move != 0.0]


def _assess(program: Program, fitted: FitResult, bounds: dict[str, float], shift: float,
            candidate: Split, shares: dict[str, DeltaShare], scale: float,
            inflation: float) -> Candidate | None:
    """The candidate's predictions, or None when a shift breaks a hard requirement on its rows."""
    model = shifted(fitted, shift).model
    y_pred, score = model.predict(candidate.X), model.predict_score(candidate.X)
    predicted = {}
    for req in program.requirements:
        partition = candidate.partitions[req.attribute]
        if req.id in shares:
            table = measured_table(req.expression, candidate.y, y_pred, partition, score)
            value = point_value(req.expression, table)
            if not passes(value, str(req.op), float(req.bound)):  # type: ignore[arg-type]
                return None                 # the margin only moves it further: skip the intervals
            bound = predicted_bound(req.expression, table.scaled(scale), shares[req.id].share)
            predicted[req.id] = value + inflation * (bound - value)
        elif shift != 0.0 and _still_binding(req):
            value = evaluate(req.expression, candidate.y, y_pred, partition, score).value
            if not passes(value, str(req.op), float(req.bound)):  # type: ignore[arg-type]
                return None
    if not all(passes(predicted[req.id], str(req.op), float(req.bound))  # type: ignore[arg-type]
               for req in certified_requirements(program)):
        return None
    return Candidate(shifted(fitted, shift), bounds, shift, float(np.mean(y_pred == candidate.y)),
                     float(np.mean(y_pred)), predicted)


def _still_binding(req: CompiledRequirement) -> bool:
    """A hard requirement the fit met on the candidate rows; a shift must keep it met."""
    return req.mode == "hard" and req.op is not None and req.bound is not None
