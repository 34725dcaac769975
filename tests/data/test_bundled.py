"""The bundled data sets: shapes, parsing of the UCI quirks, provenance, and unknown names."""

from __future__ import annotations

import gzip
import hashlib
from importlib import resources

import pytest

from fairspec.data.bundled import ADULT_COLUMNS, GERMAN_COLUMNS, bundled_bytes
from fairspec.data.errors import DataFileError
from fairspec.data.loading import load_source, load_test_part
from fairspec.data.spec import SourceSpec
from fairspec.datasets import adult, german


def test_adult_train_and_test_parts_parse_the_uci_files():
    train, test = adult("train"), adult("test")
    assert train.shape == (32_561, 15) and test.shape == (16_281, 15)
    assert tuple(train.columns) == ADULT_COLUMNS
    assert set(train["income"]) == set(test["income"]) == {"<=50K", ">50K"}
    assert train.isna().sum()[["workclass", "occupation", "native_country"]].tolist() == [1836, 1843, 583]
    assert train.dtypes["age"].kind == "i" and train.loc[0, "workclass"] == "State-gov"


def test_adult_values_are_stripped_and_question_marks_are_missing():
    train = adult()
    text = train.select_dtypes(exclude="number")
    assert not text.isin(["?"]).any().any()
    assert not text.apply(lambda column: column.dropna().str.startswith(" ").any()).any()


def test_german_keeps_raw_codes_and_numeric_credit():
    frame = german()
    assert frame.shape == (1000, 21) and tuple(frame.columns) == GERMAN_COLUMNS
    assert frame["credit"].value_counts().to_dict() == {1: 700, 2: 300}
    assert set(frame["personal_status_sex"]) == {"A91", "A92", "A93", "A94"}


def test_bundled_files_are_package_resources_and_match_the_provenance():
    files = resources.files("fairspec.data").joinpath("bundled")
    provenance = files.joinpath("PROVENANCE.md").read_text()
    for name in ("adult.data.gz", "adult.test.gz", "german.data.gz"):
        digest = hashlib.sha256(gzip.decompress(files.joinpath(name).read_bytes())).hexdigest()
        assert digest in provenance
    assert "CC BY 4.0" in provenance and "10.24432/C5XW20" in provenance and "10.24432/C5NC77" in provenance


def test_source_fingerprint_hashes_the_compressed_bytes():
    table = load_source(SourceSpec("bundled", "adult"))
    assert table.sha256 == hashlib.sha256(bundled_bytes("adult")).hexdigest()


def test_unknown_bundled_name_suggests_the_closest():
    with pytest.raises(DataFileError, match="adutl") as raised:
        load_source(SourceSpec("bundled", "adutl"))
    assert "adult" in raised.value.hint and raised.value.subject == "data"


def test_german_has_no_test_part():
    with pytest.raises(DataFileError, match="no test part") as raised:
        load_test_part(SourceSpec("bundled", "german"))
    assert raised.value.subject == "holdout"
