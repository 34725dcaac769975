"""`--emit cvxpy`: the cvxpy program a policy's hard terms lower to, printed for reading."""

from __future__ import annotations

import numpy as np

from fairspec.backends.base import FitRequest
from fairspec.backends.convex.backend import EXACT_FAMILIES, FAMILIES, l2_strength
from fairspec.backends.reductions.enforce import split_terms
from fairspec.backends.reductions.pieces import pieces_for
from fairspec.data.spec import Split
from fairspec.errors import FairspecError


def emit_cvxpy(request: FitRequest, train: Split) -> str:
    """The program for `request` on `train`: exact terms as constraints, rate terms as the
    Lagrangian relaxation with one pair of nonnegative multiplier Parameters per cell (at 0)."""
    family = request.model.family
    if family not in FAMILIES:
        raise FairspecError(f"--emit cvxpy covers {', '.join(FAMILIES)}, not {family!r}")
    from fairspec.backends.convex.problems import lagrangian_problem

    rate, exact, _ = split_terms(request, "cvxpy", EXACT_FAMILIES)
    pieces = tuple(p for term in rate for p in pieces_for(term, train))
    program, parameters = lagrangian_problem(family, l2_strength(request, train), train, pieces,
                                             exact)
    lines = [f"# {family} on {train.n_rows} rows × {train.X.shape[1]} features, "
             f"l2 = {l2_strength(request, train):.3g}",
             f"# variables: w ({train.X.shape[1]}), b",
             f"# multiplier parameters ({len(parameters)}, per cell, not per row): "
             + ", ".join(p.name() for p in parameters)]
    lines += [f"# {t.id}: {t.metric}({t.partition}) {t.op} {t.bound} → "
              f"{len(program.constraints[t.id])} exact constraints" for t in exact]
    lines += [f"# {t.id}: {t.metric}({t.partition}) {t.op} {t.bound} → Lagrangian terms, the "
              "measured 0/1 rates are driven under the bound by the rate reduction" for t in rate]
    with np.printoptions(threshold=6, edgeitems=1, precision=3):
        lines.append(str(program.problem))
    return "\n".join(lines) + "\n"
