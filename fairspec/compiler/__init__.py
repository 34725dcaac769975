"""The compiler: checked policy → `Program` (IR) through a chain of small passes."""

from __future__ import annotations

from dataclasses import replace

import fairspec.backends  # noqa: F401  (registers every installed backend and its lowerings)
from fairspec.compiler.build import build_program
from fairspec.compiler.explain import explain
from fairspec.compiler.ir import CompiledRequirement, Program
from fairspec.compiler.passes import PIPELINE
from fairspec.language.ast import Policy
from fairspec.language.diagnostics import PolicyError


def compile_policy(policy: Policy, *, seed: int | None = None) -> Program:
    """Lower a checked policy to a Program; raise `PolicyError` for what no backend can run."""
    program = build_program(policy, seed=seed)
    problems = []
    for step in PIPELINE:
        program, found = step.apply(program)
        program = replace(program, passes=program.passes + (step.name,))
        problems.extend(found)
    if any(d.severity == "error" for d in problems):
        origin = policy.origin
        raise PolicyError(problems, origin.text if origin else "", origin.path if origin else "<policy>")
    return program


__all__ = ["compile_policy", "explain", "Program", "CompiledRequirement"]
