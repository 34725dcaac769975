"""Which requirements are certified, how they share the failure budget δ, and the safety share.

A `hard` requirement with `confidence c` is certified: its bound must hold on the population the
training rows were drawn from, with probability at least c over the draw of those rows. Its own
failure budget is δ = 1 − c.

Several certified requirements share the budget by the union bound, stated once here: with m
certified requirements, requirement i spends δ_i / m in its safety test. Then

    P(some certified requirement fails) ≤ Σ_i δ_i / m ≤ max_i δ_i,

so each requirement holds with at least its own confidence c_i (it spends less than δ_i), and all
of them hold together with probability at least 1 − Σ_i δ_i / m ≥ min_i c_i. With equal
confidences c this is the familiar split: each test runs at δ / m and the joint confidence is c.
Inside one requirement, `fairspec.metrics.bounds.certified_bound` splits its share again, equally
over the per-group rate intervals it needs.
"""

from __future__ import annotations

from dataclasses import dataclass

from fairspec.compiler.ir import CompiledRequirement, Program
from fairspec.errors import FairspecError

# Share of the training rows held out for the safety test when no requirement says `safety F`.
# The test's margin shrinks as 1/√(F·n) and the candidate's own sampling error as 1/√((1 − F)·n);
# 0.4 keeps most rows for the fit, which must meet a bound tightened by that margin. Seldonian's
# default is 0.6 (with Student-t bounds). Not tuned: see benchmarks/README.md, `## confidence`.
DEFAULT_SAFETY_FRACTION = 0.4
# Families whose per-row quantity is bounded, so an exact or Hoeffding interval exists.
CERTIFIABLE_FAMILIES = ("rate_gap", "rate_ratio", "group_loss")


@dataclass(frozen=True)
class DeltaShare:
    """One certified requirement's part of the failure budget."""

    requirement: str
    confidence: float      # as written in the policy
    delta: float           # 1 − confidence: the requirement's own failure budget
    share: float           # what its safety test spends: delta / (number of certified requirements)

    def __str__(self) -> str:
        return (f"confidence {self.confidence:g}: δ {self.delta:g}, safety test at δ {self.share:.4g} "
                "(union bound over the certified requirements)")


def is_certified(req: CompiledRequirement) -> bool:
    """A hard requirement with a `confidence` option."""
    return req.mode == "hard" and "confidence" in req.options


def certified_requirements(program: Program) -> tuple[CompiledRequirement, ...]:
    return tuple(req for req in program.requirements if is_certified(req))


def delta_split(program: Program) -> tuple[DeltaShare, ...]:
    """Each certified requirement's δ and the share its safety test spends (the module docstring
    states the rule); empty when nothing is certified. Policy order."""
    certified = certified_requirements(program)
    shares = []
    for req in certified:
        confidence = float(req.options["confidence"])
        delta = 1.0 - confidence
        shares.append(DeltaShare(req.id, confidence, delta, delta / len(certified)))
    return tuple(shares)


def joint_confidence(shares: tuple[DeltaShare, ...]) -> float:
    """A lower bound on the probability that every certified requirement holds at once."""
    return 1.0 - sum(share.share for share in shares)


def safety_fraction(program: Program) -> float:
    """The `safety` share the certified requirements state (they must agree), or the default."""
    stated = {float(req.options["safety"]) for req in certified_requirements(program)
              if "safety" in req.options}
    if len(stated) > 1:
        raise FairspecError(
            "certified requirements state different safety shares: "
            + ", ".join(f"{s:g}" for s in sorted(stated)),
            hint="all certified requirements share one safety test; give one `safety F`")
    fraction = stated.pop() if stated else DEFAULT_SAFETY_FRACTION
    if not 0.0 < fraction < 1.0:
        raise FairspecError(f"safety share {fraction:g} must lie strictly between 0 and 1")
    return fraction


def check_certifiable(program: Program) -> None:
    """Refuse a certified requirement whose per-row quantity has no known bound (regression)."""
    for req in certified_requirements(program):
        family = req.term().family
        if family not in CERTIFIABLE_FAMILIES or program.task != "binary":
            raise FairspecError(
                f"requirement {req.id!r}: {req.metric} on a {program.task} target cannot be certified",
                hint="certification needs a bounded per-row quantity: a 0/1 rate, or the log-loss "
                     "of a binary classifier")
