"""`fairspec compile --explain`: the Program as text a reviewer can read."""

from __future__ import annotations

from fairspec.compiler.ir import CompiledRequirement, Program
from fairspec.language.formatter import option_value
from fairspec.metrics.expressions import WorstGroup


def explain(program: Program) -> str:
    params = ", ".join(f"{k} = {v}" for k, v in program.model.params.items())
    model = program.model.family + (f' "{program.model.estimator}"' if program.model.estimator else "")
    lines = [
        f"policy {program.name}  ({program.path}, sha256 {program.sha256[:12]})",
        f"model  {model}" + (f" {{ {params} }}" if params else ""),
        f"backend {program.backend}: {program.backend_reason}",
        f"task   {program.task}, seed {program.seed}",
        f"passes {' → '.join(program.passes)}",
    ]
    from fairspec.certify.budget import delta_split, joint_confidence

    shares = {share.requirement: share for share in delta_split(program)}
    for req in program.requirements:
        lines.append("")
        lines.extend(_requirement(req))
        if req.id in shares:
            lines.append(f"  certify   {shares[req.id]}")
    if shares:
        lines.append("")
        lines.append(f"certified together with probability >= {joint_confidence(tuple(shares.values())):.4g} "
                     "(union bound)")
    for obj in program.objectives:
        lines.append("")
        lines.append(f"objective {obj.name}" + (f" (line {obj.line})" if obj.line else ""))
        for goal in obj.goals:
            lines.append(f"  {goal.sense:<9} {goal}")
        lines.append(f"  method    {obj.method}, {obj.points} points")
        if obj.choose:
            lines.append(f"  choose    {obj.choose}")
    if program.audit_path is not None:
        lines.append("")
        lines.append(f"audit  {program.audit_path}")
    return "\n".join(lines)


def _requirement(req: CompiledRequirement) -> list[str]:
    where = f" (line {req.line})" if req.line else ""
    title = f' "{req.title}"' if req.title else ""
    lines = [f"require {req.id}{title}{where}: {req.describe()}  [{req.mode}]"]
    kind = {"attribute": "groups of", "group": "members and non-members of", "intersection": "cells of"}
    if isinstance(req.expression, WorstGroup):
        comparison = "the worst group on its own"
    elif req.reference == "pairwise":
        comparison = "each pair of groups"
    else:
        comparison = "each group vs overall"
    lines.append(f"  over      {kind[req.attribute_kind]} {req.attribute}, {comparison}")
    lines.append(f"  metric    {req.expression}")
    if req.weight is not None:
        lines.append(f"  weight    {req.weight:g}")
    if req.options:
        lines.append("  options   " + ", ".join(f"{k} {option_value(v)}" for k, v in req.options.items()))
    if req.lowering is not None:
        lines.append(f"  lowering  {req.lowering.backend} · {req.lowering.method}")
        lines.append(f"            {req.lowering.description}")
    else:
        lines.append(f"  lowering  none — {req.lowering_note}")
    if req.rationale:
        lines.append(f"  because   {req.rationale}")
    return lines
