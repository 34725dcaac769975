"""Synthetic tabular data with biased groups and an intersectional effect, and a chunked Parquet writer.

Every protected attribute has groups of shrinking size (shares ∝ 2^-k, so the last group is small);
a few features are proxies shifted by the group; the label's log-odds drop with the group index
of each attribute by `bias`, and drop again for the cell where every attribute is at its last group
(the intersection is worse off than its attributes predict). Parameters depend on `seed` only and
rows on (seed, chunk), so a file of any size is written chunk by chunk in bounded memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

DEFAULT_GROUPS: Mapping[str, int] = {"sex": 2, "race": 3}


@dataclass(frozen=True)
class _Design:
    """What a seed fixes: group shares, coefficients, proxy shifts and label offsets."""

    coef: np.ndarray                       # (d,)
    shares: dict[str, np.ndarray]          # attribute -> (k,) probabilities
    shifts: dict[str, np.ndarray]          # attribute -> (k, d) feature shift per group
    offsets: dict[str, np.ndarray]         # attribute -> (k,) label log-odds offset per group
    cell_offset: float                     # extra log-odds for the all-last-groups cell
    intercept: float


def _design(n_features: int, groups: Mapping[str, int], bias: float, seed: int) -> _Design:
    rng = np.random.default_rng([seed, 0])
    coef = rng.standard_normal(n_features) / np.sqrt(n_features)
    shares, shifts, offsets = {}, {}, {}
    for index, (name, k) in enumerate(groups.items()):
        share = 0.5 ** np.arange(k)
        shares[name] = share / share.sum()
        level = np.arange(k) / max(k - 1, 1)                      # 0 for the first group, 1 for the last
        shift = np.zeros((k, n_features))
        proxies = [(2 * index + j) % n_features for j in range(2)]
        shift[:, proxies] = bias * level[:, None]
        shifts[name] = shift
        offsets[name] = -bias * level
    return _Design(coef, shares, shifts, offsets, cell_offset=-0.5 * bias, intercept=-0.8)


def _draw(design: _Design, n: int, rng: np.random.Generator) -> pd.DataFrame:
    X = rng.standard_normal((n, design.coef.shape[0]), dtype=np.float32)
    log_odds = np.full(n, design.intercept)
    in_last_cell = np.ones(n, dtype=bool)
    columns: dict[str, object] = {}
    for name, share in design.shares.items():
        codes = rng.choice(len(share), size=n, p=share).astype(np.int8)
        X += design.shifts[name][codes].astype(np.float32)
        log_odds += design.offsets[name][codes]
        in_last_cell &= codes == len(share) - 1
        labels = [f"{name}{k}" for k in range(len(share))]
        columns[name] = pd.Categorical.from_codes(codes, categories=labels)
    log_odds += X @ design.coef.astype(np.float32) + design.cell_offset * in_last_cell
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-log_odds))).astype(np.int8)
    frame = pd.DataFrame({f"x{j}": X[:, j] for j in range(X.shape[1])})
    for name, column in columns.items():
        frame[name] = column
    frame["y"] = y
    return frame


def synthetic(n: int, *, n_features: int = 10, groups: Mapping[str, int] | None = None,
              bias: float = 1.0, seed: int = 0) -> pd.DataFrame:
    """n rows: float32 features x0.., one categorical column per attribute, int8 label `y`."""
    groups = dict(DEFAULT_GROUPS if groups is None else groups)
    return _draw(_design(n_features, groups, bias, seed), n, np.random.default_rng([seed, 1, 0]))


def write_parquet(path: Path | str, n: int, *, chunk_rows: int = 250_000, n_features: int = 10,
                  groups: Mapping[str, int] | None = None, bias: float = 1.0, seed: int = 0) -> Path:
    """Write n synthetic rows to `path` in chunks (one row group each); memory ∝ chunk_rows."""
    groups = dict(DEFAULT_GROUPS if groups is None else groups)
    design = _design(n_features, groups, bias, seed)
    path = Path(path)
    writer = None
    try:
        for chunk, start in enumerate(range(0, n, chunk_rows)):
            rows = min(chunk_rows, n - start)
            table = pa.Table.from_pandas(_draw(design, rows, np.random.default_rng([seed, 1, chunk])),
                                         preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    return path
