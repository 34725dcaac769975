"""The target column turned into y: 0/1 for a binary target, float for a regression target."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from fairspec.data.errors import ColumnTypeError, OneClassTargetError, listing
from fairspec.data.spec import TargetSpec
from fairspec.data.text import as_text, is_numeric, number_or_none

Task = Literal["binary", "regression"]


def task_of(target: TargetSpec) -> Task:
    """A target with positive values is binary; one without is a regression target."""
    return "regression" if target.positive is None else "binary"


def encode_target(target: TargetSpec, column: pd.Series) -> np.ndarray:
    """y for one split: int64 0/1 (1 = positive, or not positive under `negate`), or float64.

    Values compare as stripped text, and also as numbers when the column is numeric, so that
    `credit == 1` matches a numeric 1 and `income == ">50K"` matches the text.
    """
    if target.positive is None:
        if not is_numeric(column):
            raise ColumnTypeError(
                f"the regression target {target.column!r} holds text, not numbers",
                subject=target.column,
                hint=f"values such as {listing(column.unique()[:5])}; "
                     "compare it with `==`/`in` to make a binary target",
            )
        return column.to_numpy(dtype=np.float64)
    positive = _matches(column, target.positive)
    return (positive != target.negate).astype(np.int64)


def check_two_classes(target: TargetSpec, y_train: np.ndarray, column: pd.Series) -> None:
    """OneClassTargetError when the training rows of a binary target all land in one class."""
    if y_train.size and 0 < y_train.sum() < y_train.size:
        return
    which = "every" if y_train.size and y_train[0] == 1 else "no"
    wanted = ", ".join(repr(str(v)) for v in target.positive or ())
    op = "!=" if target.negate else "=="
    counts = as_text(column).value_counts()
    raise OneClassTargetError(
        f"the target `{target.column} {op} {wanted}` matches {which} training row: one class only",
        subject=target.column,
        hint=f"values of {target.column!r}: {listing(counts.index)}",
    )


def _matches(column: pd.Series, positive: tuple) -> np.ndarray:
    wanted_text = {str(value).strip() for value in positive}
    matches = as_text(column).isin(wanted_text).to_numpy(dtype=bool, copy=True)
    if is_numeric(column):
        wanted_numbers = [n for n in map(number_or_none, positive) if n is not None]
        matches |= column.isin(wanted_numbers).to_numpy(dtype=bool)
    return matches
