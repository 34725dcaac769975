"""The compiler's intermediate representation: what to train, and how each requirement is enforced.

A `Program` is plain frozen data. Passes (fairspec.compiler.passes) rewrite it step by step; the
backend reads `Program.fit_request()`; `compile --explain` prints `explain(program)`; `--json`
prints `program.to_json()`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from fairspec.backends.base import FitRequest, Lowering, ModelSpec, Term
from fairspec.data.spec import DataSpec
from fairspec.language.ast import Policy
from fairspec.metrics.catalog import METRICS, Mode, Task
from fairspec.metrics.expressions import Expr


@dataclass(frozen=True)
class CompiledRequirement:
    """One `require` of the policy, resolved: its metric expression, partition and chosen lowering."""

    id: str
    title: str | None
    rationale: str | None
    line: int | None
    metric: str
    attribute: str
    attribute_kind: Literal["attribute", "group", "intersection"]
    reference: Literal["pairwise", "overall"]
    op: Literal["<=", ">="] | None
    bound: float | None
    mode: Mode
    weight: float | None
    options: dict[str, Any]
    expression: Expr
    lowering: Lowering | None = None
    lowering_note: str = ""

    @property
    def enforced(self) -> bool:
        return self.mode in ("hard", "soft", "adversarial")

    def term(self) -> Term:
        return Term(id=self.id, metric=self.metric, family=METRICS[self.metric].family, expression=self.expression,
                    partition=self.attribute, mode=self.mode, op=self.op, bound=self.bound,
                    weight=self.weight, options=dict(self.options))

    def describe(self) -> str:
        text = f"{self.metric}({self.attribute})" + (" vs overall" if self.reference == "overall" else "")
        if self.op is not None:
            text += f" {self.op} {self.bound:g}"
        return text


@dataclass(frozen=True)
class Goal:
    sense: Literal["maximize", "minimize"]
    metric: str
    attribute: str | None
    reference: Literal["pairwise", "overall"] = "pairwise"

    def __str__(self) -> str:
        text = self.metric if self.attribute is None else f"{self.metric}({self.attribute})"
        return text + (" vs overall" if self.reference == "overall" else "")


@dataclass(frozen=True)
class CompiledObjective:
    name: str
    line: int | None
    goals: tuple[Goal, ...]
    method: str
    points: int
    choose: str | None           # the preference as written, e.g. "max accuracy where ... <= 0.05"


@dataclass(frozen=True)
class Program:
    policy: Policy
    name: str
    path: str
    sha256: str
    task: Task
    model: ModelSpec
    seed: int
    data: DataSpec
    requirements: tuple[CompiledRequirement, ...]
    objectives: tuple[CompiledObjective, ...] = ()
    audit_path: Path | None = None
    backend: str = ""
    backend_reason: str = ""
    passes: tuple[str, ...] = field(default_factory=tuple)

    def fit_request(self, seed: int | None = None) -> FitRequest:
        return FitRequest(model=self.model, terms=tuple(r.term() for r in self.requirements),
                          task=self.task, seed=self.seed if seed is None else seed)

    def to_json(self) -> dict[str, Any]:
        return {
            "policy": {"name": self.name, "path": self.path, "sha256": self.sha256},
            "task": self.task,
            "model": {"family": self.model.family, "estimator": self.model.estimator,
                      "params": dict(self.model.params)},
            "backend": {"name": self.backend, "reason": self.backend_reason},
            "seed": self.seed,
            "requirements": [_requirement_json(r) for r in self.requirements],
            "objectives": [{"name": o.name, "line": o.line, "goals": [{"sense": g.sense, "target": str(g)}
                                                                      for g in o.goals],
                            "method": o.method, "points": o.points, "choose": o.choose}
                           for o in self.objectives],
            "audit": None if self.audit_path is None else str(self.audit_path),
            "passes": list(self.passes),
        }


def _requirement_json(r: CompiledRequirement) -> dict[str, Any]:
    lowering = None
    if r.lowering is not None:
        lowering = {"backend": r.lowering.backend, "method": r.lowering.method,
                    "description": r.lowering.description}
    return {"id": r.id, "title": r.title, "line": r.line, "metric": r.metric, "attribute": r.attribute,
            "attribute_kind": r.attribute_kind, "reference": r.reference, "operator": r.op,
            "bound": r.bound, "mode": r.mode, "weight": r.weight, "options": r.options,
            "expression": str(r.expression), "lowering": lowering, "note": r.lowering_note}
