"""Canonical JSON is one stable byte string per value, and refuses what JSON cannot spell."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, strategies as st

from fairspec.audit.canonical import canonical_json, parse_json, to_plain
from fairspec.audit.errors import NotCanonicalError

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text()
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20)


@given(json_values)
def test_parsing_and_encoding_again_gives_the_same_bytes(value):
    encoded = canonical_json(value)
    assert canonical_json(parse_json(encoded)) == encoded


@given(st.dictionaries(st.text(), st.integers(), max_size=6))
def test_key_order_does_not_change_the_bytes(mapping):
    reversed_order = dict(reversed(list(mapping.items())))
    assert canonical_json(mapping) == canonical_json(reversed_order)


def test_form_is_sorted_compact_utf8():
    assert canonical_json({"b": 1, "a": [1.5, "é", None, True]}) == \
        '{"a":[1.5,"é",null,true],"b":1}'.encode("utf-8")


def test_floats_use_the_shortest_round_trip_spelling():
    assert canonical_json([0.1 + 0.2, 1e-05, 1e22, -0.0, 2.0]) == \
        b"[0.30000000000000004,1e-05,1e+22,-0.0,2.0]"


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, {"x": [math.nan]}])
def test_non_finite_numbers_are_refused(bad):
    with pytest.raises(NotCanonicalError):
        canonical_json(bad)


def test_to_plain_maps_non_finite_to_null_and_numpy_to_python():
    plain = to_plain({"nan": np.float64("nan"), "inf": -math.inf, "arr": np.arange(3),
                      "i": np.int32(4), "b": np.bool_(True), "t": (1, 2.5), "p": Path("a/b")})
    assert plain == {"nan": None, "inf": None, "arr": [0, 1, 2], "i": 4, "b": True,
                     "t": [1, 2.5], "p": "a/b"}
    assert type(plain["i"]) is int and type(plain["b"]) is bool
    assert canonical_json(plain) == canonical_json(to_plain(plain))


@pytest.mark.parametrize("bad", [{1: "int key"}, {"x": object()}, {"x": {1, 2}}])
def test_to_plain_refuses_what_has_no_json_form(bad):
    with pytest.raises(NotCanonicalError):
        to_plain(bad)


def test_lone_surrogate_is_refused():
    with pytest.raises(NotCanonicalError):
        canonical_json("\ud800")


@pytest.mark.parametrize("text", [b"NaN", b"[Infinity]", b"\xff\xfe"])
def test_parse_json_refuses_non_json(text):
    with pytest.raises(ValueError):
        parse_json(text)
