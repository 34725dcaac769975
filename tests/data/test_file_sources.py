"""CSV and Parquet sources and holdout files: round trips, missing values, compressed files."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from data_specs import people, people_spec, write

from fairspec.data import prepare
from fairspec.data.loading import read_file
from fairspec.data.spec import HoldoutSpec


@pytest.mark.parametrize("holdout", [HoldoutSpec("fraction", 0.25, 3), HoldoutSpec("file", path="{name}")])
def test_csv_and_parquet_give_the_same_prepared_data(tmp_path, holdout):
    results = []
    for suffix in ("csv", "parquet"):
        write(people(400, seed=1), tmp_path / f"people.{suffix}")
        write(people(100, seed=2), tmp_path / f"later.{suffix}")
        spec = people_spec(tmp_path, f"people.{suffix}",
                           holdout=dataclasses.replace(holdout, path=holdout.path and f"later.{suffix}"))
        results.append(prepare(spec))
    csv, parquet = results
    assert csv.feature_names == parquet.feature_names == (
        "age", "salary", "city=Lyon", "city=Nice", "city=Paris")
    for split in ("train", "holdout"):
        a, b = getattr(csv, split), getattr(parquet, split)
        np.testing.assert_array_equal(a.X, b.X)
        np.testing.assert_array_equal(a.y, b.y)
        for name in a.partitions:
            np.testing.assert_array_equal(a.partitions[name].codes, b.partitions[name].codes)
    assert csv.holdout.n_rows == 100     # the 100-row file, or a quarter of 400 rows


def test_holdout_file_rows_are_the_file(tmp_path):
    write(people(300, seed=1), tmp_path / "people.csv")
    later = people(80, seed=5)
    write(later, tmp_path / "later.csv")
    prepared = prepare(people_spec(tmp_path, holdout=HoldoutSpec("file", path="later.csv")))
    assert prepared.train.n_rows == 300 and prepared.fingerprint["holdout"]["kind"] == "file"
    np.testing.assert_array_equal(prepared.holdout.y, (later["approved"] == "yes").to_numpy())


def test_missing_markers_in_csv_are_dropped_with_a_note(tmp_path):
    frame = people(200, seed=4).astype({"age": "float64"})
    frame.loc[[3, 8], "city"] = "?"
    frame.loc[[5], "age"] = np.nan
    frame.loc[[9], "city"] = ""
    write(frame, tmp_path / "people.csv")
    prepared = prepare(people_spec(tmp_path))
    assert prepared.train.n_rows + prepared.holdout.n_rows == 196
    assert any("dropped 4 of 200 rows" in note and "city 3" in note and "age 1" in note
               for note in prepared.notes)


def test_gzip_csv_is_read(tmp_path):
    people(120, seed=1).to_csv(tmp_path / "people.csv.gz", index=False, compression="gzip")
    prepared = prepare(people_spec(tmp_path, "people.csv.gz"))
    assert prepared.train.n_rows + prepared.holdout.n_rows == 120


def test_unused_columns_with_missing_values_keep_their_rows(tmp_path):
    frame = people(100, seed=1)
    frame["note"] = np.where(np.arange(100) % 2 == 0, "", "x")
    write(frame, tmp_path / "people.csv")
    prepared = prepare(people_spec(tmp_path, features_exclude=("note",)))
    assert prepared.train.n_rows + prepared.holdout.n_rows == 100 and not prepared.notes


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_read_file_parses_new_rows_like_training_rows(tmp_path, suffix):
    frame = people(50, seed=1)
    frame.loc[0, "city"] = " ?"
    write(frame, tmp_path / f"new.{suffix}")
    rows = read_file(tmp_path / f"new.{suffix}")
    assert rows.shape == (50, 6)
    assert rows["city"].isna().tolist() == [True] + [False] * 49
