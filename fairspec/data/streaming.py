"""Read a large Parquet file in record batches and turn each into arrays a trainer can use.

Peak memory is one record batch (plus what the trainer keeps), never the file: pyarrow reads row
groups lazily and each batch is converted, transformed and dropped before the next. The
transform is any fitted function from a pandas frame to an `ArrayBatch`; `TableTransform` is a
simple one (standardised numeric features, a 0/1 target, group codes) fitted on a sample.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Mapping

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from fairspec.errors import FairspecError


@dataclass(frozen=True)
class ArrayBatch:
    """Rows ready for training: float32 inputs, 0/1 labels, and group codes (-1: unknown group)."""

    X: np.ndarray
    y: np.ndarray
    codes: dict[str, np.ndarray]


@dataclass(frozen=True)
class TableTransform:
    """Standardise `features`, read `target == positive` as 1, code each group column by `labels`."""

    features: tuple[str, ...]
    means: np.ndarray
    scales: np.ndarray
    target: str
    positive: object
    groups: Mapping[str, tuple[str, tuple[str, ...]]]    # partition -> (column, labels)

    @classmethod
    def fit(cls, sample: pd.DataFrame, features: tuple[str, ...], target: str, positive: object,
            groups: Mapping[str, str]) -> "TableTransform":
        """Fit means, scales and group labels on `sample` (e.g. the first record batch)."""
        values = sample[list(features)].to_numpy(dtype=np.float64)
        scales = values.std(axis=0)
        coded = {name: (column, tuple(sorted(map(str, sample[column].dropna().unique()))))
                 for name, column in groups.items()}
        return cls(tuple(features), values.mean(axis=0), np.where(scales > 0, scales, 1.0),
                   target, positive, coded)

    @property
    def columns(self) -> list[str]:
        return list(dict.fromkeys([*self.features, self.target,
                                   *(column for column, _ in self.groups.values())]))

    @property
    def partition_labels(self) -> dict[str, tuple[str, ...]]:
        return {name: labels for name, (_, labels) in self.groups.items()}

    def __call__(self, frame: pd.DataFrame) -> ArrayBatch:
        X = ((frame[list(self.features)].to_numpy(dtype=np.float64) - self.means) / self.scales)
        y = (frame[self.target].to_numpy() == self.positive).astype(np.int8)
        codes = {}
        for name, (column, labels) in self.groups.items():
            lookup = pd.Index(labels)
            codes[name] = lookup.get_indexer(frame[column].astype(str)).astype(np.int64)
        return ArrayBatch(X.astype(np.float32), y, codes)


def read_sample(path: Path | str, rows: int = 65_536, columns: list[str] | None = None) -> pd.DataFrame:
    """The first `rows` rows of a Parquet file (for fitting a transform), read without the rest."""
    batches = pq.ParquetFile(path).iter_batches(batch_size=rows, columns=columns)
    try:
        return next(batches).to_pandas()
    except StopIteration:
        raise FairspecError(f"{path} holds no rows") from None


def iter_batches(path: Path | str, transform: Callable[[pd.DataFrame], ArrayBatch], *,
                 batch_rows: int = 65_536, columns: list[str] | None = None) -> Iterator[ArrayBatch]:
    """Transformed record batches of `path`, in file order, `batch_rows` rows at a time."""
    parquet = pq.ParquetFile(path)
    for record_batch in parquet.iter_batches(batch_size=batch_rows, columns=columns):
        yield transform(record_batch.to_pandas())
