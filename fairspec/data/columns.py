"""Which column plays which part: the target, the protected attributes' columns, the model inputs."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from fairspec.data.errors import MissingColumnError, MissingValueError, ProtectedValueError, did_you_mean
from fairspec.data.spec import DataSpec


@dataclass(frozen=True)
class ColumnRoles:
    """The columns a policy uses, checked against the data."""

    target: str
    protected: dict[str, str]         # attribute name -> its column
    features: tuple[str, ...]         # raw model inputs, in order

    @property
    def used(self) -> tuple[str, ...]:
        """Every column whose missing values matter (target, protected, features), without repeats."""
        return tuple(dict.fromkeys((self.target, *self.protected.values(), *self.features)))


def resolve_roles(spec: DataSpec, columns: pd.Index) -> ColumnRoles:
    """Roles of the data's columns under `spec`; MissingColumnError for a name the data lacks.

    Model inputs: `features_include`, or every column but the target and `features_exclude`;
    protected attributes' columns only where `use_in_model` says so.
    """
    available = [str(c) for c in columns]
    named = [spec.target.column, *(a.column for a in spec.protected),
             *(spec.features_include or ()), *spec.features_exclude]
    for column in named:
        require_column(column, available)
    in_model = [a.column for a in spec.protected if a.use_in_model]
    hidden = {a.column for a in spec.protected} - set(in_model)
    if spec.features_include is not None:
        candidates = list(spec.features_include)
    else:
        candidates = [c for c in available if c not in spec.features_exclude]
    features = [c for c in candidates if c not in hidden and c != spec.target.column]
    features += [c for c in in_model if c not in features]
    protected = {a.name: a.column for a in spec.protected}
    return ColumnRoles(spec.target.column, protected, tuple(dict.fromkeys(features)))


def require_column(column: str, available: list[str], where: str = "the data") -> None:
    """MissingColumnError (with the closest real column names) unless `column` is available."""
    if column not in available:
        raise MissingColumnError(
            f"{where} has no column {column!r}", subject=column,
            hint=did_you_mean(column, available) or f"columns: {', '.join(available)}",
        )


def drop_missing(frame: pd.DataFrame, roles: ColumnRoles, missing: str,
                 split: str) -> tuple[pd.DataFrame, str | None]:
    """`frame` without rows missing a used column, and a note; under `missing error`, a named
    error; with `missing` unsaid, a named error for a missing protected value only."""
    gaps = frame[list(roles.used)].isna()
    per_column = gaps.sum()
    per_column = per_column[per_column > 0]
    if per_column.empty:
        return frame, None
    if missing == "error":
        _raise_missing(roles, per_column, split)
    if missing == "unsaid":
        _raise_missing_protected(roles, per_column, split, unsaid=True)
    keep = ~gaps.any(axis=1).to_numpy()
    counted = ", ".join(f"{column} {count:,}" for column, count in per_column.items())
    note = (f"{split}: dropped {int((~keep).sum()):,} of {len(frame):,} rows with a missing value "
            f"({counted}); {int(keep.sum()):,} rows remain")
    return frame.loc[keep].reset_index(drop=True), note


def _raise_missing_protected(roles: ColumnRoles, per_column: pd.Series, split: str, *,
                             unsaid: bool = False) -> None:
    attribute_of = {column: name for name, column in roles.protected.items()}
    for column, count in per_column.items():
        if column in attribute_of:
            hint = ("say `missing drop` to leave those rows out of training and of every group's "
                    "rates, or fill the column (an \"unknown\" label makes them a group of their own)"
                    if unsaid else "say `missing drop` to leave those rows out, or fill the column")
            raise ProtectedValueError(
                f"the protected attribute {attribute_of[column]!r} has {count:,} {split} rows with "
                f"no value in column {column!r}", subject=attribute_of[column], hint=hint)


def _raise_missing(roles: ColumnRoles, per_column: pd.Series, split: str) -> None:
    _raise_missing_protected(roles, per_column, split)
    column, count = next(iter(per_column.items()))
    raise MissingValueError(
        f"column {column!r} has {count:,} missing values in the {split} rows (missing per column: "
        + ", ".join(f"{name} {n:,}" for name, n in per_column.items()) + ")", subject=column,
        hint="say `missing drop` to leave those rows out, or fill the column",
    )
