"""The first lowering step: a checked policy → a `Program` (data spec, model spec, requirement IR)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fairspec.backends.base import ModelSpec
from fairspec.compiler.ir import CompiledObjective, CompiledRequirement, Goal, Program
from fairspec.data.spec import (DataSpec, GroupSpec, HoldoutSpec, IntersectionSpec, ProtectedSpec, SourceSpec,
                                TargetSpec)
from fairspec.language import ast
from fairspec.language.checker import task_of
from fairspec.language.formatter import metric_ref, real
from fairspec.metrics.catalog import METRICS


def build_program(policy: ast.Policy, seed: int | None = None) -> Program:
    origin = policy.origin
    path = origin.path if origin else "<policy>"
    base_dir = Path(path).resolve().parent if origin else Path.cwd()
    task = task_of(policy)
    kinds = policy.partition_names()
    requirements = tuple(_requirement(r, kinds, task) for r in policy.requirements)
    run_seed = seed if seed is not None else (policy.seed if policy.seed is not None else
                                              (policy.holdout.seed if policy.holdout and policy.holdout.seed
                                               is not None else 0))
    return Program(
        policy=policy, name=policy.name, path=path, sha256=origin.sha256 if origin else "",
        task=task, model=_model(policy.model), seed=run_seed, data=data_spec(policy, base_dir),
        requirements=requirements, objectives=tuple(_objective(o) for o in policy.objectives),
        audit_path=None if policy.audit is None else base_dir / policy.audit,
        passes=("build",),
    )


def _requirement(req: ast.Requirement, kinds: dict[str, str], task: str) -> CompiledRequirement:
    info = METRICS[req.target.metric]
    options = {o.name: o.value for o in req.options if o.name != "weight"}
    return CompiledRequirement(
        id=req.id, title=req.title, rationale=req.because, line=req.span.line if req.span else None,
        metric=info.name, attribute=req.target.attribute or "", attribute_kind=kinds[req.target.attribute],
        reference=req.target.reference, op=req.op, bound=req.bound, mode=req.mode,
        weight=req.option("weight"), options=options,
        expression=info.expression(req.target.reference, task),  # type: ignore[arg-type]
    )


def _objective(obj: ast.Objective) -> CompiledObjective:
    goals = tuple(Goal(g.sense, g.target.metric, g.target.attribute, g.target.reference) for g in obj.goals)
    choose = None
    if obj.choose is not None:
        choose = f"{obj.choose.sense} {metric_ref(obj.choose.target)}"
        if obj.choose.where:
            choose += " where " + " and ".join(f"{metric_ref(b.target)} {b.op} {real(b.bound)}"
                                               for b in obj.choose.where)
    return CompiledObjective(name=obj.name, line=obj.span.line if obj.span else None, goals=goals,
                             method=obj.method or "epsilon_constraint", points=obj.points or 10, choose=choose)


def _model(model: ast.Model | None) -> ModelSpec:
    assert model is not None, "checked policies declare a model"
    params: dict[str, Any] = {p.name: p.value for p in model.params}
    return ModelSpec(family=model.family, params=params, estimator=model.estimator)  # type: ignore[arg-type]


def data_spec(policy: ast.Policy, base_dir: Path) -> DataSpec:
    """What the data layer must load for this policy."""
    assert policy.data is not None and policy.target is not None
    if policy.data.kind == "dataset":
        source = SourceSpec(kind="bundled", name=policy.data.name, base_dir=base_dir)
    else:
        kind = "parquet" if policy.data.name.endswith(".parquet") else "csv"
        source = SourceSpec(kind=kind, name=policy.data.name, base_dir=base_dir)
    target = policy.target
    if target.op is None:
        target_spec = TargetSpec(column=target.column)
    else:
        target_spec = TargetSpec(column=target.column, positive=tuple(target.values), negate=target.op == "!=")
    use = {u.attribute: u.value for u in policy.use_in_model}
    protected = tuple(_protected(p, use.get(p.name, False)) for p in policy.protected)
    groups = tuple(GroupSpec(name=g.name, conditions=tuple((c.attribute, tuple(str(v) for v in c.values))
                                                           for c in g.conditions)) for g in policy.groups)
    intersections = tuple(IntersectionSpec(name=i.name, attributes=i.attributes, min_support=i.min_support,
                                           small=i.small) for i in policy.intersections)  # type: ignore[arg-type]
    holdout = HoldoutSpec()
    if policy.holdout is not None:
        h = policy.holdout
        holdout = HoldoutSpec(kind=h.kind, fraction=h.fraction if h.fraction is not None else 0.3,
                              seed=h.seed if h.seed is not None else (policy.seed or 0), path=h.path)
    include = exclude = None
    if policy.features is not None:
        if policy.features.mode == "include":
            include = policy.features.columns
        else:
            exclude = policy.features.columns
    return DataSpec(source=source, target=target_spec, protected=protected, groups=groups,
                    intersections=intersections, holdout=holdout, features_include=include,
                    features_exclude=exclude or (), missing=policy.missing or "unsaid")  # type: ignore[arg-type]


def _protected(p: ast.Protected, use_in_model: bool) -> ProtectedSpec:
    value_map: tuple = ()
    merges: list = []
    bins = labels = None
    for tr in p.transforms:
        if isinstance(tr, ast.ValueMap):
            value_map = tuple((str(k), v) for k, v in tr.entries)
        elif isinstance(tr, ast.Merge):
            merges.append((tuple(str(v) for v in tr.values), tr.label))
        else:
            bins, labels = tr.edges, tr.labels
    return ProtectedSpec(name=p.name, column=p.column, value_map=value_map, merges=tuple(merges), bins=bins,
                         labels=labels, use_in_model=use_in_model)
