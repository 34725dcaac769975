"""Drive the measured 0/1 rates of one deterministic model inside their windows.

The reduction (Agarwal et al., 2018, "A Reductions Approach to Fair Classification") turns the
Lagrangian  error(ŷ) + Σ_c λ_c · rate_c(ŷ)  into a cost per row for predicting 1; training any
learner on the relabelled rows (label 1 where that cost is negative) weighted by |cost| minimises
a convex surrogate of it. Instead of a randomized mixture of such models, `solve_rates` searches
the multipliers λ (one per cell of each piece, never one per row) until a single model's
*measured* rates meet every bound, then keeps the most accurate such round.

Each round moves λ by a quasi-Newton step: a Jacobian of every cell's rate with respect to every
multiplier (diagonal at first, then updated by Broyden's rank-one rule from the rounds seen) is
solved for the move that brings each cell into its piece's window, placed where it moves the
fewest rows. After each fit an exact scan over every threshold of the model (its intercept) picks
the most accurate one that meets every piece. A step that raises the total violation is halved (a
backtracking line search on the multipliers), except in the diagonal retry that follows a Jacobian
search (see MAX_HALVINGS).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from fairspec.backends.reductions.pieces import RatePiece
from fairspec.backends.reductions.thresholds import CellLayout, best_threshold

# First guess of −∂rate_c/∂λ_c, as a multiple of n / n_c (a per-row cost shift of 1 in cell c
# moves its rate by about this much); Broyden updates replace it.
INITIAL_RESPONSE = 0.3
# Largest change of a cell's per-row cost shift (λ_c · n / n_c) in one round, from a cold start
# and from a warm one. A shift of 1 can flip the labels of a whole cell (the base costs are ±1);
# a warm search starts next to the answer, where the Jacobian's local model deserves less trust:
# with full steps, most warm searches' first move on Adult's sex × race frontier overshot.
MAX_COST_STEP = 1.0
WARM_COST_STEP = 0.5
# Times a step that raised the total violation is halved before it is taken anyway. A search with
# `use_jacobian=False` (the diagonal retry after a Jacobian search) never halves: its moves are
# already capped cell by cell, and a cell that answers slowly (a race cell of a few hundred rows,
# when race is not a model input) needs its cost pushed round after round while the other cells
# cross their windows back and forth, so the total violation rises often, and halving undid that
# push each time. On the example policy and its neighbours (demographic parity on sex 0.01–0.05 ×
# disparate impact on race 0.75–0.85), 3 of 12 searches that halved ended at 0.54–0.78 training
# accuracy; without halving they reach 0.815 like 8 of the others (the twelfth ends at 0.759 either
# way, in a Jacobian search that never hands over). Learners without a Jacobian (scikit-learn's)
# run one search, which still halves.
MAX_HALVINGS = 3
# Levenberg–Marquardt damping of the quasi-Newton move (share of diag(JᵀJ) added): it starts
# low, so a weakly answering direction (the FPR gap of equalized odds) still moves, is raised
# tenfold by a step that overshot and lowered threefold by one that did not, within these limits.
LM_DAMPING = (1e-3, 1.0)
# A search given `stall` stops, once it has feasible rounds but no near one, after `stall` rounds
# in which the total violation at the model's own threshold never fell below PROGRESS × its least
# value so far: its rate model is not bringing the rates in (the Jacobian's, on equalized odds over
# Adult's sex × race cells of ~10 positives), so the search with the other model can start. A
# search with no feasible round at all runs on: giving up there would declare the requirements
# infeasible.
# Given a `floor` (an accuracy) instead, a search stops after `stall` rounds unless one of its
# feasible rounds has beaten that floor (see enforce._solve: the diagonal retry must beat the
# Jacobian search's answer). Given a `collapse` band of accuracies (always predicting the
# majority label, give or take enforce.NEAR_CONSTANT), a search with no near round whose best
# feasible round lies in the band after `stall` rounds stops too: on Adult's sex × race, equalized
# odds and equal opportunity searches took 14–31 rounds in all to end at the near-constant model
# that 2 × STALL rounds now give.
STALL = 5
PROGRESS = 0.9
# A near round must beat the best near one's training accuracy by this much to restart the
# `patience` count (any more accurate feasible round is kept): tiny gains do not prolong the search.
MIN_GAIN = 5e-4
# `patience` of a warm-started search: it starts next to the answer (the previous bound's fit,
# multipliers extrapolated), so its first near round is kept. A gain below WARM_MIN_GAIN does not
# restart it, and a feasible round within WARM_MIN_GAIN of the previous fit's accuracy ends it.
WARM_PATIENCE = 1
WARM_MIN_GAIN = 2e-3
# In a warm search a feasible round also counts as near when its training accuracy is within
# this of the previous (looser) fit's: neighbouring bounds have neighbouring accuracies, while
# a far threshold of a poorly extrapolated model (near-constant, on Adult's disparate-impact
# frontier) falls well short and lets the search go on.
WARM_DROP = 0.003


class CostSensitiveLearner(Protocol):
    """A learner that fits 0/1 labels with row weights, and scores the training rows.

    `margin` returns the training rows' decision values: a row is predicted 1 where margin ≥ 0,
    and a shifted threshold predicts 1 where margin + shift ≥ 0.
    """

    def fit(self, labels: np.ndarray, weights: np.ndarray) -> Any: ...

    def margin(self, fitted: Any) -> np.ndarray: ...


@dataclass(frozen=True)
class Round:
    """One fit of the outer procedure, at the threshold shift that suited it best."""

    index: int
    fitted: Any
    margin: np.ndarray                 # the training rows' margins (before the shift)
    shift: float
    values: tuple[float, ...]          # one per piece, at `shift`
    train_accuracy: float
    feasible: bool
    multipliers: tuple[np.ndarray, ...]
    near: bool = False                 # feasible at a threshold within NEAR_SHARE of its own


@dataclass(frozen=True)
class Solution:
    """The chosen round (None when no round met every bound) and what the search saw."""

    best: Round | None
    unconstrained_values: tuple[float, ...]
    least_values: tuple[float, ...]    # per piece, its best value over the rounds
    rounds: int
    log: tuple[str, ...]
    near: bool = False                 # some round was feasible near its own threshold


def solve_rates(learner: CostSensitiveLearner, y: np.ndarray, pieces: tuple[RatePiece, ...],
                *, max_rounds: int = 30, slack: float = 0.1, patience: int = 4,
                use_jacobian: bool = True, stall: int | None = None, floor: float | None = None,
                collapse: tuple[float, float] | None = None,
                start: np.ndarray | None = None,
                unconstrained_values: tuple[float, ...] | None = None,
                reference_accuracy: float | None = None) -> Solution:
    """Search multipliers until one fitted model meets every piece on the training rows.

    Stops at the first round that is feasible at its own threshold with its active pieces within
    `slack` (a share of the room each metric has) of their bound, or `patience` rounds after the
    last near round (feasible within `NEAR_SHARE` of its own threshold) that raised the best near
    accuracy by `MIN_GAIN`, and returns the most accurate feasible round seen, at whatever
    threshold. Deterministic: the same learner, data and pieces give the same rounds.
    `use_jacobian=False` ignores a learner's `rate_jacobian` and keeps the diagonal model with
    secant updates and takes every step (no halving). With `stall`, a search whose feasible rounds
    are all far from their own thresholds stops once `stall` rounds pass without progress; with
    `stall` and `floor`, a search stops after `stall` rounds unless a feasible round is more
    accurate than `floor`; with `stall` and `collapse` (an accuracy band), after `stall` rounds
    whose best feasible round lies in the band and none near (see STALL).

    Warm start: `start` gives the first round's multipliers (stacked over the pieces' cells)
    instead of zeros, and then `unconstrained_values` must give each piece's value for the
    unconstrained model, which round 0 no longer is; the search then stops after `WARM_PATIENCE`
    rounds without gain instead of `patience`, and moves a cell's cost by at most `WARM_COST_STEP`
    a round. With `reference_accuracy` (the previous, looser fit's), a feasible round at any
    threshold within `WARM_DROP` of it also counts as near, and one within `WARM_MIN_GAIN` of it
    ends the search: a tighter bound rarely beats a looser one, so a later round could hardly gain
    `WARM_MIN_GAIN` over it.
    """
    y = np.asarray(y, dtype=np.float64)
    base_cost = 1.0 - 2.0 * y
    sizes = np.array([len(p.cells.labels) for p in pieces])
    ends = np.cumsum(sizes)
    spans = list(zip(ends - sizes, ends))              # each piece's slice of the stacked cells
    support = np.concatenate([np.maximum(p.cells.support, 1) for p in pieces]).astype(np.float64)
    cold = start is None
    multipliers = np.zeros(int(sizes.sum())) if cold else np.array(start, dtype=np.float64)
    if not cold and (unconstrained_values is None or multipliers.shape != (int(sizes.sum()),)):
        raise ValueError("a warm start needs one multiplier per cell and the unconstrained values")
    gain = MIN_GAIN if cold else WARM_MIN_GAIN
    if not cold:
        patience = min(patience, WARM_PATIENCE)
    response = INITIAL_RESPONSE * len(y) / support      # −∂rate_c/∂λ_c, the diagonal model
    best: Round | None = None
    previous: tuple[np.ndarray, np.ndarray] | None = None
    unconstrained: tuple[float, ...] = () if cold else tuple(unconstrained_values)  # type: ignore[arg-type]
    least = [np.inf if p.kind == "gap" else -np.inf for p in pieces]
    log: list[str] = []
    anchor: tuple[np.ndarray, float] | None = None     # last accepted multipliers, violation
    gained = 0                                         # the last near round that gained
    best_near = -np.inf                                # best accuracy of a near round
    halvings, damping = 0, LM_DAMPING[0]
    order: np.ndarray | None = None                    # the last round's rows by falling margin
    layout = CellLayout(pieces, y)                     # the scans' cell tables, made once
    least_violation, progressed = np.inf, 0            # own-threshold violation, when it last fell
    for index in range(max_rounds):
        per_piece = tuple(multipliers[lo:hi] for lo, hi in spans)
        cost = base_cost + sum((p.cells.row_cost(m) for p, m in zip(pieces, per_piece)),
                               np.zeros_like(y))
        fitted = learner.fit((cost < 0).astype(np.int64), np.abs(cost))
        margin = learner.margin(fitted)
        kept = best_threshold(margin, y, pieces, keep_own=index == 0 and cold, hint=order,
                              layout=layout)
        order, rates, values = kept.order, kept.own_rates, kept.own_values
        if index == 0 and cold:
            unconstrained = values
        round_ = Round(index, fitted, margin, kept.shift, kept.values, kept.accuracy, kept.feasible,
                       per_piece, kept.near)
        least = [min(a, v) if p.kind == "gap" else max(a, v)
                 for p, a, v in zip(pieces, least, round_.values)]
        log.append(f"round {index}: values {_fmt(values)} → shift {round_.shift:+.4f} "
                   f"{_fmt(round_.values)} acc {round_.train_accuracy:.4f}"
                   f"{' feasible' if round_.feasible else ''}")
        if round_.feasible and (best is None or round_.train_accuracy > best.train_accuracy):
            best = round_
        near = round_.near or (round_.feasible and reference_accuracy is not None
                               and round_.train_accuracy >= reference_accuracy - WARM_DROP)
        if near and round_.train_accuracy > best_near + gain:
            gained, best_near = index, round_.train_accuracy
        if round_.feasible and ((index == 0 and cold and round_.shift == 0.0)
                                or (round_.shift == 0.0 and _tight(pieces, round_, slack))):
            break
        if best_near > -np.inf and index - gained >= patience:
            break
        if (round_.feasible and reference_accuracy is not None
                and round_.train_accuracy >= reference_accuracy - gain):
            break           # gaining `gain` more would beat the looser fit: not worth a round
        violation = sum(map(RatePiece.violation, pieces, values))
        if violation < PROGRESS * least_violation:
            least_violation, progressed = violation, index
        if stall is not None and floor is None and best is not None and best_near == -np.inf \
                and index - progressed >= stall:
            break           # the multipliers stopped bringing the model's own rates closer
        if stall is not None and floor is not None and index + 1 >= stall \
                and (best is None or best.train_accuracy <= floor):
            break           # nothing better than the floor another search already reached
        if stall is not None and collapse is not None and index + 1 >= stall and best is not None \
                and best_near == -np.inf and collapse[0] <= best.train_accuracy <= collapse[1]:
            break           # only a near-constant model so far: the other search may do better
        if use_jacobian and anchor is not None and violation > anchor[1] \
                and halvings < MAX_HALVINGS:
            halvings += 1                         # the step overshot: retry half of it
            damping = min(10.0 * damping, LM_DAMPING[1])
            multipliers = anchor[0] + 0.5 * (multipliers - anchor[0])
            continue
        if anchor is not None and halvings == 0:
            damping = max(damping / 3.0, LM_DAMPING[0])
        halvings, anchor = 0, (multipliers.copy(), violation)
        stacked = np.concatenate(rates)
        jacobian = (learner.rate_jacobian(fitted, [p.cells for p in pieces])
                    if use_jacobian and hasattr(learner, "rate_jacobian") else None)
        if jacobian is not None and not np.isfinite(jacobian).all():
            jacobian = None     # a fit whose costs all cancelled (no row weighs anything)
        if jacobian is not None:
            response = np.maximum(-np.diag(jacobian), 1e-3 * response)
        elif previous is not None:
            response = _secant(response, support, len(y), *previous, multipliers, stacked)
        previous = (multipliers.copy(), stacked)
        targets = np.concatenate([_targets(p, r, m, d, slack) for p, r, m, d in
                                  zip(pieces, rates, per_piece,
                                      (response[lo:hi] for lo, hi in spans))])
        move = ((targets - stacked) / -response if jacobian is None
                else _damped_solve(jacobian, targets - stacked, damping))
        limit = (MAX_COST_STEP if cold else WARM_COST_STEP) * support / len(y)
        multipliers = multipliers + np.clip(move, -limit, limit)
    return Solution(best, unconstrained, tuple(least), index + 1, tuple(log), best_near > -np.inf)


def _damped_solve(jacobian: np.ndarray, wanted: np.ndarray, damping: float) -> np.ndarray:
    """The Levenberg–Marquardt move: least squares J·move ≈ wanted, damped along diag(JᵀJ).

    Rates of one group under two conditions (TPR and FPR) answer nearly alike, so J is badly
    conditioned and the undamped solve asks for huge opposite multipliers.
    """
    normal = jacobian.T @ jacobian
    damped = normal + damping * np.diag(np.diag(normal)) + 1e-12 * np.eye(len(normal))
    return np.linalg.solve(damped, jacobian.T @ wanted)


def _secant(response: np.ndarray, support: np.ndarray, n_rows: int, old_multipliers: np.ndarray,
            old_rates: np.ndarray, new_multipliers: np.ndarray, new_rates: np.ndarray) -> np.ndarray:
    """Re-estimate each cell's −∂rate/∂λ from the last move, within a factor 4 of the old one."""
    moved = new_multipliers - old_multipliers
    observed = -(new_rates - old_rates) / np.where(moved == 0, 1.0, moved)
    usable = (np.abs(moved) * n_rows / support > 1e-3) & (observed > 0)
    return np.where(usable, np.clip(observed, response / 4, response * 4), response)


def _targets(piece: RatePiece, rates: np.ndarray, multipliers: np.ndarray, response: np.ndarray,
             slack: float) -> np.ndarray:
    """The rates each cell should move to: inside the piece's window, aiming `slack`/2 within.

    With the diagonal model, `natural` are the rates all multipliers at zero would give; a cell
    keeps a multiplier only if its natural rate lies outside the window. The window is placed so
    that the multipliers sum to zero: the form of the Lagrangian's dual for a pairwise bound, and
    for a bound `vs overall` too (a multiplier ν_g on r_g − Σ_h s_h r_h puts λ_h = ν_h − s_h Σ_g ν_g
    on each rate r_h, and Σ_h λ_h = 0 because the support shares s_h sum to 1). A `vs overall`
    piece takes the loosest such pairwise window whose targets meet the bound around their own
    overall rate: centring on the current overall rate would move one side only and let the
    overall rate drift with the multipliers.
    """
    room = piece.bound if piece.kind == "gap" else 1.0 - piece.bound
    target = piece.bound - room * slack / 2 if piece.kind == "gap" else piece.bound + room * slack / 2
    natural = rates + multipliers * response
    if piece.reference == "pairwise":
        return _balanced(piece, natural, response, target)
    share = piece.cells.support / piece.cells.support.sum()
    # width `target` always meets the bound (every rate is within it of any mean of them); no
    # width past 2·target (gap) or target² (ratio) can
    tight, loose = (target, 2.0 * target) if piece.kind == "gap" else (target, target**2)
    for _ in range(30):
        mid = 0.5 * (tight + loose)
        moved = _balanced(piece, natural, response, mid)
        value = piece.value(moved, float(share @ moved))
        meets = value <= target if piece.kind == "gap" else value >= target
        tight, loose = (mid, loose) if meets else (tight, mid)
    return _balanced(piece, natural, response, tight)


def _balanced(piece: RatePiece, natural: np.ndarray, response: np.ndarray,
              width: float) -> np.ndarray:
    """`natural` clipped into the pairwise window of `width` placed where the moves it asks of
    the multipliers sum to zero.

    The sum of the moves, Σ_c (natural_c − clip(natural_c, L, H(L))) / response_c, falls as the
    window's lower edge L rises, linearly between the knots where L or the upper edge H(L) meets a
    natural rate, and at L = 0, where a ratio window [L, L / width] turns over (a natural rate is
    negative when a multiplier pushes past what the cell can give): it is measured at every knot
    at once and its root interpolated, exactly.
    """
    # the lower edges at which the upper edge meets each rate
    reach = natural - width if piece.kind == "gap" else natural * max(width, 1e-9)
    knots = np.unique(np.concatenate([natural, reach, [0.0]]))
    low, high = piece.window(knots[:, None], width)
    moves = ((natural - np.clip(natural, low, high)) / response).sum(axis=1)
    first = int(np.argmax(moves <= 0))         # the last knot, at the top rate, has moves ≤ 0
    edge = knots[first]
    if first > 0:
        left, before = knots[first - 1], moves[first - 1]
        edge = left + (edge - left) * before / (before - moves[first])
    return np.clip(natural, *piece.window(edge, width))


def _fmt(values: tuple[float, ...]) -> str:
    return "[" + ", ".join(f"{v:.4f}" for v in values) + "]"


def _tight(pieces: tuple[RatePiece, ...], round_: Round, slack: float) -> bool:
    """Every piece that is being pushed (non-zero multipliers) is within `slack` of its bound."""
    return all(not np.any(m) or p.slack(v) <= slack
               for p, v, m in zip(pieces, round_.values, round_.multipliers))
