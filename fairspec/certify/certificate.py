"""What a certified fit proves: per requirement, the bound, its δ, the method and the safety test.

A `Certificate` is plain frozen data with `to_json()` for the audit record. A requirement
"passes" when its certified bound (upper for `<=`, lower for `>=`) lies on the fair side of the
policy's bound; the statement then holds on the population with probability ≥ 1 − δ share.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from fairspec.metrics.evaluate import jsonable


@dataclass(frozen=True)
class RequirementCertificate:
    """The safety test of one certified requirement."""

    requirement: str
    metric: str                         # e.g. "demographic_parity(sex) <= 0.05"
    op: str
    bound: float                        # the policy's bound
    confidence: float                   # as written
    delta: float                        # the requirement's share of the failure budget (all its tests)
    method: str                         # e.g. "clopper_pearson" or "hoeffding, range 34.54"
    candidate_bound: float              # the tightened bound the candidate was fitted to
    safety_rows: dict[str, int]         # safety rows per group of the partition
    safety_value: float                 # the metric measured on the safety rows
    certified_bound: float              # upper bound (op <=) or lower bound (op >=) on the population
    passed: bool
    intervals: tuple[dict[str, Any], ...] = ()   # per leaf and group: [lower, upper], support
    test_delta: float = 0.0             # what this test spent of `delta` (first or fallback part)

    def __str__(self) -> str:
        side = "≤" if self.op == "<=" else "≥"
        verdict = "certified" if self.passed else "NOT certified"
        return (f"{self.requirement}: {self.metric} — population value {side} "
                f"{self.certified_bound:.4f} with confidence {1 - self.delta:.4g} "
                f"({self.method} at δ {self.test_delta:.4g}, {sum(self.safety_rows.values())} "
                f"safety rows): {verdict}")


@dataclass(frozen=True)
class Certificate:
    """Every certified requirement's test, and how they share the failure budget."""

    requirements: tuple[RequirementCertificate, ...]
    joint_confidence: float             # all pass together with at least this probability
    budget_rule: str
    safety_fraction: float
    candidate_rows: int
    safety_rows: int
    seed: int
    candidates_tested: int = 1          # 2: the first candidate failed and the fallback was tested
    first_attempt: "Certificate | None" = None   # the first candidate's failed test, when 2

    @property
    def passed(self) -> bool:
        return all(req.passed for req in self.requirements)

    def failing(self) -> tuple[RequirementCertificate, ...]:
        return tuple(req for req in self.requirements if not req.passed)

    def to_json(self) -> dict[str, Any]:
        record = jsonable(asdict(self))
        record["passed"] = self.passed
        if self.first_attempt is not None:
            record["first_attempt"] = self.first_attempt.to_json()
        return record
