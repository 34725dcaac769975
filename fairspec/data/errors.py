"""Named errors of the data layer, each pointing at the policy element it concerns.

Every error carries `subject`: the column, attribute, group, intersection or policy statement
(`"holdout"`, `"data"`) it is about, so the CLI can point at that line of the policy.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from fairspec.errors import FairspecError


class DataError(FairspecError):
    """A data problem tied to one element of the policy (`subject`)."""

    def __init__(self, message: str, *, subject: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.subject = subject


class DataFileError(DataError):
    """A data file or bundled data set that cannot be found or read."""


class MissingColumnError(DataError):
    """A column named by the policy that the data does not have."""


class MissingValueError(DataError):
    """Missing values in a used column where the policy says `missing error` (or at prediction)."""


class ColumnTypeError(DataError):
    """A column that must hold numbers holds text (a regression target, a numeric model input)."""


class ProtectedValueError(DataError):
    """A protected attribute value that cannot be placed in a group."""


class UnknownAttributeError(DataError):
    """A group or intersection that names an attribute the policy does not declare."""


class OneClassTargetError(DataError):
    """A binary target whose training rows all fall in one class."""


class EmptyGroupError(DataError):
    """A declared group, merge value or bin that matches no row."""


class SmallCellError(DataError):
    """Intersection cells below `min_support` where the policy says `small error`."""


class UnseenCategoryError(DataError):
    """Categories of a model input that training never saw, so they have no one-hot column."""


def did_you_mean(wanted: str, choices: Iterable[str]) -> str | None:
    """A hint naming the closest choices to `wanted`, or None when nothing is close."""
    close = difflib.get_close_matches(wanted, [str(c) for c in choices], n=3, cutoff=0.6)
    if not close:
        return None
    return "did you mean " + " or ".join(repr(c) for c in close) + "?"


def listing(values: Iterable[object], limit: int = 8) -> str:
    """`values` as a short quoted list for a message, elided after `limit` items."""
    items = [repr(str(v)) for v in values]
    shown = ", ".join(items[:limit])
    return shown + (f", … ({len(items) - limit} more)" if len(items) > limit else "")
