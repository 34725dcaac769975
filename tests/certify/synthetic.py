"""A synthetic population with a known metric value, policies over it, and a cheap fair fit.

The population is drawn once (200,000 rows): two features, a group column `grp` (30 % in group
"1") and a label whose base rate depends on the group. Training sets are i.i.d. draws *from* this
finite population (with replacement), so a model's population value is exact: its metric on all
200,000 rows. The cheap fit is a logistic regression on the three columns whose group coefficient
is then moved, in closed form, just far enough for the requirement's gap to meet its bound on the
rows it was given — a deterministic hard fit in milliseconds, so hundreds of certified fits run in
seconds.
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression

from fairspec.backends.base import FitResult
from fairspec.backends.linear import LinearModel
from fairspec.certify.split import subset
from fairspec.compiler import compile_policy
from fairspec.compiler.ir import Program
from fairspec.data.spec import Partition, Split
from fairspec.language.load import check_text
from fairspec.metrics.expressions import Gap
from fairspec.metrics.rates import row_condition

POPULATION_ROWS = 200_000


def population_split(rows: int = POPULATION_ROWS, seed: int = 20240501) -> Split:
    rng = np.random.default_rng(seed)
    group = (rng.random(rows) < 0.3).astype(np.int64)
    features = rng.standard_normal((rows, 2))
    log_odds = 1.5 * features[:, 0] + 0.5 * features[:, 1] - 0.9 * group - 0.6
    labels = (rng.random(rows) < 1.0 / (1.0 + np.exp(-log_odds))).astype(np.int64)
    X = np.column_stack([features, group.astype(np.float64)])
    return Split("population", X, labels, {"grp": Partition("grp", ("0", "1"), group)})


def draw(population: Split, rows: int, seed: int) -> Split:
    """An i.i.d. sample of `rows` rows from the population (with replacement)."""
    picks = np.random.default_rng([seed, 7]).integers(0, population.n_rows, rows)
    return subset(population, picks, "train")


def program(requirement: str, seed: int = 3) -> Program:
    """A compiled policy over the synthetic columns with one requirement line."""
    text = ('policy synthetic "certify tests" {\n  data "population.csv"\n  target y == 1\n'
            '  protected grp = column grp\n  seed ' + str(seed) + '\n  model logistic\n'
            '  require r:\n    ' + requirement + '\n}\n')
    return compile_policy(check_text(text)[0])


def group_shift_fit(program: Program, train: Split) -> FitResult:
    """Logistic fit, then the group coefficient moved so each hard gap meets its bound on `train`.

    Supports gap requirements over the two groups of `grp` (the group is the last column of X).
    """
    model = LogisticRegression(C=1.0, solver="liblinear").fit(train.X, train.y)
    coef, intercept = model.coef_.ravel().copy(), float(model.intercept_[0])
    for req in program.requirements:
        if req.mode == "hard" and isinstance(req.expression, Gap):
            coef[-1] += _shift(req.expression, float(req.bound), train, coef, intercept)
    return FitResult(LinearModel(coef=coef, intercept=intercept), (), "group-shift")


def _shift(expr: Gap, bound: float, train: Split, coef: np.ndarray, intercept: float) -> float:
    """The smallest move of group 1's margins that brings its rate within `bound` of group 0's."""
    margin = train.X @ coef + intercept
    meets = row_condition(expr.rate, train.y, train.y)
    codes = train.partitions["grp"].codes
    base = np.mean(margin[meets & (codes == 0)] >= 0)
    ones = np.sort(margin[meets & (codes == 1)])[::-1]
    rate = np.mean(ones >= 0)
    if abs(rate - base) <= bound:
        return 0.0
    target = base - bound if rate < base else base + bound
    count = int(np.ceil(target * ones.size)) if rate < base else int(np.floor(target * ones.size))
    padded = np.concatenate([[np.inf], ones, [-np.inf]])
    upper, lower = padded[count], padded[count + 1]         # select exactly `count` rows
    threshold = 0.5 * (upper + lower) if np.isfinite(upper + lower) else (
        lower + 1.0 if np.isfinite(lower) else upper - 1.0)
    return -threshold
