"""`prepare(spec)`: from a `DataSpec` to the train and holdout splits a backend trains and is measured on.

Order of work: read the rows, check the columns, drop (or refuse) rows with missing values, split,
then fit everything that learns from data (group codes, small cells, one-hot categories, scaling)
on the training rows only and apply it unchanged to the holdout.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from fairspec.data.columns import ColumnRoles, drop_missing, require_column, resolve_roles
from fairspec.data.errors import DataFileError
from fairspec.data.holdout import keep_values_in_train, quantile_bins, strata_codes, stratified_split
from fairspec.data.loading import RawTable, load_holdout_file, load_source, load_test_part
from fairspec.data.preprocess import Preprocessor
from fairspec.data.protected import Partitioner, attribute_labels
from fairspec.data.proxies import DEFAULT_THRESHOLD, find_proxies
from fairspec.data.spec import DataSpec, Partition, PreparedData, Split
from fairspec.data.target import check_two_classes, encode_target, task_of
from fairspec.data.text import as_text, is_numeric


@dataclass(frozen=True)
class _Rows:
    """Training and holdout rows after missing-value handling, and how they were obtained."""

    train: pd.DataFrame
    holdout: pd.DataFrame
    holdout_origin: dict
    notes: tuple[str, ...]


def prepare(spec: DataSpec, *, proxy_threshold: float = DEFAULT_THRESHOLD) -> PreparedData:
    """Load, split, encode and partition the data that `spec` describes.

    Raises the named errors of `fairspec.data.errors`. Deterministic: the same spec (and files)
    gives the same arrays, partitions and fingerprint.
    """
    source = load_source(spec.source)
    roles = resolve_roles(spec, source.frame.columns)
    rows = _split_rows(spec, roles, source)
    y_train = encode_target(spec.target, rows.train[roles.target])
    if task_of(spec.target) == "binary":
        check_two_classes(spec.target, y_train, rows.train[roles.target])
    partitioner = Partitioner.fit(spec, rows.train)
    preprocessor = Preprocessor.fit(rows.train, roles.features)
    train = _make_split("train", rows.train, y_train, preprocessor, partitioner)
    holdout = _make_split("holdout", rows.holdout, encode_target(spec.target, rows.holdout[roles.target]),
                          preprocessor, partitioner)
    attributes = {name: train.partitions[name] for name in roles.protected}
    proxies = find_proxies(rows.train, roles.features, attributes, roles.protected, proxy_threshold)
    return PreparedData(
        train=train, holdout=holdout, preprocessor=preprocessor,
        feature_names=preprocessor.feature_names, task=task_of(spec.target), proxies=proxies,
        fingerprint=_fingerprint(source, rows, roles, train, holdout),
        notes=rows.notes + _cell_notes(spec, train, holdout),
    )


def _make_split(name: str, frame: pd.DataFrame, y: np.ndarray, preprocessor: Preprocessor,
                partitioner: Partitioner) -> Split:
    return Split(name, preprocessor.transform(frame), y, partitioner.partitions(frame))


def _split_rows(spec: DataSpec, roles: ColumnRoles, source: RawTable) -> _Rows:
    holdout = spec.holdout
    if holdout.kind == "fraction":
        return _fraction_rows(spec, roles, source)
    if holdout.kind == "file":
        if not holdout.path:
            raise DataFileError("`holdout file` needs a path", subject="holdout")
        table = load_holdout_file(spec.source, holdout.path)
    else:
        table = load_test_part(spec.source)
    for column in roles.used:
        require_column(column, [str(c) for c in table.frame.columns], where="the holdout data")
    train, train_note = drop_missing(source.frame, roles, spec.missing, "train")
    test, test_note = drop_missing(table.frame, roles, spec.missing, "holdout")
    origin = {"kind": holdout.kind, "origin": table.origin, "sha256": table.sha256}
    return _Rows(train, test, origin, tuple(n for n in (train_note, test_note) if n))


def _fraction_rows(spec: DataSpec, roles: ColumnRoles, source: RawTable) -> _Rows:
    """A seeded split stratified by the target and the first protected attribute's groups."""
    frame, note = drop_missing(source.frame, roles, spec.missing, "data")
    labels = {a.name: attribute_labels(a, frame[a.column]).to_numpy(dtype=object) for a in spec.protected}
    target = frame[roles.target]
    if task_of(spec.target) == "binary":
        target_key = encode_target(spec.target, target)
    else:
        target_key = quantile_bins(encode_target(spec.target, target))
    first = [labels[spec.protected[0].name]] if spec.protected else []
    strata = strata_codes(target_key, *first)
    train_idx, holdout_idx = stratified_split(strata, spec.holdout.fraction, spec.holdout.seed)
    categories = {c: as_text(frame[c]).to_numpy(dtype=object)
                  for c in roles.features if not is_numeric(frame[c])}
    train_idx, holdout_idx, moved = keep_values_in_train({**categories, **labels}, train_idx, holdout_idx)
    notes = [note] if note else []
    if moved:
        notes.append(f"moved {len(moved)} holdout row(s) to train so that training sees every "
                     f"category and group: {', '.join(moved)}")
    origin = {"kind": "fraction", "fraction": spec.holdout.fraction, "seed": spec.holdout.seed}
    return _Rows(frame.iloc[train_idx].reset_index(drop=True),
                 frame.iloc[holdout_idx].reset_index(drop=True), origin, tuple(notes))


def _cell_notes(spec: DataSpec, train: Split, holdout: Split) -> tuple[str, ...]:
    """What happened to small intersection cells (and holdout cells training never saw)."""
    notes = []
    for inter in spec.intersections:
        fitted: Partition = train.partitions[inter.name]
        tested: Partition = holdout.partitions[inter.name]
        if fitted.merged_cells:
            notes.append(f"{inter.name}: cells below min_support {inter.min_support} merged into "
                         f"'(small)': {', '.join(fitted.merged_cells)}")
        if fitted.excluded_cells:
            notes.append(f"{inter.name}: cells below min_support {inter.min_support} left out of "
                         f"the metrics: {', '.join(fitted.excluded_cells)}")
        unseen = [c for c in tested.merged_cells + tested.excluded_cells
                  if c not in fitted.merged_cells + fitted.excluded_cells]
        if unseen:
            where = "merged into '(small)'" if fitted.merged_cells else "left out of the metrics"
            notes.append(f"{inter.name}: holdout cells with no training rows {where}: {', '.join(unseen)}")
    return tuple(notes)


def _fingerprint(source: RawTable, rows: _Rows, roles: ColumnRoles, train: Split,
                 holdout: Split) -> dict:
    """What identifies the data a model was trained on: bytes, rows, columns and group sizes."""
    return {
        "source": {"origin": source.origin, "sha256": source.sha256},
        "holdout": rows.holdout_origin,
        "rows": {"train": train.n_rows, "holdout": holdout.n_rows},
        "columns": [str(c) for c in source.frame.columns],
        "features": list(roles.features),
        "partitions": {
            name: {"train": train.partitions[name].counts(), "holdout": holdout.partitions[name].counts()}
            for name in train.partitions
        },
    }
