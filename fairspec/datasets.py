"""The bundled data sets as pandas frames: `fairspec.datasets.adult()`, `fairspec.datasets.german()`."""

from __future__ import annotations

from typing import Literal

import pandas as pd

from fairspec.data.bundled import load_bundled


def adult(part: Literal["train", "test"] = "train") -> pd.DataFrame:
    """UCI Adult (Census Income): 32,561 train or 16,281 test rows; `?` read as NaN.

    Labels are `<=50K` / `>50K` in both parts (the test file's trailing dots are removed).
    Becker & Kohavi (1996), https://doi.org/10.24432/C5XW20, CC BY 4.0.
    """
    return load_bundled("adult", part)


def german() -> pd.DataFrame:
    """Statlog German Credit: 1,000 rows, raw attribute codes (A11 …); `credit` 1 = good, 2 = bad.

    Hofmann (1994), https://doi.org/10.24432/C5NC77, CC BY 4.0.
    """
    return load_bundled("german")
