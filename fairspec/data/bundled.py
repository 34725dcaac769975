"""The data sets shipped inside the package (UCI Adult, Statlog German Credit) and their parsers.

Files are read through `importlib.resources`, so they load from a wheel as well as from a checkout.
Each data set's parser also reads a user's copy of the same file (`holdout file "adult.test"`).
Sources and licences: `bundled/PROVENANCE.md`.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

import pandas as pd

from fairspec.data.errors import DataFileError, did_you_mean
from fairspec.data.text import tidy

ADULT_COLUMNS = (
    "age", "workclass", "fnlwgt", "education", "education_num", "marital_status", "occupation",
    "relationship", "race", "sex", "capital_gain", "capital_loss", "hours_per_week",
    "native_country", "income",
)
GERMAN_COLUMNS = (
    "status", "duration", "credit_history", "purpose", "credit_amount", "savings",
    "present_employment", "installment_rate", "personal_status_sex", "other_debtors",
    "present_residence_since", "property", "age", "installment_plans", "housing",
    "number_of_existing_credits", "job", "people_liable", "telephone", "foreign_worker", "credit",
)


def _parse_adult(data: bytes, compression: str | None) -> pd.DataFrame:
    """Adult: `, `-separated, no header, `?` missing; adult.test's `|…` first line and label dots go."""
    frame = pd.read_csv(
        io.BytesIO(data), compression=compression, header=None, names=list(ADULT_COLUMNS),
        sep=",", skipinitialspace=True, comment="|", na_values=["?"], keep_default_na=False,
    )
    frame = tidy(frame)
    frame["income"] = frame["income"].str.removesuffix(".")
    return frame


def _parse_german(data: bytes, compression: str | None) -> pd.DataFrame:
    """German credit: space-separated, no header, raw attribute codes (A11 …), credit 1 good / 2 bad."""
    frame = pd.read_csv(
        io.BytesIO(data), compression=compression, header=None, names=list(GERMAN_COLUMNS),
        sep=" ", keep_default_na=False,
    )
    return tidy(frame)


@dataclass(frozen=True)
class BundledDataset:
    """A shipped data set: its file per part ("train", optionally "test") and its parser."""

    name: str
    files: dict[str, str]
    parse: Callable[[bytes, str | None], pd.DataFrame]


BUNDLED = {
    "adult": BundledDataset("adult", {"train": "adult.data.gz", "test": "adult.test.gz"}, _parse_adult),
    "german": BundledDataset("german", {"train": "german.data.gz"}, _parse_german),
}


def bundled_dataset(name: str) -> BundledDataset:
    """The bundled data set called `name`; DataFileError (with a did-you-mean) when there is none."""
    if name not in BUNDLED:
        hint = did_you_mean(name, BUNDLED) or "bundled data sets: " + ", ".join(sorted(BUNDLED))
        raise DataFileError(f"no bundled data set called {name!r}", subject="data", hint=hint)
    return BUNDLED[name]


def bundled_bytes(name: str, part: str = "train") -> bytes:
    """The compressed bytes of one part of a bundled data set (what its fingerprint hashes)."""
    dataset = bundled_dataset(name)
    if part not in dataset.files:
        raise DataFileError(
            f"the bundled data set {name!r} has no {part} part", subject="holdout",
            hint="use `holdout 0.3 seed 1` (a seeded fraction) or `holdout file \"...\"`",
        )
    return resources.files("fairspec.data").joinpath("bundled", dataset.files[part]).read_bytes()


def load_bundled(name: str, part: str = "train") -> pd.DataFrame:
    """One part of a bundled data set as a frame: named columns, stripped text, NaN for missing."""
    return bundled_dataset(name).parse(bundled_bytes(name, part), "gzip")
