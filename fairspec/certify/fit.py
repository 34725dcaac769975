"""`certified_fit`: choose a candidate on the candidate rows, then certify it on the safety rows.

1. Cells that no model could certify are named before any fit (`too_small_cells`).
2. The training rows are split at random into candidate and safety parts (`safety_split`).
3. Candidates are fitted and assessed on the candidate rows alone (`candidates.candidates`): a
   ladder of hard fits at the policy's bounds and tighter ones, each with its decision threshold
   moved through its score quantiles. Each certified requirement's safety bound is predicted from
   the candidate's rates on supports scaled to the safety size, with the margin (predicted bound
   minus measured value) times an inflation; the most accurate candidate whose predictions all
   pass is taken. Seldonian candidate selection inflates its predicted bound in the same spirit
   (Thomas et al., Science 2019); here the prediction uses the exact intervals of the test itself.
   Two candidates are chosen: the first at `inflation` and at 1 − FALLBACK_SHARE of each
   requirement's δ share, and a more cautious fallback at FALLBACK_INFLATION and the remaining
   FALLBACK_SHARE of it (when none is predicted to pass there, the one with the most room).
4. The safety test bounds every certified requirement on the safety rows alone. The first
   candidate is tested at its part of δ; if every requirement passes it is returned with its
   certificate. Otherwise the fallback is tested at its part. If it fails too, `NoSolutionFound`
   (exit code 3) names each requirement the first candidate failed, its certified bound and the
   extra rows its observed rates would need. A model that failed is never returned.

The safety rows never influence the models, their thresholds or the bounds they were fitted to,
so each test's interval is valid as stated, and by the union bound over the two tests the
returned model breaks a certified bound with probability at most the δ share spent on both.
Hard requirements that are not certified hold on the candidate rows (the rows the model saw),
not on the whole training split.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

from fairspec.backends.base import FitResult, InfeasibleError
from fairspec.certify.budget import (FALLBACK_SHARE, DeltaShare, certified_requirements,
                                     check_certifiable, delta_split, joint_confidence,
                                     safety_fraction)
from fairspec.certify.candidates import (Candidate, Fit, candidates, first_passing,
                                         most_cautious)
from fairspec.certify.cells import too_small_cells
from fairspec.certify.certificate import Certificate
from fairspec.certify.errors import NoSolutionFound, Shortfall
from fairspec.certify.safety import safety_test, shortfall
from fairspec.certify.split import safety_split
from fairspec.certify.widths import RateTable, least_scale, measured_table, safety_margin
from fairspec.compiler.ir import CompiledRequirement, Program
from fairspec.data.spec import Split

# The predicted margin is multiplied by this. The candidate's own sampling error, and the optimism
# of picking the most accurate of many candidates on the same rows, add noise of about the
# margin's size. On Adult (DP on sex ≤ 0.05, safety share 0.6, 40 draws, with the fallback below
# at 2.0): 1.6 gave no solution in 0/40 draws at 5,000 rows and 1/40 at 20,000 (population
# accuracy 0.808 and 0.830, no violation); 1.5 and 1.4 used the fallback twice as often for no
# gain. benchmarks/README.md, `## confidence`, has the end-to-end numbers.
INFLATION = 1.6
# The fallback candidate is tested only when the first fails; its inflation covers the noise that
# made the first fail, so that "no solution found" stays rare.
FALLBACK_INFLATION = 2.0
BUDGET_RULE = (f"union bound: each of the m certified requirements spends δ_i / m, "
               f"{1 - FALLBACK_SHARE:.0%} on the first candidate's test and {FALLBACK_SHARE:.0%} on "
               "a fallback candidate's (run only if the first fails), so all hold together with "
               "probability ≥ 1 − Σ δ_i / m")


def certified_fit(program: Program, train_split: Split, *, fit: Fit | None = None,
                  inflation: float = INFLATION) -> tuple[FitResult, Certificate]:
    """Fit `program` so that its certified requirements hold on unseen data; see the module doc.

    `fit(program, split)` trains under the program's hard lowering (default
    `fairspec.pipeline.fit_program`). Raises `NoSolutionFound` when certification fails, and
    `FairspecError` for a requirement that cannot be certified at all. Deterministic given
    `program.seed`.
    """
    if fit is None:
        from fairspec.pipeline import fit_program as fit
    started = time.perf_counter()
    check_certifiable(program)
    shares = {share.requirement: share for share in delta_split(program)}
    if not shares:
        raise ValueError("the program has no certified requirement")
    small = too_small_cells(program, train_split)
    if small:
        raise NoSolutionFound((), small_cells=small)
    fraction = safety_fraction(program)
    candidate, safety = safety_split(train_split, fraction, program.seed)
    scale = safety.n_rows / candidate.n_rows
    first_share = {key: share.share * (1.0 - FALLBACK_SHARE) for key, share in shares.items()}
    fallback_share = {key: share.share * FALLBACK_SHARE for key, share in shares.items()}
    options, tried, first_fit = _options(program, candidate, scale, fit)
    chosen = first_passing(program, options, first_share, inflation)
    if chosen is None:
        raise NoSolutionFound(_no_candidate(program, candidate, first_fit, first_share, scale,
                                            inflation, tried))
    fallback = (first_passing(program, options, fallback_share, FALLBACK_INFLATION, skip=chosen)
                or most_cautious(program, options, fallback_share, skip=chosen))
    context = (fraction, candidate.n_rows, train_split.n_rows)
    chosen, certificate = _test_in_turn(program, (chosen, first_share), (fallback, fallback_share),
                                        safety, shares, context)
    bounds = chosen.fit_bounds
    note = (f"certified on {safety.n_rows} safety rows ({_which(certificate.candidates_tested)} "
            f"chosen from {tried} on {candidate.n_rows} rows: fitted at "
            + ", ".join(f"{k} {v:.4g}" for k, v in bounds.items())
            + f", threshold moved by {chosen.shift:+.4f} on the linear score, selection rate "
            f"{chosen.selection_rate:.4f}): " + "; ".join(str(r) for r in certificate.requirements))
    fitted = chosen.fitted
    return replace(fitted, seconds=time.perf_counter() - started, log=fitted.log + (note,)), certificate


def _test_in_turn(program: Program, first: tuple[Candidate, dict[str, float]],
                  fallback: tuple[Candidate | None, dict[str, float]], safety: Split,
                  shares: dict[str, DeltaShare], context: tuple[float, int, int]
                  ) -> tuple[Candidate, Certificate]:
    """The first candidate if it passes its safety test, else the fallback if it passes its own;
    `NoSolutionFound` (the first test's shortfalls, both certificates) when neither does."""
    try:
        return first[0], _certify(program, first[0], safety, first[1], shares, *context, tested=1)
    except NoSolutionFound as failure:
        if fallback[0] is None:
            raise
        try:
            certificate = _certify(program, fallback[0], safety, fallback[1], shares, *context,
                                   tested=2)
        except NoSolutionFound as second:
            raise NoSolutionFound(
                failure.shortfalls,
                certificate=replace(second.certificate, first_attempt=failure.certificate),
                notes=("the fallback candidate failed its safety test too: "
                       + "; ".join(str(s) for s in second.shortfalls),)) from None
        return fallback[0], replace(certificate, first_attempt=failure.certificate)


def _which(tested: int) -> str:
    return ("candidate model" if tested == 1
            else "the first candidate failed its test; fallback candidate model")


def _options(program: Program, candidate: Split, scale: float,
             fit: Fit) -> tuple[list[Candidate], int, FitResult | None]:
    """The candidates; `NoSolutionFound` naming the conflicts when no fit of the ladder is feasible."""
    try:
        return candidates(program, candidate, scale, fit)
    except InfeasibleError as error:
        shortfalls = tuple(
            Shortfall(c.term_id, _req(program.requirements, c.term_id).describe(),
                      f"fitted at {c.bound:.4f}, it conflicts with the other requirements named "
                      f"here on the candidate rows (best reached {c.best_value:.4f})")
            for c in error.conflicts)
        raise NoSolutionFound(shortfalls) from error


def _no_candidate(program: Program, candidate: Split, first_fit: FitResult | None,
                  shares: dict[str, float], scale: float, inflation: float,
                  tried: int) -> tuple[Shortfall, ...]:
    """Why no candidate was predicted to pass, with the rows the first feasible fit would need."""
    shortfalls = []
    for req in certified_requirements(program):
        expected = _fitted_table(req, first_fit, candidate).scaled(scale)
        margin = inflation * safety_margin(req.expression, str(req.op), expected, shares[req.id])
        shortfalls.append(_margin_shortfall(req, margin, expected, shares[req.id], scale, inflation,
                                            candidate.n_rows, tried))
    return tuple(shortfalls)


def _margin_shortfall(req: CompiledRequirement, margin: float, expected: RateTable, share: float,
                      scale: float, inflation: float, candidate_rows: int, tried: int) -> Shortfall:
    """No candidate was predicted to pass: how many rows would make room for the margin at the
    rates of the ladder's first feasible fit."""
    op = str(req.op)
    room = float(req.bound) if op == "<=" else 1.0 - float(req.bound)  # type: ignore[arg-type]
    needed = least_scale(lambda s: inflation * safety_margin(
        req.expression, op, expected.scaled(s), share) < room)
    training_rows = candidate_rows * (1.0 + scale)
    more = None if needed is None else max(1, math.ceil(training_rows * (needed - 1.0)))
    return Shortfall(req.id, req.describe(),
                     f"none of {tried} candidates (fits × decision thresholds, more accurate than "
                     f"the majority label) was predicted to pass the safety test; at the rates of "
                     f"the ladder's first feasible fit the predicted margin is {margin / inflation:.4f} "
                     f"(× {inflation:g} = {margin:.4f}) against the bound {req.bound:g}", None, more)


def _fitted_table(req: CompiledRequirement, fitted: FitResult, candidate: Split) -> RateTable:
    return measured_table(req.expression, candidate.y, fitted.model.predict(candidate.X),
                          candidate.partitions[req.attribute], fitted.model.predict_score(candidate.X))


def _certify(program: Program, chosen: Candidate, safety: Split, spend: dict[str, float],
             shares: dict[str, DeltaShare], fraction: float, candidate_rows: int,
             training_rows: int, tested: int) -> Certificate:
    """Test `chosen` on the safety rows, each requirement at δ `spend[id]`."""
    entries, failures = [], []
    for req in certified_requirements(program):
        entry, table = safety_test(req, spend[req.id], chosen.fitted.model, safety,
                                   chosen.fit_bounds[req.id], chosen.method(req, spend[req.id]),
                                   shares[req.id].share)
        entries.append(entry)
        if not entry.passed:
            failures.append(shortfall(entry, req, table, training_rows))
    certificate = Certificate(tuple(entries), joint_confidence(tuple(shares.values())), BUDGET_RULE,
                              fraction, candidate_rows, safety.n_rows, program.seed, tested)
    if failures:
        raise NoSolutionFound(tuple(failures), certificate=certificate)
    return certificate


def _req(requirements: tuple[CompiledRequirement, ...], requirement_id: str) -> CompiledRequirement:
    return next(req for req in requirements if req.id == requirement_id)
