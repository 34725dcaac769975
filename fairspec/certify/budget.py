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
Each share is spent on at most two safety tests: FALLBACK_SHARE of it on a cautious fallback
candidate, tested only when the first candidate fails, and the rest on the first candidate's test;
the union bound covers both. Inside one test, `fairspec.metrics.bounds.certified_bound` splits
its part again over the intervals or difference tests it needs.
"""

from __future__ import annotations

from dataclasses import dataclass

from fairspec.compiler.ir import CompiledRequirement, Program
from fairspec.errors import FairspecError

# Share of the training rows held out for the safety test when no requirement says `safety F`.
# The test's margin shrinks as 1/√(F·n) and the candidate's own sampling error grows as
# 1/√((1 − F)·n). On Adult (DP on sex ≤ 0.05, 20 draws) 0.6 rather than 0.4 raised the population
# accuracy at 5,000 rows from 0.781 to 0.790 and left it at 0.827 at 20,000 (both with interval
# arithmetic); 0.6 is also Seldonian's default, so the two compare at the same split.
DEFAULT_SAFETY_FRACTION = 0.6
# The part of each requirement's δ share kept for the fallback candidate's test. A small part
# suffices: the fallback is chosen with a wide predicted margin, and the first test loses only
# about 3 % of its width by giving it up.
FALLBACK_SHARE = 0.1
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
        return (f"confidence {self.confidence:g}: δ {self.delta:g}, safety tests at δ {self.share:.4g} "
                f"(union bound over the certified requirements; {1 - FALLBACK_SHARE:.0%} first "
                f"candidate, {FALLBACK_SHARE:.0%} fallback)")


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
