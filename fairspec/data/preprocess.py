"""Model inputs from raw columns: one-hot categories and standardised numbers, fitted on training rows.

A `Preprocessor` is plain data (column kinds, means, scales, categories) and serialises to JSON, so a
saved model reloads without pickle and transforms new rows exactly as it transformed training rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from fairspec.data.errors import (
    ColumnTypeError, DataFileError, MissingColumnError, MissingValueError, UnseenCategoryError,
    did_you_mean, listing,
)
from fairspec.data.text import as_text, is_numeric

JSON_FORMAT = "fairspec.preprocessor"
JSON_VERSION = 1


@dataclass(frozen=True)
class NumericInput:
    """A numeric column, standardised: (x - mean) / scale; scale is 1 for a constant column."""

    column: str
    mean: float
    scale: float

    @property
    def feature_names(self) -> tuple[str, ...]:
        return (self.column,)

    def encode(self, values: pd.Series) -> np.ndarray:
        numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
        not_numbers = np.isnan(numbers) & values.notna().to_numpy()
        if not_numbers.any():
            raise ColumnTypeError(
                f"the model input {self.column!r} must hold numbers, got "
                f"{listing(values[not_numbers].unique())}",
                subject=self.column,
            )
        return ((numbers - self.mean) / self.scale)[:, None]


@dataclass(frozen=True)
class CategoricalInput:
    """A text column, one-hot encoded over the categories seen in training (sorted)."""

    column: str
    categories: tuple[str, ...]

    @property
    def feature_names(self) -> tuple[str, ...]:
        return tuple(f"{self.column}={category}" for category in self.categories)

    def encode(self, values: pd.Series) -> np.ndarray:
        codes = pd.Index(self.categories).get_indexer(as_text(values))
        unseen = (codes < 0) & values.notna().to_numpy()
        if unseen.any():
            new = sorted(set(as_text(values)[unseen]))
            raise UnseenCategoryError(
                f"the model input {self.column!r} has categories that training never saw: "
                f"{listing(new)} ({int(unseen.sum()):,} rows)",
                subject=self.column,
                hint=f"training saw {listing(self.categories)}; exclude the column "
                     f"(`features exclude [{self.column}]`) or map those rows to a known category",
            )
        one_hot = np.zeros((len(codes), len(self.categories)), dtype=np.float64)
        one_hot[np.arange(len(codes)), codes] = 1.0
        return one_hot


ColumnInput = NumericInput | CategoricalInput


class Preprocessor:
    """Maps a frame's model-input columns to the float matrix X that a backend trains on."""

    def __init__(self, inputs: tuple[ColumnInput, ...]) -> None:
        self.inputs = inputs

    @classmethod
    def fit(cls, frame: pd.DataFrame, columns: tuple[str, ...]) -> Preprocessor:
        """Fit on training rows: numeric columns get mean/scale, others their sorted categories."""
        return cls(tuple(_fit_column(name, frame[name]) for name in columns))

    @property
    def columns(self) -> tuple[str, ...]:
        """The raw columns read, in order."""
        return tuple(step.column for step in self.inputs)

    @property
    def feature_names(self) -> tuple[str, ...]:
        """The columns of X: `age`, `sex=Female`, …"""
        return tuple(name for step in self.inputs for name in step.feature_names)

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        """X (float64, rows × features) for `frame`.

        Raises MissingColumnError, MissingValueError, ColumnTypeError or UnseenCategoryError.
        """
        missing_columns = [name for name in self.columns if name not in frame.columns]
        if missing_columns:
            raise MissingColumnError(
                f"the data has no column {missing_columns[0]!r}, a model input",
                subject=missing_columns[0], hint=did_you_mean(missing_columns[0], frame.columns),
            )
        blocks = []
        for step in self.inputs:
            values = frame[step.column]
            if values.isna().any():
                raise MissingValueError(
                    f"the model input {step.column!r} has {int(values.isna().sum()):,} missing values",
                    subject=step.column, hint="drop or fill those rows before predicting",
                )
            blocks.append(step.encode(values))
        if not blocks:
            return np.zeros((len(frame), 0), dtype=np.float64)
        return np.hstack(blocks)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data that `from_json` turns back into an equal Preprocessor."""
        return {"format": JSON_FORMAT, "version": JSON_VERSION,
                "inputs": [_input_to_json(step) for step in self.inputs]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Preprocessor:
        if not isinstance(data, dict) or data.get("format") != JSON_FORMAT:
            raise DataFileError("not a saved fairspec preprocessor", subject="model")
        if data.get("version") != JSON_VERSION:
            raise DataFileError(f"unsupported preprocessor version {data.get('version')!r}",
                                subject="model", hint=f"this fairspec reads version {JSON_VERSION}")
        return cls(tuple(_input_from_json(item) for item in data["inputs"]))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Preprocessor) and self.inputs == other.inputs

    def __repr__(self) -> str:
        return f"Preprocessor({len(self.inputs)} columns -> {len(self.feature_names)} features)"


def _fit_column(name: str, values: pd.Series) -> ColumnInput:
    if is_numeric(values):
        numbers = values.to_numpy(dtype=np.float64)
        spread = float(numbers.std()) if numbers.size else 0.0
        scale = spread if np.isfinite(spread) and spread > 0 else 1.0
        return NumericInput(name, float(numbers.mean()) if numbers.size else 0.0, scale)
    return CategoricalInput(name, tuple(sorted(as_text(values).unique())))


def _input_to_json(step: ColumnInput) -> dict[str, Any]:
    if isinstance(step, NumericInput):
        return {"column": step.column, "kind": "numeric", "mean": step.mean, "scale": step.scale}
    return {"column": step.column, "kind": "categorical", "categories": list(step.categories)}


def _input_from_json(item: dict[str, Any]) -> ColumnInput:
    if item.get("kind") == "numeric":
        return NumericInput(str(item["column"]), float(item["mean"]), float(item["scale"]))
    if item.get("kind") == "categorical":
        return CategoricalInput(str(item["column"]), tuple(str(c) for c in item["categories"]))
    raise DataFileError(f"unknown preprocessor input kind {item.get('kind')!r}", subject="model")
