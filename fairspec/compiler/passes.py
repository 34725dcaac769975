"""Compiler passes over a `Program`, each a small step with one job (after cvxpy's reductions).

A pass reports problems as located diagnostics; `compile_policy` raises them together. The chain:
  build → ChooseBackend → SelectLowerings
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from fairspec.backends.base import backend_names, lowering_for
from fairspec.compiler.ir import CompiledRequirement, Program
from fairspec.language.diagnostics import Diagnostic, error
from fairspec.metrics.catalog import METRICS

# Which modes each model family can take at all, whatever backends are installed.
FAMILY_MODES = {
    "logistic": ("hard", "soft", "adversarial", "monitor"),
    "mlp": ("hard", "soft", "adversarial", "monitor"),
    "linear_svm": ("hard", "monitor"),
    "least_squares": ("hard", "monitor"),
    "sklearn": ("hard", "monitor"),
}
_WHY_NOT = {
    "adversarial": "an adversary is trained against the predictor's gradients: use model logistic or mlp",
    "soft": "a penalty is added to a gradient-trained loss: use model logistic or mlp, or make it hard",
}


class Pass(Protocol):
    name: str

    def apply(self, program: Program) -> tuple[Program, list[Diagnostic]]: ...


class ChooseBackend:
    """Pick the backend that runs the model: torch for networks and for soft/adversarial modes,
    the cvxpy runner for convex models under hard constraints, reductions for sklearn estimators."""

    name = "choose-backend"

    def apply(self, program: Program) -> tuple[Program, list[Diagnostic]]:
        family = program.model.family
        modes = {r.mode for r in program.requirements}
        forced = program.model.params.get("backend", "auto")
        if forced != "auto":
            chosen, why = forced, f"the model block asks for backend = {forced}"
        elif family == "sklearn":
            chosen, why = "sklearn", "scikit-learn estimators are trained through cost-sensitive reductions"
        elif family == "mlp":
            chosen, why = "torch", "neural networks train in torch"
        elif modes & {"soft", "adversarial"}:
            chosen, why = "torch", "soft and adversarial modes need gradient training"
        else:
            chosen, why = "cvxpy", f"{family} is convex: hard requirements become constraints"
        params = {k: v for k, v in program.model.params.items() if k != "backend"}
        model = replace(program.model, params=params)
        return replace(program, backend=chosen, backend_reason=why, model=model), []


class SelectLowerings:
    """For each requirement, the lowering the chosen backend registered for its (mode, metric family)."""

    name = "select-lowerings"

    def apply(self, program: Program) -> tuple[Program, list[Diagnostic]]:
        diagnostics: list[Diagnostic] = []
        lowered = []
        for req in program.requirements:
            req, problem = self._lower(program, req)
            lowered.append(req)
            if problem:
                diagnostics.append(problem)
        return replace(program, requirements=tuple(lowered)), diagnostics

    def _lower(self, program: Program, req: CompiledRequirement):
        family = program.model.family
        spans = self._spans(program, req)
        if req.mode not in FAMILY_MODES[family]:
            article = "an" if req.mode[0] in "aeiou" else "a"
            return req, error(f"model {family} cannot take {article} {req.mode} requirement", spans,
                              hint=_WHY_NOT.get(req.mode), code="mode-not-allowed")
        if req.mode == "monitor":
            return replace(req, lowering_note="measured and reported, not enforced"), None
        if program.backend not in backend_names():
            note = (f"the {program.backend} backend is not installed: trained without this requirement, "
                    "measured and reported")
            return replace(req, lowering_note=note), None
        lowering = lowering_for(program.backend, req.mode, METRICS[req.metric].family)
        if lowering is None:
            note = (f"backend {program.backend} has no lowering for {req.mode} {METRICS[req.metric].family}: "
                    "trained without it, measured and reported")
            return replace(req, lowering_note=note), None
        return replace(req, lowering=lowering), None

    @staticmethod
    def _spans(program: Program, req: CompiledRequirement):
        node = next((r for r in program.policy.requirements if r.id == req.id), None)
        return None if node is None else node.span_of("mode")


PIPELINE: tuple[Pass, ...] = (ChooseBackend(), SelectLowerings())
