"""Run a frontier sweep for one objective block: anchor, plan, fit every point, measure, summarise.

`run_frontier` is what `fairspec frontier POLICY` and the train pipeline call. Every finished
point is written to the sweep's work folder as it arrives; running the same sweep again (same
policy, data, seed, method and point count) finds those points and fits only the missing ones.

When the backend returns a state with the anchor (see `FitResult.state`), the other points run
in chains of `CHAIN_POINTS` consecutive plans (loosest bound first), each fit warm-started from
the previous one's state. The chains are cut from the plan alone, never from the worker count,
so a point's model does not depend on how the sweep was scheduled; a resumed chain refits its
finished head silently to rebuild the state its missing points start from.
"""

from __future__ import annotations

import json
import math
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from fairspec.audit.canonical import canonical_json, sha256_hex
from fairspec.backends.base import FitRequest, FitResult, FittedModel, backend_names, lowering_for
from fairspec.backends.products import remembering
from fairspec.compiler.ir import CompiledObjective, Program
from fairspec.data.spec import PreparedData, Split
from fairspec.errors import FairspecError
from fairspec.frontier.axes import Axis, axes_of, measure_split
from fairspec.frontier.executors import Chain, PointFit, PointTask, fit_point, run_chains
from fairspec.frontier.pareto import hypervolume, nondominated
from fairspec.frontier.plan import PointPlan, plan_points
from fairspec.frontier.points import (FrontierPoint, load_point_model, meets_bounds, point_dir,
                                      read_points, write_point)
from fairspec.frontier.preference import choose_point
from fairspec.metrics.catalog import METRICS

SPLITS = ("train", "holdout")
# Points per warm-started chain: one chain for a sweep of up to 21 points. Each chain's head is
# a cold search (6–14 rounds on Adult against 2–3 for a warm point), and at this size two worker
# processes cost more to start than the sweep takes; longer sweeps still split into chains.
CHAIN_POINTS = 20
TORCH_FAMILIES = ("logistic", "mlp")


@dataclass
class Frontier:
    """A finished sweep: its axes and points, the Pareto set and hypervolume per split, the choice.

    `reference` is the hypervolume's reference point, one value per axis key, in the axis's own
    units (hypervolume is the volume of objective space between the Pareto points and it).
    `points_dir` holds each point's folder (`NNNN/point.json` and its model).
    """

    objective: str
    method: str
    backend: str
    seed: int
    axes: tuple[Axis, ...]
    points: tuple[FrontierPoint, ...]
    reference: dict[str, float]
    pareto: dict[str, tuple[int, ...]]
    hypervolume: dict[str, float]
    chosen: int | None
    choice: str | None
    choice_note: str
    points_dir: Path
    notes: tuple[str, ...] = field(default_factory=tuple)

    def point(self, index: int) -> FrontierPoint:
        for point in self.points:
            if point.index == index:
                return point
        raise FairspecError(f"the frontier has no point {index}",
                            hint=f"points: {', '.join(str(p.index) for p in self.points)}")

    def model(self, index: int) -> FittedModel:
        point = self.point(index)
        if not point.ok:
            raise FairspecError(f"point {index} is infeasible and has no model: {point.message}")
        return load_point_model(self.points_dir, point)

    def fit_result(self, index: int) -> FitResult:
        """Point `index` as the `FitResult` a train run continues from (measure, save, audit)."""
        point = self.point(index)
        return FitResult(model=self.model(index), terms=point.reports, backend=self.backend,
                         solver=point.solver, seconds=point.seconds,
                         log=(f"frontier {self.objective}: point {index} ({point.plan.describe()})",))

    def to_json(self) -> dict[str, Any]:
        return {"objective": self.objective, "method": self.method, "backend": self.backend,
                "seed": self.seed, "axes": [a.to_json() for a in self.axes],
                "reference": self.reference, "pareto": {k: list(v) for k, v in self.pareto.items()},
                "hypervolume": self.hypervolume, "chosen": self.chosen, "choice": self.choice,
                "choice_note": self.choice_note, "notes": list(self.notes),
                "points": [p.to_json() for p in self.points]}

    @classmethod
    def from_json(cls, data: dict[str, Any], points_dir: Path) -> "Frontier":
        return cls(data["objective"], data["method"], data["backend"], data["seed"],
                   tuple(Axis.from_json(a) for a in data["axes"]),
                   tuple(FrontierPoint.from_json(p) for p in data["points"]), data["reference"],
                   {k: tuple(v) for k, v in data["pareto"].items()}, data["hypervolume"],
                   data["chosen"], data["choice"], data["choice_note"], Path(points_dir),
                   tuple(data["notes"]))


def run_frontier(program: Program, data: PreparedData, *, out: str | Path = "runs",
                 objective: str | None = None, method: str | None = None, points: int | None = None,
                 jobs: int = 1, executor: str = "local", address: str | None = None,
                 reference: dict[str, float] | None = None,
                 progress: Callable[[FrontierPoint], None] | None = None) -> Frontier:
    """Sweep the objective block `objective` (default: the first) and choose by its preference.

    Finished points go to `out/.sweep-<key>/points/`, the key naming everything the points depend
    on; a rerun with the same key resumes. `jobs` worker processes (spawned) fit points in
    parallel, or a Ray cluster with `executor="ray"` (`address` None starts a local one).
    `reference` overrides the default hypervolume reference point (see `default_reference`).
    """
    compiled = _objective(program, objective)
    axes = axes_of(compiled, program.task)
    method = method or compiled.method
    n_points = points or compiled.points
    backend_name, notes = sweep_backend(program, method, axes)
    work_dir = Path(out) / f".sweep-{sweep_key(program, data, compiled, method, n_points, backend_name)[:16]}"
    sweep = _Sweep(program, data, compiled, axes, backend_name, work_dir / "points", progress)
    # every point is fitted on train and measured on both splits: one CSR copy of each for all
    with remembering(data.train.X, data.holdout.X):
        anchor = sweep.finished.get(0) or sweep.run([PointPlan(0)], 1, executor, address)[0]
        if not anchor.ok:
            raise FairspecError(f"the anchor of objective {compiled.name!r} (the policy's own terms) "
                                f"is infeasible: {anchor.message}")
        assert anchor.train is not None
        plans = plan_points(method, axes, anchor.train, n_points, _base_rate(data.train, program.task))
        sweep.run_chained(plans, jobs, executor, address)
    measured = tuple(sweep.finished[p.index] for p in plans)
    chosen_choice = _choice_node(program, compiled)
    result = summarise(compiled.name, method, backend_name, program.seed, axes, measured,
                       reference or default_reference(axes, data.train, program.task, measured),
                       chosen_choice, compiled.choose, sweep.points_dir, notes)
    (work_dir / "frontier.json").write_text(json.dumps(result.to_json(), indent=1) + "\n", encoding="utf-8")
    return result


def summarise(objective: str, method: str, backend_name: str, seed: int, axes: tuple[Axis, ...],
              points: tuple[FrontierPoint, ...], reference: dict[str, float], choice: Any,
              choice_text: str | None, points_dir: Path, notes: tuple[str, ...] = ()) -> Frontier:
    """Pareto sets and hypervolumes on each split, and the a priori choice, for measured points."""
    pareto, volumes = {}, {}
    reference_cost = np.array([axis.cost(reference[axis.key]) for axis in axes])
    for split in SPLITS:
        usable = [p for p in points if p.ok]
        costs = np.array([[axis.cost(p.values(split)[axis.key]) for axis in axes] for p in usable]
                         ).reshape(len(usable), len(axes))
        mask = nondominated(costs) if len(usable) else np.zeros(0, dtype=bool)
        pareto[split] = tuple(p.index for p, keep in zip(usable, mask) if keep)
        volumes[split] = hypervolume(costs, reference_cost)
    chosen, note = choose_point(points, pareto["train"], choice)
    return Frontier(objective, method, backend_name, seed, axes, points, dict(reference), pareto,
                    volumes, chosen, choice_text, note, Path(points_dir), tuple(notes))


def default_reference(axes: tuple[Axis, ...], train: Split, task: str,
                      points: tuple[FrontierPoint, ...]) -> dict[str, float]:
    """A reference point no sensible model is worse than, stated in `frontier.json`.

    A performance goal takes the constant model's value on train (majority-class accuracy and
    error, base-rate log-loss, AUC 0.5, the variance of y as MSE); a group goal its metric's worst
    value (1 for a gap, 0 for a ratio) or, for an unbounded loss, 1.5 × the worst point's.
    """
    y = np.asarray(train.y, dtype=np.float64)
    base = float(y.mean()) if len(y) else 0.5
    constant = {"accuracy": max(base, 1 - base), "error_rate": min(base, 1 - base), "auc": 0.5,
                "log_loss": _entropy(base) if task == "binary" else math.nan,
                "mse": float(np.var(y))}
    reference = {}
    for axis in axes:
        info = METRICS[axis.metric]
        if not axis.is_group:
            reference[axis.key] = constant[axis.metric]
        elif axis.sense == "maximize":
            reference[axis.key] = info.lower
        elif info.upper is not None:
            reference[axis.key] = info.upper
        else:
            reference[axis.key] = 1.5 * max((p.values("train")[axis.key] for p in points if p.ok),
                                            default=1.0)
    return reference


def sweep_backend(program: Program, method: str, axes: tuple[Axis, ...]) -> tuple[str, tuple[str, ...]]:
    """The backend that can enforce every group goal the way `method` needs (hard or soft).

    The policy's own backend when it can; otherwise torch, which trains the same logistic or MLP
    model with soft penalties (the linear backends have hard lowerings only).
    """
    mode = "hard" if method == "epsilon_constraint" else "soft"
    families = {METRICS[a.metric].family for a in axes if a.is_group}

    def can(name: str) -> bool:
        return name in backend_names() and all(
            (lw := lowering_for(name, mode, family)) is not None and lw.executes  # type: ignore[arg-type]
            for family in families)

    if can(program.backend):
        return program.backend, ()
    if program.model.family in TORCH_FAMILIES and can("torch"):
        return "torch", (f"{method} needs {mode} lowerings for {', '.join(sorted(families))}, which "
                         f"backend {program.backend or '(none)'} lacks: the torch backend trains the "
                         f"same {program.model.family} model",)
    raise FairspecError(f"no installed backend enforces {', '.join(sorted(families))} as {mode} terms "
                        f"for model {program.model.family}, as {method} needs",
                        hint="use method epsilon_constraint with a linear model, or install the torch "
                             "extra for weighted_sum")


POINT_FORMATS = {"torch-safetensors": 2}


def sweep_key(program: Program, data: PreparedData, objective: CompiledObjective, method: str,
              points: int, backend_name: str) -> str:
    """sha256 of everything a sweep's points depend on: rerunning with the same key resumes."""
    return sha256_hex(canonical_json({
        "policy": program.sha256, "data": data.fingerprint, "seed": program.seed,
        "model": {"family": program.model.family, "params": dict(program.model.params),
                  "estimator": program.model.estimator},
        "terms": [[t.id, t.mode, t.op, t.bound, t.weight] for t in program.fit_request().terms],
        "objective": [objective.name, [str(g) + ":" + g.sense for g in objective.goals]],
        "method": method, "points": points, "backend": backend_name,
        # saved-model formats: a sweep left by a fairspec that saved points differently is not
        # resumed (session 8: torch models became one safetensors file)
        "formats": POINT_FORMATS,
    }))


class _Sweep:
    """The points of one sweep: fits tasks, measures each answer and writes its folder."""

    def __init__(self, program: Program, data: PreparedData, objective: CompiledObjective,
                 axes: tuple[Axis, ...], backend_name: str, points_dir: Path,
                 progress: Callable[[FrontierPoint], None] | None) -> None:
        self.program, self.data, self.objective, self.axes = program, data, objective, axes
        self.backend_name, self.points_dir, self.progress = backend_name, points_dir, progress
        self.points_dir.mkdir(parents=True, exist_ok=True)
        self.finished: dict[int, FrontierPoint] = read_points(points_dir)
        self.plans: dict[int, PointPlan] = {}
        self.states: dict[int, Any] = {}

    def run(self, plans: list[PointPlan], jobs: int, executor: str, address: str | None
            ) -> list[FrontierPoint]:
        """Fit `plans` cold and independently, and record them."""
        self.plans.update({p.index: p for p in plans})
        chains = [Chain((self._task(p),)) for p in plans]
        run_chains(chains, self.data.train, self._record, jobs=jobs, executor=executor, address=address)
        return [self.finished[p.index] for p in plans]

    def run_chained(self, plans: tuple[PointPlan, ...], jobs: int, executor: str,
                    address: str | None) -> None:
        """Fit the unfinished non-anchor `plans`, warm-started in chains when the backend allows."""
        missing = frozenset(p.index for p in plans if p.index not in self.finished)
        if not missing:
            return
        self.plans.update({p.index: p for p in plans})
        start = self._anchor_state()
        ordered = sorted((p for p in plans if p.index != 0), key=lambda p: p.index)
        length = CHAIN_POINTS if start is not None else 1
        chains = []
        for first in range(0, len(ordered), length):
            chunk = ordered[first:first + length]
            wanted = [i for i, p in enumerate(chunk) if p.index in missing]
            if wanted:
                chains.append(Chain(tuple(self._task(p) for p in chunk[:wanted[-1] + 1]), start,
                                    missing))
        run_chains(chains, self.data.train, self._record, jobs=jobs, executor=executor,
                   address=address)

    def _anchor_state(self) -> Any:
        """The anchor fit's backend state, refitting the anchor (unrecorded) after a resume."""
        if 0 not in self.states:
            self.states[0] = fit_point(self._task(PointPlan(0)), self.data.train).state
        return self.states[0]

    def _task(self, plan: PointPlan) -> PointTask:
        return PointTask(plan.index, self.backend_name, self._request(plan))

    def _request(self, plan: PointPlan) -> FitRequest:
        base = self.program.fit_request()
        extra = plan.terms(self.axes, self.program.task, self.objective.name)
        return FitRequest(base.model, base.terms + extra, base.task, base.seed)

    def _record(self, fit: PointFit) -> None:
        if fit.index == 0:
            self.states[0] = fit.state
        plan = self.plans[fit.index]
        task = self.program.task
        train = holdout = None
        if fit.status == "ok":
            train = measure_split(self.axes, fit.model, self.data.train, task)
            holdout = measure_split(self.axes, fit.model, self.data.holdout, task)
        point = FrontierPoint(plan, fit.status, fit.message, train, holdout, fit.reports, fit.solver,
                              fit.seconds, None, None, None if train is None else meets_bounds(plan, train))
        shutil.rmtree(point_dir(self.points_dir, plan.index), ignore_errors=True)
        point = write_point(self.points_dir, point, fit.model)
        self.finished[plan.index] = point
        if self.progress is not None:
            self.progress(point)


def _objective(program: Program, name: str | None) -> CompiledObjective:
    if not program.objectives:
        raise FairspecError(f"policy {program.name} has no objective block",
                            hint="add e.g. `objective tradeoff:` with `maximize accuracy` and "
                                 "`minimize demographic_parity(sex)`")
    if name is None:
        return program.objectives[0]
    for compiled in program.objectives:
        if compiled.name == name:
            return compiled
    raise FairspecError(f"policy {program.name} has no objective {name!r}",
                        hint="objectives: " + ", ".join(o.name for o in program.objectives))


def _choice_node(program: Program, compiled: CompiledObjective) -> Any:
    """The parsed `choose` of the objective (with its `where` bounds), or None."""
    for node in program.policy.objectives:
        if node.name == compiled.name:
            return node.choose
    return None


def _base_rate(train: Split, task: str) -> float | None:
    return float(np.mean(train.y)) if task == "binary" and train.n_rows else None


def _entropy(p: float) -> float:
    if p <= 0 or p >= 1:
        return 0.0
    return -(p * math.log(p) + (1 - p) * math.log(1 - p))
