"""What the data layer is asked for (`DataSpec`) and what it hands back (`PreparedData`).

This is the contract between the policy (language/compiler) and the data layer: the compiler
builds a `DataSpec` from a checked policy; `fairspec.data.prepare(spec)` returns `PreparedData`.
Plain frozen dataclasses, so the data layer needs nothing from the language layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

Scalar = str | float | int | bool


@dataclass(frozen=True)
class SourceSpec:
    """Where rows come from: a bundled data set by name, or a CSV/Parquet file."""

    kind: Literal["bundled", "csv", "parquet"]
    name: str                       # bundled name ("adult", "german") or a path
    base_dir: Path = Path(".")      # file paths are relative to the policy file's folder


@dataclass(frozen=True)
class TargetSpec:
    """The target column and which values count as the positive class.

    `positive` is None for a regression target (numeric column used as is).
    With `negate`, rows whose value is *not* in `positive` are the positive class (`!=`).
    """

    column: str
    positive: tuple[Scalar, ...] | None = None
    negate: bool = False


@dataclass(frozen=True)
class ProtectedSpec:
    """A protected attribute: a column turned into groups by value maps, merges and bins."""

    name: str
    column: str
    value_map: tuple[tuple[str, str], ...] = ()           # raw value -> group label, applied first
    merges: tuple[tuple[tuple[str, ...], str], ...] = ()  # (values, merged label)
    bins: tuple[float, ...] | None = None                 # left-closed edges: x < b0, b0 <= x < b1, ...
    labels: tuple[str, ...] | None = None                 # one per bin (len(bins) + 1)
    use_in_model: bool = False


@dataclass(frozen=True)
class GroupSpec:
    """A named group: rows meeting every (attribute, allowed labels) condition. Partition: in / out."""

    name: str
    conditions: tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class IntersectionSpec:
    """Cells of the cross product of protected attributes, with a minimum support per cell.

    `small`: "merge" folds cells below `min_support` (training rows) into one "(small)" cell;
    "exclude" leaves them out of the metrics (codes -1) and reports them; "error" raises.
    """

    name: str
    attributes: tuple[str, ...]
    min_support: int = 0
    small: Literal["merge", "exclude", "error"] = "merge"


@dataclass(frozen=True)
class HoldoutSpec:
    """How the holdout split is made: a seeded stratified fraction, a file, or the data set's test part."""

    kind: Literal["fraction", "file", "test"] = "fraction"
    fraction: float = 0.3
    seed: int = 0
    path: str | None = None


@dataclass(frozen=True)
class DataSpec:
    source: SourceSpec
    target: TargetSpec
    protected: tuple[ProtectedSpec, ...] = ()
    groups: tuple[GroupSpec, ...] = ()
    intersections: tuple[IntersectionSpec, ...] = ()
    holdout: HoldoutSpec = HoldoutSpec()
    features_include: tuple[str, ...] | None = None   # None: every column not otherwise used
    features_exclude: tuple[str, ...] = ()
    # rows with a missing value in a used column: "drop" them, refuse them ("error"), or, when the
    # policy does not say, drop rows missing a feature or target value and refuse a missing
    # protected value ("unsaid"): a row of no known group would silently leave every group's rates
    missing: Literal["drop", "error", "unsaid"] = "unsaid"


@dataclass(frozen=True)
class Partition:
    """Rows of one split divided into groups (an attribute, a named group, or an intersection).

    `codes[i]` indexes `labels`; -1 marks a row left out (an excluded small cell).
    Codes are consistent across splits: the same label has the same code in train and holdout.
    """

    name: str
    labels: tuple[str, ...]
    codes: np.ndarray
    kind: Literal["attribute", "group", "intersection"] = "attribute"
    merged_cells: tuple[str, ...] = ()      # cells folded into "(small)"
    excluded_cells: tuple[str, ...] = ()    # cells left out of metrics

    def counts(self) -> dict[str, int]:
        """Rows per label (rows with code -1 not counted)."""
        valid = self.codes[self.codes >= 0]
        tally = np.bincount(valid, minlength=len(self.labels))
        return {label: int(tally[i]) for i, label in enumerate(self.labels)}


@dataclass(frozen=True)
class Split:
    """One split, ready for a backend: model inputs X, target y, and every partition."""

    name: str                               # "train" or "holdout"
    X: np.ndarray                           # float64, (n, d), preprocessed
    y: np.ndarray                           # int 0/1 for classification, float for regression
    partitions: dict[str, Partition] = field(default_factory=dict)

    @property
    def n_rows(self) -> int:
        return int(self.X.shape[0])


@dataclass(frozen=True)
class ProxyReport:
    """A model input that on its own predicts a protected attribute (e.g. relationship -> sex)."""

    feature: str
    attribute: str
    auc: float                              # how well the feature alone ranks the attribute's groups
    detail: str                             # e.g. "relationship=Husband|Wife: 99.9% of rows in one group"


@dataclass(frozen=True)
class PreparedData:
    train: Split
    holdout: Split
    preprocessor: "object"                  # fairspec.data.preprocess.Preprocessor (fit on train only)
    feature_names: tuple[str, ...]          # columns of X after one-hot encoding
    task: Literal["binary", "regression"]
    proxies: tuple[ProxyReport, ...] = ()
    fingerprint: dict = field(default_factory=dict)  # source sha256, rows, columns, group/cell counts
    notes: tuple[str, ...] = ()             # e.g. "dropped 2,399 rows with a missing value"
