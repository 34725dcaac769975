"""How raw cell values are read: missing markers, stripped text, and numbers written as labels.

Policies name values as text (`"Female"`, `">50K"`, `"A92"`, `1`); these helpers give every column a
text form so that a value in a policy and a value in a file compare equal when they read the same.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MISSING_MARKERS = ("?", "")   # besides NaN/None: how the UCI files and empty CSV cells say "unknown"


def is_numeric(series: pd.Series) -> bool:
    """True for int and float columns (booleans count as categories, not numbers)."""
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """Column names and text cells stripped; missing markers turned into NaN. Returns a new frame."""
    tidied = frame.rename(columns=lambda name: str(name).strip())
    for column in tidied.columns:
        if not is_numeric(tidied[column]) and not pd.api.types.is_bool_dtype(tidied[column]):
            text = tidied[column].astype("str").str.strip()
            tidied[column] = text.mask(text.isin(MISSING_MARKERS))
    return tidied


def as_text(series: pd.Series) -> pd.Series:
    """Each value as the text a policy would write for it; NaN stays NaN.

    Integral floats lose their `.0` (a CSV column of 1.0/2.0 reads like the labels "1", "2").
    """
    if pd.api.types.is_bool_dtype(series):
        return series.map({True: "True", False: "False"}).astype("str")
    if pd.api.types.is_integer_dtype(series):
        return series.astype("str")
    if is_numeric(series):
        values = series.to_numpy(dtype=np.float64)
        integral = np.isfinite(values) & (values == np.round(values))
        written = series.astype("str").to_numpy(dtype=object)
        written[integral] = values[integral].astype(np.int64).astype(str)
        return pd.Series(written, index=series.index, dtype="str").mask(series.isna())
    return series.astype("str").str.strip()


def number_or_none(value: object) -> float | None:
    """`value` as a float when it reads as a number (`1`, `"2.5"`), else None."""
    if isinstance(value, bool):
        return None
    try:
        return float(str(value).strip())
    except ValueError:
        return None
