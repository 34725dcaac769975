"""Reading a policy's rows: a bundled data set, or a CSV/Parquet file next to the policy.

Every table comes back tidied (see `text.tidy`) with the sha256 of the bytes it was parsed from,
which is what the run's data fingerprint records.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from fairspec.data.bundled import bundled_bytes, bundled_dataset
from fairspec.data.errors import DataFileError
from fairspec.data.spec import SourceSpec
from fairspec.data.text import MISSING_MARKERS, tidy

_COMPRESSION_BY_SUFFIX = {".gz": "gzip", ".bz2": "bz2", ".xz": "xz", ".zip": "zip", ".zst": "zstd"}


@dataclass(frozen=True)
class RawTable:
    """Rows as read, before any policy is applied."""

    frame: pd.DataFrame
    sha256: str
    origin: str                 # what was read, for notes and the fingerprint


def load_source(source: SourceSpec) -> RawTable:
    """The rows of the policy's `dataset`/`data` statement."""
    if source.kind == "bundled":
        return _bundled_table(source.name, "train")
    return _file_table(source, source.name, subject="data")


def load_holdout_file(source: SourceSpec, path: str) -> RawTable:
    """A holdout file, read in the source's format (a bundled source: that data set's file format)."""
    return _file_table(source, path, subject="holdout")


def load_test_part(source: SourceSpec) -> RawTable:
    """The data set's own test part (`holdout test`); only bundled data sets have one."""
    if source.kind != "bundled":
        raise DataFileError(
            f"`holdout test` needs a bundled data set with a test part; {source.name!r} is a file",
            subject="holdout", hint='use `holdout file "..."` or a seeded fraction `holdout 0.3 seed 1`',
        )
    return _bundled_table(source.name, "test")


def read_file(path: Path | str) -> pd.DataFrame:
    """A CSV or Parquet file (by suffix) read exactly as training data is: tidied, `?`/empty missing.

    For scoring new rows with a saved model, so they are parsed like the rows it was trained on.
    """
    path = Path(path)
    kind = "parquet" if path.suffix.lower() == ".parquet" else "csv"
    return _file_table(SourceSpec(kind, path.name, path.parent), path.name, subject="data").frame


def _bundled_table(name: str, part: str) -> RawTable:
    data = bundled_bytes(name, part)
    dataset = bundled_dataset(name)
    frame = dataset.parse(data, "gzip")
    return RawTable(frame, hashlib.sha256(data).hexdigest(), f"bundled {name} ({dataset.files[part]})")


def _file_table(source: SourceSpec, name: str, *, subject: str) -> RawTable:
    path = Path(source.base_dir) / name
    if not path.is_file():
        raise DataFileError(
            f"data file {name!r} not found", subject=subject,
            hint=f"looked for {path.resolve()}; paths are relative to the policy file's folder",
        )
    data = path.read_bytes()
    try:
        frame = _parse(source, data, path)
    except (ValueError, OSError) as exc:   # pandas/pyarrow parse errors, bad gzip, bad encoding
        raise DataFileError(
            f"cannot read {name!r} as {_format_name(source)}: {exc}", subject=subject,
            hint="check the file's format matches the policy (`data \"x.csv\"` / `data \"x.parquet\"`)",
        ) from exc
    return RawTable(frame, hashlib.sha256(data).hexdigest(), str(path))


def _parse(source: SourceSpec, data: bytes, path: Path) -> pd.DataFrame:
    compression = _COMPRESSION_BY_SUFFIX.get(path.suffix.lower())
    if source.kind == "bundled":
        return bundled_dataset(source.name).parse(data, compression)
    if source.kind == "parquet":
        return tidy(pd.read_parquet(io.BytesIO(data)))
    frame = pd.read_csv(
        io.BytesIO(data), compression=compression, skipinitialspace=True,
        keep_default_na=False, na_values=[*MISSING_MARKERS, "NaN", "nan"],
    )
    return tidy(frame)


def _format_name(source: SourceSpec) -> str:
    return f"the {source.name} data set's format" if source.kind == "bundled" else source.kind.upper()
