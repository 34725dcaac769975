"""Fit one model under hard rate requirements: support checks, the search, reports and conflicts.

Both the linear (cvxpy) and the scikit-learn backends call `fit_rate_terms` with a factory of
cost-sensitive learners. It checks every cell has rows before solving, runs the Lagrangian search,
and either returns the chosen round with one `TermReport` per term, or, when no round meets every
bound, raises `InfeasibleError` naming a minimal conflicting subset (a deletion filter: a term is
dropped for good when the others still fail without it, so every term left is needed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from fairspec.backends.base import Conflict, FitRequest, InfeasibleError, Term, TermReport
from fairspec.backends.reductions.lagrangian import (STALL, CostSensitiveLearner, Round, Solution,
                                                     solve_rates)
from fairspec.backends.reductions.pieces import RatePiece, pieces_for
from fairspec.data.spec import Split
from fairspec.errors import FairspecError

RATE_FAMILIES = ("rate_gap", "rate_ratio")
PASSIVE_MODES = ("monitor", "objective")
# A chosen model at most this much more accurate on train than always predicting the majority
# label is reported as near-constant: the bounds hold, but by selecting almost no one (or all).
NEAR_CONSTANT = 0.005
# Rounds a warm-started search gets before the cold search takes over: started near the answer,
# it finds a feasible round in 1–3 rounds when it finds one at all.
WARM_ROUNDS = 8


@dataclass(frozen=True)
class WarmGuess:
    """Where a warm-started search begins: multipliers stacked over the pieces' cells, each
    piece's value for the unconstrained model, and the previous fit's training accuracy."""

    multipliers: np.ndarray
    unconstrained_values: tuple[float, ...]
    accuracy: float | None = None


@dataclass(frozen=True)
class RateFit:
    """The chosen round, the pieces it was measured on, and the per-term reports."""

    chosen: Round
    reports: tuple[TermReport, ...]
    log: tuple[str, ...]
    pieces: tuple[RatePiece, ...] = ()


def check_support(terms: tuple[Term, ...], train: Split) -> None:
    """Refuse, before any solve, a hard term with a cell that has too few rows to measure.

    A cell with no row meeting the rate's condition has no rate, so no bound on it can hold or
    fail; `options["min_support"]` raises the floor.
    """
    problems = []
    for term in terms:
        floor = int(term.options.get("min_support", 1))
        for piece in pieces_for(term, train):
            thin = [f"{label} ({count} rows)" for label, count
                    in zip(piece.cells.labels, piece.cells.support) if count < floor]
            if thin:
                problems.append(f"{term.id}: {piece.cells.rate} has cells below {floor} rows: "
                                + ", ".join(thin))
    if problems:
        raise FairspecError("hard requirements on cells too small to measure:\n  "
                            + "\n  ".join(problems),
                            hint="merge small cells (intersect ... min_support N) or drop the cell")


def split_terms(request: FitRequest, backend_name: str, exact_families: tuple[str, ...] = ()
                ) -> tuple[tuple[Term, ...], tuple[Term, ...], tuple[TermReport, ...]]:
    """(hard rate terms, hard terms of `exact_families`, reports for the terms left alone).

    Monitor and objective terms are reported "not_enforced"; soft and adversarial terms, and hard
    terms of a family with no lowering here, are refused.
    """
    rate, exact, passive = [], [], []
    for term in request.terms:
        if term.mode in PASSIVE_MODES:
            passive.append(TermReport(term.id, "none", "not_enforced",
                                      detail=f"mode {term.mode}: measured, not enforced"))
        elif term.mode != "hard":
            raise FairspecError(f"requirement {term.id!r} (mode {term.mode}) cannot be run by the "
                                f"{backend_name} backend", hint="soft and adversarial terms need "
                                                                "the torch backend")
        elif term.family in RATE_FAMILIES:
            rate.append(term)
        elif term.family in exact_families:
            exact.append(term)
        else:
            raise FairspecError(f"requirement {term.id!r}: no hard lowering for {term.metric}")
    return tuple(rate), tuple(exact), tuple(passive)


def fit_rate_terms(make_learner: Callable[[], CostSensitiveLearner], train: Split,
                   terms: tuple[Term, ...], *, method: str, max_rounds: int = 30,
                   warm: Callable[[tuple[RatePiece, ...]], WarmGuess | None] | None = None) -> RateFit:
    """The most accurate round meeting every term on `train`, or InfeasibleError with a conflict.

    `warm`, given the pieces, may return a `WarmGuess` to start the search from (see
    `solve_rates`); a search that finds no near round from there is rerun cold.
    """
    check_support(terms, train)
    pieces = _pieces(terms, train)
    start = None if warm is None else warm(pieces)
    solution = _solve(make_learner, train, pieces, max_rounds, start)
    if solution.best is None:
        raise _conflict(make_learner, train, terms, solution, max_rounds)
    chosen = solution.best
    selected = (chosen.margin + chosen.shift >= 0).astype(np.float64)
    reports = tuple(_report(term, pieces, chosen, solution, selected, method,
                            _against_constant(chosen.train_accuracy, _majority(train.y)))
                    for term in terms)
    return RateFit(chosen, reports, solution.log, pieces)


def _solve(make_learner: Callable[[], CostSensitiveLearner], train: Split,
           pieces: tuple[RatePiece, ...], max_rounds: int,
           start: WarmGuess | None = None) -> Solution:
    """The search with the learner's own rate Jacobian, then, if that finds nothing, without it.

    The implicit-function Jacobian captures how cells pull on each other (TPR and FPR of one
    group) but its kernel-smoothed rates are noisy on small cells; the diagonal secant model is
    cruder and steadier, so each catches cases the other misses. The diagonal search also runs
    when the Jacobian's found feasible rounds only far from their own thresholds (its multipliers
    never brought the rates close; it stops once it stalls, or after `STALL` rounds that found
    only a near-constant model), and the more accurate answer is kept; unless the Jacobian answer
    is more than NEAR_CONSTANT worse than constant, the diagonal search must beat it within
    `STALL` rounds or stop. A warm `start` (multipliers, unconstrained values) seeds a first
    search of `WARM_ROUNDS` rounds; unless it finds a round feasible near its own threshold, the
    cold search runs too (the extrapolated model's far thresholds can be much less accurate),
    and the more accurate answer is kept.
    """
    warm = None
    if start is not None:
        warm = solve_rates(make_learner(), train.y, pieces, max_rounds=min(max_rounds, WARM_ROUNDS),
                           start=start.multipliers, unconstrained_values=start.unconstrained_values,
                           reference_accuracy=start.accuracy)
        if warm.near:
            return warm
    learner = make_learner()
    has_retry = hasattr(learner, "rate_jacobian")      # the diagonal search can follow
    majority = _majority(train.y)
    constant = (majority - NEAR_CONSTANT, majority + NEAR_CONSTANT)
    solution = solve_rates(learner, train.y, pieces, max_rounds=max_rounds,
                           stall=STALL if has_retry else None,
                           collapse=constant if has_retry else None)
    if warm is not None and warm.best is not None:      # far-feasible only: keep the better
        solution = _better(warm, solution, pieces, "no near round from the warm start; cold search:")
    if solution.near or not has_retry:
        return solution
    # The diagonal search gets STALL rounds to beat the Jacobian search's answer (or a
    # near-constant model, when that answer is one): a search that cannot beat it soon has failed
    # as the first did (every search reaches the near-constant floor, an extreme threshold), and
    # on the 109 fits of the comparison set no diagonal search that took longer beat it. An answer
    # more than NEAR_CONSTANT worse than constant sets no floor: the example policy's first search
    # ends at 0.65, and the diagonal search there needs 25 rounds, in bursts after long flat spells.
    floor = None
    if solution.best is not None and solution.best.train_accuracy >= constant[0]:
        floor = max(solution.best.train_accuracy, constant[1])
    retry = solve_rates(make_learner(), train.y, pieces, max_rounds=max_rounds, use_jacobian=False,
                        stall=None if floor is None else STALL, floor=floor)
    why = "no feasible round" if solution.best is None else "feasible rounds only far from their thresholds"
    return _better(solution, retry, pieces, f"{why} with the Jacobian; diagonal model:")


def _better(first: Solution, second: Solution, pieces: tuple[RatePiece, ...], why: str) -> Solution:
    """Two searches as one: the more accurate best round, both logs, the least values of both."""
    best = max((s.best for s in (first, second) if s.best is not None),
               key=lambda r: r.train_accuracy, default=None)
    return Solution(best, first.unconstrained_values,
                    tuple(min(a, b) if p.kind == "gap" else max(a, b) for p, a, b
                          in zip(pieces, first.least_values, second.least_values)),
                    first.rounds + second.rounds, first.log + (why,) + second.log,
                    first.near or second.near)


def _majority(y: np.ndarray) -> float:
    """The training accuracy of always predicting the majority label."""
    share = float(np.mean(y))
    return max(share, 1.0 - share)


def _pieces(terms: tuple[Term, ...], train: Split) -> tuple[RatePiece, ...]:
    return tuple(piece for term in terms for piece in pieces_for(term, train))


def _report(term: Term, pieces: tuple[RatePiece, ...], chosen: Round, solution: Solution,
            selected: np.ndarray, method: str, caveat: str) -> TermReport:
    own = [i for i, p in enumerate(pieces) if p.term_id == term.id]
    price = sum(_dual(pieces[i], chosen.multipliers[i], selected) for i in own)
    value = _combine(term, [chosen.values[i] for i in own])
    unconstrained = _combine(term, [solution.unconstrained_values[i] for i in own])
    chosen_rows, rows = int(selected.sum()), len(selected)
    return TermReport(term.id, method, "enforced", multiplier=price, price=price,
                      unconstrained_value=unconstrained,
                      detail=f"train value {value:.4f} {term.op} {term.bound} after "
                             f"{solution.rounds} rounds, threshold shift {chosen.shift:+.4f}, "
                             f"{chosen_rows:,} of {rows:,} rows selected{caveat}")


def _against_constant(accuracy: float, majority: float) -> str:
    """What a report adds when the chosen model is no better than always predicting the majority
    label (training accuracy `majority`): the bounds hold, but by selecting almost no one (or
    all), or worse."""
    if accuracy < majority:
        return (f"; less accurate ({accuracy:.4f}) than always predicting the majority label "
                f"({majority:.4f}): the bounds leave this model family no useful room")
    if accuracy <= majority + NEAR_CONSTANT:
        return ("; near-constant: barely more accurate than always predicting the majority label, "
                "the bound leaves the model little room")
    return ""


def _combine(term: Term, values: list[float]) -> float:
    return max(values) if term.op == "<=" else min(values)


def _dual(piece: RatePiece, multipliers: np.ndarray, selected: np.ndarray) -> float:
    """The Lagrangian's estimate of d(training error)/d(bound) for one piece, as a positive price.

    A pairwise gap's multipliers sum to zero, and the dual of `max − min ≤ b` is the total of the
    positive ones; a ratio bound `min ≥ b · max` scales that by the largest rate.
    """
    if piece.reference == "overall":
        return float(np.abs(multipliers).sum())
    if piece.kind == "gap":
        return float(np.clip(multipliers, 0, None).sum())
    return float(np.clip(-multipliers, 0, None).sum() * np.nanmax(piece.cells.rates(selected)))


def _conflict(make_learner: Callable[[], CostSensitiveLearner], train: Split,
              terms: tuple[Term, ...], failed: Solution, max_rounds: int) -> InfeasibleError:
    """A minimal subset of `terms` that still fails, with each member's best value reached."""
    kept, kept_solution = list(terms), failed
    for term in terms:
        trial = [t for t in kept if t is not term]
        if not trial:
            continue
        solution = _solve(make_learner, train, _pieces(tuple(trial), train), max_rounds)
        if solution.best is None:
            kept, kept_solution = trial, solution
    pieces = _pieces(tuple(kept), train)
    conflicts = tuple(
        Conflict(t.id, float(t.bound),  # type: ignore[arg-type]
                 _combine(t, [v for p, v in zip(pieces, kept_solution.least_values)
                              if p.term_id == t.id]))
        for t in kept)
    names = ", ".join(f"{c.term_id} (bound {c.bound:g}, best reached {c.best_value:.4g})"
                      for c in conflicts)
    exact = [t for t in kept if t.bound == (0.0 if t.op == "<=" else 1.0)]
    if exact:
        hint = (f"{exact[0].id}: a bound of {exact[0].bound:g} asks for exactly equal rates in "
                "every group, which only a constant prediction is sure to give, and fairspec does "
                "not return one: leave a little room instead, e.g. "
                + ("<= 0.01" if exact[0].op == "<=" else ">= 0.99"))
    elif len(kept) == 1:
        hint = "loosen the bound or make the requirement soft"
    else:
        hint = "dropping any one of them makes the rest feasible; loosen a bound or make one soft"
    if len(kept) == 1:
        return InfeasibleError(f"no single model met this hard requirement on the training data: "
                               f"{names}", conflicts, hint=hint)
    return InfeasibleError(f"no single model met these hard requirements together: {names}",
                           conflicts, hint=hint)
