"""`fairspec train`: compile, load data, fit, measure every requirement, save, append to the audit trail.

The CLI and the Python API (`fairspec.train`) both call `train()`. Each step is a function of the
previous step's output; the only side effects are the run folder and the ledger append, made last.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from fairspec.backends.base import (FitResult, FittedModel, TermReport, backend, backend_names,
                                    trusted_types)
from fairspec.backends.unconstrained import fit_unconstrained
from fairspec.certify import certified_fit, delta_split
from fairspec.compiler import Program, compile_policy
from fairspec.compiler.ir import CompiledRequirement
from fairspec.data import prepare
from fairspec.data.spec import PreparedData, Split
from fairspec.errors import EXIT_OK, EXIT_REQUIREMENT_FAILED
from fairspec.language import Policy, load_policy
from fairspec.metrics.evaluate import MetricValue, evaluate
from fairspec.metrics.intervals import bootstrap_interval
from fairspec.metrics.performance import performance

PERFORMANCE_KEYS = ("accuracy", "log_loss", "auc", "selection_rate", "n")
TOLERANCE = 1e-12      # float noise allowed when comparing a measured value with its bound


@dataclass(frozen=True)
class Measurement:
    """A requirement's metric on one split: value, bootstrap interval, and the per-group breakdown."""

    value: float
    ci: tuple[float, float] | None
    detail: MetricValue

    def to_json(self) -> dict[str, Any]:
        groups = {g.label: {"rates": list(g.rates), "support": list(g.support)} for g in self.detail.groups}
        return _plain({"value": self.value, "ci": None if self.ci is None else list(self.ci), "groups": groups})


@dataclass(frozen=True)
class RequirementResult:
    requirement: CompiledRequirement
    report: TermReport
    backend: str
    train: Measurement
    holdout: Measurement
    holds: bool | None
    verdict: str
    certificate: Any = None       # its RequirementCertificate when the requirement is certified

    def to_json(self) -> dict[str, Any]:
        r = self.requirement
        return _plain({
            "id": r.id, "title": r.title, "rationale": r.rationale, "line": r.line, "metric": r.metric,
            "attribute": r.attribute, "reference": r.reference, "operator": r.op, "bound": r.bound,
            "mode": r.mode, "weight": r.weight, "lowering": self.report.lowering, "backend": self.backend,
            "status": self.report.status, "price": self.report.price,
            "unconstrained_value": self.report.unconstrained_value,
            "train": self.train.value, "holdout": self.holdout.value,
            "train_ci": None if self.train.ci is None else list(self.train.ci),
            "holdout_ci": None if self.holdout.ci is None else list(self.holdout.ci),
            "holds": self.holds, "verdict": self.verdict, "detail": self.report.detail,
            "certified_bound": None if self.certificate is None else self.certificate.certified_bound,
            "groups": {"train": self.train.to_json()["groups"], "holdout": self.holdout.to_json()["groups"]},
        })


@dataclass
class TrainResult:
    """Everything a train run produced: the model, its measurements, where it was saved and logged."""

    program: Program
    data: PreparedData
    fit: FitResult
    requirements: tuple[RequirementResult, ...]
    performance: dict[str, dict[str, Any]]
    timings: dict[str, float]
    run_id: str = ""
    run_dir: Path | None = None
    artifact: dict[str, Any] | None = None
    audit: dict[str, Any] | None = None
    record: dict[str, Any] | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    frontier: Any = None          # fairspec.frontier.Frontier when the policy has an objective block
    certificate: Any = None       # fairspec.certify.Certificate when requirements are certified

    @property
    def model(self) -> FittedModel:
        return self.fit.model

    @property
    def hard_requirements_hold(self) -> bool:
        return all(r.holds for r in self.requirements if r.requirement.mode == "hard")

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.hard_requirements_hold else EXIT_REQUIREMENT_FAILED

    def to_json(self) -> dict[str, Any]:
        """The `train --json` object. Key names are stable: other tools read them."""
        return _plain({
            "policy": {"name": self.program.name, "path": self.program.path, "sha256": self.program.sha256},
            "run_id": self.run_id or None,
            "run_dir": None if self.run_dir is None else str(self.run_dir),
            "seed": self.program.seed,
            "model": {"family": self.program.model.family, "estimator": self.program.model.estimator,
                      "params": dict(self.program.model.params), "backend": self.fit.backend,
                      "solver": self.fit.solver, "artifact": self.artifact},
            "performance": self.performance,
            "requirements": [r.to_json() for r in self.requirements],
            "hard_requirements_hold": self.hard_requirements_hold,
            "proxies": [{"feature": p.feature, "attribute": p.attribute, "auc": p.auc, "detail": p.detail}
                        for p in self.data.proxies],
            "notes": list(self.notes),
            "solver_log": list(self.fit.log),
            "timings": self.timings,
            "audit": self.audit,
            "frontier": None if self.frontier is None else {
                "objective": self.frontier.objective, "chosen": self.frontier.chosen,
                "choice_note": self.frontier.choice_note, "hypervolume": self.frontier.hypervolume},
            "certificate": None if self.certificate is None else self.certificate.to_json(),
            "exit_code": self.exit_code,
        })


def train(policy: Policy | str | Path, data: PreparedData | None = None, *, seed: int | None = None,
          out: str | Path | None = "runs", audit: bool = True, n_resamples: int = 1000) -> TrainResult:
    """Train the policy's model under its requirements and measure every requirement.

    `data` replaces the policy's data source (already prepared). With `out=None` nothing is saved
    and no audit record is written. Raises `PolicyError`, data errors, or `InfeasibleError`.
    """
    started = time.perf_counter()
    if not isinstance(policy, Policy):
        policy = load_policy(policy)
    program = compile_policy(policy, seed=seed)
    t0 = time.perf_counter()
    prepared = data if data is not None else prepare(program.data)
    t1 = time.perf_counter()
    frontier = certificate = None
    if program.objectives:
        frontier = sweep_objective(program, prepared, out)
        fit = frontier.fit_result(frontier.chosen if frontier.chosen is not None else 0)
    elif delta_split(program):
        fit, certificate = certified_fit(program, prepared.train)
    else:
        fit = fit_program(program, prepared.train)
    t2 = time.perf_counter()
    certified = {} if certificate is None else {c.requirement: c for c in certificate.requirements}
    results = tuple(measure_requirement(program, req, fit, prepared, n_resamples, certified.get(req.id))
                    for req in program.requirements)
    perf = {split.name: _performance(program, fit.model, split) for split in (prepared.train, prepared.holdout)}
    t3 = time.perf_counter()
    timings = {"data_s": t1 - t0, "fit_s": t2 - t1, "measure_s": t3 - t2, "total_s": t3 - started}
    result = TrainResult(program=program, data=prepared, fit=fit, requirements=results, performance=perf,
                         timings=timings, frontier=frontier, certificate=certificate,
                         notes=tuple(prepared.notes) + (fit.log if fit.backend == "unconstrained" else ()))
    if out is not None:
        from fairspec.audit.publish import publish_run
        publish_run(result, Path(out), audit=audit, trusted_types=trusted_types(fit.model.format))
    return result


def sweep_objective(program: Program, data: PreparedData, out: str | Path | None):
    """The policy's first objective block swept into a frontier; the policy's `choose` picks the point
    (without one, point 0: the policy's own requirements with no swept bound)."""
    import tempfile

    from fairspec.frontier import run_frontier

    work = Path(out) if out is not None else Path(tempfile.mkdtemp(prefix="fairspec-sweep-"))
    return run_frontier(program, data, out=work)


def fit_program(program: Program, train_split: Split) -> FitResult:
    """Run the program's backend; with no backend installed, fit unconstrained and say so."""
    request = program.fit_request()
    if program.backend in backend_names():
        return backend(program.backend).fit(request, train_split)
    started = time.perf_counter()
    model = fit_unconstrained(request, train_split)
    reports = tuple(TermReport(id=t.id, lowering="none", status="not_enforced",
                               detail=f"backend {program.backend} is not installed") for t in request.terms)
    return FitResult(model=model, terms=reports, backend="unconstrained", solver="scikit-learn",
                     seconds=time.perf_counter() - started,
                     log=(f"backend {program.backend} is not installed: the model was fitted without its "
                          "fairness terms",))


def measure_requirement(program: Program, req: CompiledRequirement, fit: FitResult, data: PreparedData,
                        n_resamples: int, certified=None) -> RequirementResult:
    """Measure on both splits. A certified requirement's verdict is its safety test's (on unseen
    rows, for the population); the others' is the bound checked on the training split."""
    report = next((t for t in fit.terms if t.id == req.id), None) or TermReport(
        id=req.id, lowering="none", status="not_enforced")
    train_m = _measure(req, fit.model, data.train, n_resamples, program.seed)
    holdout_m = _measure(req, fit.model, data.holdout, n_resamples, program.seed)
    holds = None if req.op is None else _satisfies(train_m.value, req.op, req.bound)
    if certified is not None:
        holds = bool(certified.passed)
    if req.mode == "monitor" or req.op is None:
        verdict = "monitored"
    else:
        verdict = "holds" if holds else "fails"
    return RequirementResult(requirement=req, report=report, backend=fit.backend, train=train_m,
                             holdout=holdout_m, holds=holds, verdict=verdict, certificate=certified)


def _measure(req: CompiledRequirement, model: FittedModel, split: Split, n_resamples: int,
             seed: int) -> Measurement:
    partition = split.partitions[req.attribute]
    score = model.predict_score(split.X)
    y_pred = model.predict(split.X)
    detail = evaluate(req.expression, split.y, y_pred, partition, score)
    ci = None
    if n_resamples > 0:
        interval = bootstrap_interval(req.expression, split.y, y_pred, partition, score,
                                      n_resamples=n_resamples, seed=seed)
        ci = (interval.lower, interval.upper)
    return Measurement(value=detail.value, ci=ci, detail=detail)


def _satisfies(value: float, op: str, bound: float | None) -> bool:
    if bound is None or value is None or math.isnan(value):
        return False
    return value <= bound + TOLERANCE if op == "<=" else value >= bound - TOLERANCE


def _performance(program: Program, model: FittedModel, split: Split) -> dict[str, Any]:
    score = model.predict_score(split.X)
    y_pred = model.predict(split.X)
    return _plain(performance(program.task, split.y, y_pred, score))


def _plain(value: Any) -> Any:
    """JSON-ready: numpy scalars to Python, NaN and infinities to None, tuples to lists."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (np.floating, float)):
        f = float(value)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def dumps(result: TrainResult) -> str:
    return json.dumps(result.to_json(), indent=2, sort_keys=False)
