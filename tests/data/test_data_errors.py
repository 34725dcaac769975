"""Every named error of the data layer: raised where it should be, with its subject and a hint."""

from __future__ import annotations

import pytest
from data_specs import people, people_spec, write

from fairspec.data import prepare
from fairspec.data import errors as data_errors
from fairspec.data.spec import GroupSpec, HoldoutSpec, IntersectionSpec, ProtectedSpec, TargetSpec
from fairspec.errors import EXIT_INPUT, FairspecError


@pytest.fixture
def table(tmp_path):
    """A people.csv under tmp_path; returns the folder."""
    write(people(300, seed=1), tmp_path / "people.csv")
    return tmp_path


def raised_by(spec, error_type):
    with pytest.raises(error_type) as raised:
        prepare(spec)
    error = raised.value
    assert isinstance(error, FairspecError) and error.exit_code == EXIT_INPUT
    assert error.message in error.render()
    return error


def test_missing_column_suggests_the_real_one(table):
    error = raised_by(people_spec(table, target=TargetSpec("aproved", ("yes",))),
                      data_errors.MissingColumnError)
    assert error.subject == "aproved" and "'approved'" in error.hint


@pytest.mark.parametrize("field, value, subject", [
    ("features_exclude", ("ctiy",), "ctiy"),
    ("features_include", ("age", "salry"), "salry"),
    ("protected", (ProtectedSpec("sex", "gender"),), "gender"),
])
def test_every_named_column_is_checked(table, field, value, subject):
    error = raised_by(people_spec(table, **{field: value}), data_errors.MissingColumnError)
    assert error.subject == subject


def test_holdout_file_missing_a_column(table):
    write(people(50, seed=2).drop(columns="city"), table / "later.csv")
    error = raised_by(people_spec(table, holdout=HoldoutSpec("file", path="later.csv")),
                      data_errors.MissingColumnError)
    assert error.subject == "city" and "holdout" in error.message


def test_missing_values_are_an_error_when_the_policy_says_so(tmp_path):
    frame = people(100, seed=1)
    frame.loc[4, "city"] = "?"
    write(frame, tmp_path / "people.csv")
    error = raised_by(people_spec(tmp_path, missing="error"), data_errors.MissingValueError)
    assert error.subject == "city" and "city 1" in error.message


def test_missing_protected_value_names_the_attribute(tmp_path):
    frame = people(100, seed=1)
    frame.loc[[4, 7], "sex"] = ""
    write(frame, tmp_path / "people.csv")
    error = raised_by(people_spec(tmp_path, missing="error"), data_errors.ProtectedValueError)
    assert error.subject == "sex" and "2" in error.message


def test_a_missing_protected_value_is_an_error_unless_the_policy_says_drop(tmp_path):
    """With `missing` unsaid, a row missing a feature is dropped (with a note), but a row missing
    a protected value is refused: it belongs to no group, and dropping it unasked would change
    every group's rates unseen. `missing drop` drops it, with the note."""
    frame = people(100, seed=1)
    frame.loc[[4, 7], "sex"] = ""
    write(frame, tmp_path / "people.csv")
    error = raised_by(people_spec(tmp_path), data_errors.ProtectedValueError)
    assert error.subject == "sex" and "2 data rows" in error.message
    assert "missing drop" in error.hint
    dropped = prepare(people_spec(tmp_path, missing="drop"))
    assert dropped.train.n_rows + dropped.holdout.n_rows == 98
    assert any("dropped 2 of 100 rows" in note for note in dropped.notes)
    frame = people(100, seed=1)
    frame.loc[[4, 7], "city"] = "?"                         # a feature: dropped, unsaid or not
    write(frame, tmp_path / "people.csv")
    kept = prepare(people_spec(tmp_path))
    assert kept.train.n_rows + kept.holdout.n_rows == 98


def test_holdout_group_never_seen_in_training(table):
    later = people(50, seed=2)
    later.loc[0, "race"] = "D"
    write(later, table / "later.csv")
    error = raised_by(people_spec(table, holdout=HoldoutSpec("file", path="later.csv")),
                      data_errors.ProtectedValueError)
    assert error.subject == "race" and "'D'" in error.message


def test_bins_need_numbers(table):
    spec = people_spec(table, protected=(ProtectedSpec("city", "city", bins=(1.0,)),))
    error = raised_by(spec, data_errors.ProtectedValueError)
    assert error.subject == "city" and "'Lyon'" in error.message


def test_bins_and_labels_must_agree(table):
    age = ProtectedSpec("age", "age", bins=(30, 50), labels=("young", "old"))
    spec = people_spec(table, protected=(age,))
    assert raised_by(spec, data_errors.ProtectedValueError).subject == "age"


def test_target_with_one_class(table):
    error = raised_by(people_spec(table, target=TargetSpec("approved", ("Yes",))),
                      data_errors.OneClassTargetError)
    assert error.subject == "approved" and "'yes'" in error.hint


def test_group_label_with_no_rows_suggests_the_label(table):
    spec = people_spec(table, groups=(GroupSpec("women", (("sex", ("female",)),)),))
    error = raised_by(spec, data_errors.EmptyGroupError)
    assert error.subject == "women" and "'Female'" in error.hint


def test_group_holding_every_row(table):
    spec = people_spec(table, groups=(GroupSpec("anyone", (("sex", ("Female", "Male")),)),))
    assert "every training row" in raised_by(spec, data_errors.EmptyGroupError).message


def test_merge_with_no_rows(table):
    spec = people_spec(table, protected=(ProtectedSpec("race", "race", merges=((("X", "Y"), "XY"),)),))
    assert raised_by(spec, data_errors.EmptyGroupError).subject == "race"


def test_empty_bin(table):
    spec = people_spec(table, protected=(ProtectedSpec("age", "age", bins=(10, 90)),))
    error = raised_by(spec, data_errors.EmptyGroupError)
    assert error.subject == "age" and "'< 10'" in error.message


def test_group_on_an_undeclared_attribute(table):
    spec = people_spec(table, groups=(GroupSpec("g", (("gender", ("Female",)),)),))
    error = raised_by(spec, data_errors.UnknownAttributeError)
    assert error.subject == "g"


def test_intersection_of_an_undeclared_attribute(table):
    spec = people_spec(table, intersections=(IntersectionSpec("x", ("sex", "rase")),))
    error = raised_by(spec, data_errors.UnknownAttributeError)
    assert error.subject == "x" and "'race'" in error.hint


def test_small_cells_in_error_mode(table):
    spec = people_spec(table, intersections=(IntersectionSpec("sr", ("sex", "race"), 40, "error"),))
    assert raised_by(spec, data_errors.SmallCellError).subject == "sr"


def test_unseen_category_in_a_holdout_file(table):
    later = people(50, seed=2)
    later.loc[[0, 1], "city"] = "Brest"
    write(later, table / "later.csv")
    error = raised_by(people_spec(table, holdout=HoldoutSpec("file", path="later.csv")),
                      data_errors.UnseenCategoryError)
    assert error.subject == "city" and "'Brest'" in error.message and "2 rows" in error.message


def test_data_file_not_found_names_the_resolved_path(tmp_path):
    error = raised_by(people_spec(tmp_path, "nope.csv"), data_errors.DataFileError)
    assert error.subject == "data" and str(tmp_path.resolve()) in error.hint


def test_holdout_file_not_found(table):
    error = raised_by(people_spec(table, holdout=HoldoutSpec("file", path="later.csv")),
                      data_errors.DataFileError)
    assert error.subject == "holdout"


@pytest.mark.parametrize("name, content", [("broken.parquet", b"not parquet"),
                                           ("broken.csv.gz", b"not gzip"),
                                           ("broken.csv", b"a,b\n1,2\n\xff\xfe,3\n")])
def test_unreadable_files(tmp_path, name, content):
    (tmp_path / name).write_bytes(content)
    error = raised_by(people_spec(tmp_path, name), data_errors.DataFileError)
    assert error.subject == "data" and "cannot read" in error.message


def test_holdout_test_needs_a_bundled_source(table):
    error = raised_by(people_spec(table, holdout=HoldoutSpec("test")), data_errors.DataFileError)
    assert error.subject == "holdout"


def test_every_data_error_is_a_fairspec_error_with_a_subject():
    named = [obj for obj in vars(data_errors).values()
             if isinstance(obj, type) and issubclass(obj, data_errors.DataError)]
    assert len(named) >= 11
    for error_type in named:
        error = error_type("message", subject="column_x", hint="a hint")
        assert isinstance(error, FairspecError) and error.subject == "column_x"
        assert error.render() == "error: message\n  hint: a hint"
