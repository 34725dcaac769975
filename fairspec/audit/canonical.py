"""Canonical JSON: the one byte string a record hashes to, and the plain values it is made of.

Canonical form: keys sorted, no whitespace outside strings, UTF-8 (not \\u-escaped), floats in
Python's shortest round-trip spelling (`repr`), integers as digits. Parsing a canonical line and
encoding it again gives the same bytes, which is what lets `verify` recompute a hash from the file.

JSON cannot spell NaN or ±Infinity. `to_plain` maps them to null (an undefined metric, e.g. a true
positive rate in a group with no positives, is recorded as null); `canonical_json` refuses them, so
a hash is only ever taken over plain values.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from typing import Any

import numpy as np

from fairspec.audit.errors import NotCanonicalError


def to_plain(value: Any) -> Any:
    """`value` as JSON types only: dicts with str keys, lists, str, int, float, bool, None.

    Tuples and numpy arrays become lists, numpy scalars Python scalars, paths strings, and
    non-finite floats None. Anything else raises `NotCanonicalError`.
    """
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, (np.generic, np.ndarray)):
        return to_plain(value.tolist())
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, dict):
        return {_plain_key(key): to_plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(item) for item in value]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise NotCanonicalError(f"cannot record a value of type {type(value).__name__} in the audit: "
                            f"{value!r}")


def _plain_key(key: Any) -> str:
    if isinstance(key, str):
        return key
    raise NotCanonicalError(f"audit record keys must be strings, got {type(key).__name__} {key!r}")


def canonical_json(value: Any) -> bytes:
    """The canonical UTF-8 encoding of a plain JSON value (see the module docstring)."""
    try:
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                          allow_nan=False)
        return text.encode("utf-8")
    except (TypeError, ValueError) as exc:   # UnicodeEncodeError (a lone surrogate) is a ValueError
        raise NotCanonicalError(f"value has no canonical JSON form: {exc}",
                                hint="pass it through fairspec.audit.canonical.to_plain") from exc


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_json(line: bytes) -> Any:
    """Parse one JSON text strictly: UTF-8 only, NaN/Infinity refused as canonical JSON does."""
    def refuse(constant: str) -> Any:
        raise ValueError(f"{constant} is not JSON")
    return json.loads(line.decode("utf-8"), parse_constant=refuse)
