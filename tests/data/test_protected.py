"""Partitions in detail: label order, numeric policy values, merges of bins, cells training never saw."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from data_specs import people, people_spec, write

from fairspec.data import prepare
from fairspec.data.errors import SmallCellError
from fairspec.data.protected import Partitioner, attribute_labels
from fairspec.data.spec import DataSpec, GroupSpec, HoldoutSpec, IntersectionSpec, ProtectedSpec

FRAME = pd.DataFrame({"grade": [1, 2, 10, 2, 1, 10], "age": [20, 30, 40, 50, 60, 70],
                      "kind": ["b", "a", "b", "a", "b", "a"]})


def fitted(*protected: ProtectedSpec, groups=(), intersections=()) -> Partitioner:
    spec = DataSpec(source=None, target=None, protected=protected, groups=groups,  # type: ignore[arg-type]
                    intersections=intersections)
    return Partitioner.fit(spec, FRAME)


def test_numeric_labels_sort_by_value():
    parts = fitted(ProtectedSpec("grade", "grade")).partitions(FRAME)
    assert parts["grade"].labels == ("1", "2", "10")
    assert parts["grade"].codes.tolist() == [0, 1, 2, 1, 0, 2]


def test_numbers_in_the_policy_match_numeric_labels():
    grade = ProtectedSpec("grade", "grade", merges=(((1.0, "2"), "low"),))
    group = GroupSpec("top", (("grade", (10.0,)),))
    parts = fitted(grade, groups=(group,)).partitions(FRAME)
    assert parts["grade"].labels == ("10", "low")
    assert parts["top"].codes.tolist() == [1, 1, 0, 1, 1, 0]


def test_value_map_then_bins_then_merges():
    age = ProtectedSpec("age", "age", bins=(35, 55), labels=("young", "mid", "old"),
                        merges=((("mid", "old"), "35+"),))
    labels = attribute_labels(age, FRAME["age"])
    assert labels.tolist() == ["young", "young", "35+", "35+", "35+", "35+"]
    assert fitted(age).label_order["age"] == ("young", "35+")
    mapped = ProtectedSpec("kind", "kind", value_map=(("a", "alpha"),))
    assert attribute_labels(mapped, FRAME["kind"]).tolist() == ["b", "alpha"] * 3


def test_intersection_cells_follow_attribute_order():
    inter = IntersectionSpec("gk", ("kind", "grade"))
    parts = fitted(ProtectedSpec("grade", "grade"), ProtectedSpec("kind", "kind"),
                   intersections=(inter,)).partitions(FRAME)
    assert parts["gk"].labels == ("a × 2", "a × 10", "b × 1", "b × 10")


@pytest.mark.parametrize("small, expected_code", [("merge", "(small)"), ("exclude", None)])
def test_holdout_cells_unseen_in_training_are_handled_like_small_cells(tmp_path, small, expected_code):
    train = people(300, seed=1)
    train = train[~((train["sex"] == "Female") & (train["race"] == "C"))]
    later = people(60, seed=2)
    write(train, tmp_path / "people.csv")
    write(later, tmp_path / "later.csv")
    inter = IntersectionSpec("sr", ("sex", "race"), min_support=25, small=small)
    prepared = prepare(people_spec(tmp_path, intersections=(inter,),
                                   holdout=HoldoutSpec("file", path="later.csv")))
    part = prepared.holdout.partitions["sr"]
    unseen = ((later["sex"] == "Female") & (later["race"] == "C")).to_numpy()
    assert unseen.any()
    assert "Female × C" in (part.merged_cells if small == "merge" else part.excluded_cells)
    if expected_code:
        assert part.labels[-1] == "(small)" and (part.codes[unseen] == len(part.labels) - 1).all()
    else:
        assert (part.codes[unseen] == -1).all()
    assert any("Female × C" in note for note in prepared.notes)


def test_holdout_cells_unseen_in_training_with_small_error(tmp_path):
    train = people(300, seed=1)
    write(train[~((train["sex"] == "Female") & (train["race"] == "C"))], tmp_path / "people.csv")
    write(people(60, seed=2), tmp_path / "later.csv")
    spec = people_spec(tmp_path, intersections=(IntersectionSpec("sr", ("sex", "race"), 0, "error"),),
                       holdout=HoldoutSpec("file", path="later.csv"))
    with pytest.raises(SmallCellError, match="Female × C"):
        prepare(spec)


def test_partition_codes_are_int64_and_counts_cover_rows():
    parts = fitted(ProtectedSpec("kind", "kind"), ProtectedSpec("grade", "grade"),
                   intersections=(IntersectionSpec("kg", ("kind", "grade")),)).partitions(FRAME)
    for part in parts.values():
        assert part.codes.dtype == np.int64 and sum(part.counts().values()) == len(FRAME)
