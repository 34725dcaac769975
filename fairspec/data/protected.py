"""Protected attributes, named groups and intersections turned into `Partition`s of a split.

Labels come from each row alone (value map, then bins, then merges); which labels exist, their
order and codes, and which intersection cells are too small are fixed on the training rows by
`Partitioner.fit` and then applied unchanged to every split, so a label has one code everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from fairspec.data.errors import (
    EmptyGroupError, ProtectedValueError, SmallCellError, UnknownAttributeError, did_you_mean,
    listing,
)
from fairspec.data.spec import DataSpec, GroupSpec, IntersectionSpec, Partition, ProtectedSpec
from fairspec.data.text import as_text, number_or_none

CELL_JOIN = " × "
SMALL_CELL = "(small)"


def attribute_labels(attribute: ProtectedSpec, column: pd.Series) -> pd.Series:
    """The group label (text) of each row: `value_map` first, then `bins`, then `merges`.

    Merges come after bins so that bin labels can be merged too; without bins the order of
    value map and merges is the policy's. ProtectedValueError for a missing or unbinnable value.
    """
    if column.isna().any():
        raise ProtectedValueError(
            f"the protected attribute {attribute.name!r} has {int(column.isna().sum()):,} rows "
            f"with no value in column {attribute.column!r}",
            subject=attribute.name,
            hint="say `missing drop` to leave those rows out, or fill the column",
        )
    labels = as_text(column)
    if attribute.value_map:
        labels = labels.replace({text: label for value, label in attribute.value_map
                                 for text in spellings(value)})
    if attribute.bins is not None:
        source = column if not attribute.value_map else labels
        labels = _bin_labels(attribute, source)
    for values, merged in attribute.merges:
        labels = labels.mask(labels.isin([text for v in values for text in spellings(v)]), merged)
    return labels


def spellings(value: object) -> list[str]:
    """The texts a policy value matches: itself, and for a number its plain form (1.0 -> "1")."""
    text = str(value).strip()
    number = number_or_none(text)
    plain = _number_text(number) if number is not None and np.isfinite(number) else text
    return [text] if plain == text else [text, plain]


def bin_labels_of(attribute: ProtectedSpec) -> tuple[str, ...]:
    """The declared labels of a binned attribute, or defaults `< b0`, `[b0, b1)`, …, `>= bk`."""
    edges = attribute.bins or ()
    if attribute.labels is not None:
        if len(attribute.labels) != len(edges) + 1:
            raise ProtectedValueError(
                f"{attribute.name!r} has {len(edges)} bin edges and {len(attribute.labels)} labels",
                subject=attribute.name, hint=f"give {len(edges) + 1} labels, one per bin",
            )
        return tuple(attribute.labels)
    shown = [_number_text(edge) for edge in edges]
    middle = [f"[{low}, {high})" for low, high in zip(shown, shown[1:])]
    return (f"< {shown[0]}", *middle, f">= {shown[-1]}")


def _bin_labels(attribute: ProtectedSpec, source: pd.Series) -> pd.Series:
    edges = np.asarray(attribute.bins, dtype=np.float64)
    if edges.size == 0 or np.any(np.diff(edges) <= 0):
        raise ProtectedValueError(
            f"the bins of {attribute.name!r} must be increasing edges, got {list(attribute.bins or ())}",
            subject=attribute.name,
        )
    names = np.asarray(bin_labels_of(attribute), dtype=object)
    numbers = pd.to_numeric(source, errors="coerce").to_numpy(dtype=np.float64)
    if np.isnan(numbers).any():
        bad = source[np.isnan(numbers)].unique()
        raise ProtectedValueError(
            f"no bin of {attribute.name!r} covers the values {listing(bad)}: they are not numbers",
            subject=attribute.name, hint="bins need a numeric column; use `merge` for text values",
        )
    return pd.Series(names[np.searchsorted(edges, numbers, side="right")], index=source.index,
                     dtype="str")


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _label_order(attribute: ProtectedSpec, observed: set[str]) -> tuple[str, ...]:
    """Bin order for a binned attribute (a merged label at its first member); else sorted.

    Sorted means numbers first, by value, then text: "2" < "10" < "Female" < "Male".
    """
    if attribute.bins is None:
        return tuple(sorted(observed, key=lambda label: (number_or_none(label) is None,
                                                         number_or_none(label) or 0.0, label)))
    merged_into = {text: merged for values, merged in attribute.merges
                   for value in values for text in spellings(value)}
    ordered: list[str] = []
    for label in bin_labels_of(attribute):
        final = merged_into.get(label, label)
        if final not in ordered:
            ordered.append(final)
    return tuple(ordered)


@dataclass(frozen=True)
class CellPlan:
    """An intersection fitted on training rows: which cells exist and where small ones go."""

    spec: IntersectionSpec
    labels: tuple[str, ...]
    code_of_cell: dict[str, int]       # cell label -> partition code (-1: excluded)
    merged_cells: tuple[str, ...]
    excluded_cells: tuple[str, ...]


@dataclass(frozen=True)
class Partitioner:
    """Group labels, codes and cell plans fitted on the training rows; applies them to any split."""

    attributes: tuple[ProtectedSpec, ...]
    label_order: dict[str, tuple[str, ...]]
    groups: tuple[GroupSpec, ...]
    cell_plans: tuple[CellPlan, ...]

    @classmethod
    def fit(cls, spec: DataSpec, train: pd.DataFrame) -> Partitioner:
        """Fix labels and codes on `train`; raises the data layer's group errors."""
        labels = {a.name: _fit_attribute(a, train[a.column]) for a in spec.protected}
        partial = cls(spec.protected, labels, spec.groups, ())
        base = partial._base_partitions(train)
        for group in spec.groups:
            _check_group(group, base[group.name])
        plans = tuple(_fit_cells(inter, base) for inter in spec.intersections)
        return cls(spec.protected, labels, spec.groups, plans)

    def partitions(self, frame: pd.DataFrame) -> dict[str, Partition]:
        """Every attribute, group and intersection partition of `frame`'s rows."""
        partitions = self._base_partitions(frame)
        for plan in self.cell_plans:
            partitions[plan.spec.name] = _apply_cells(plan, partitions)
        return partitions

    def _base_partitions(self, frame: pd.DataFrame) -> dict[str, Partition]:
        partitions = {a.name: self._attribute_partition(a, frame[a.column]) for a in self.attributes}
        for group in self.groups:
            partitions[group.name] = _group_partition(group, partitions)
        return partitions

    def _attribute_partition(self, attribute: ProtectedSpec, column: pd.Series) -> Partition:
        known = self.label_order[attribute.name]
        labels = attribute_labels(attribute, column)
        codes = pd.Index(known).get_indexer(labels).astype(np.int64)
        if (codes < 0).any():
            unseen = sorted(set(labels[codes < 0]))
            raise ProtectedValueError(
                f"{attribute.name!r} has values that no training row has: {listing(unseen)}",
                subject=attribute.name,
                hint=f"groups seen in training: {listing(known)}; merge the new values into one "
                     "of them (`merge [...] as \"...\"`)",
            )
        return Partition(attribute.name, known, codes, "attribute")


def _fit_attribute(attribute: ProtectedSpec, column: pd.Series) -> tuple[str, ...]:
    observed = set(attribute_labels(attribute, column).unique())
    order = _label_order(attribute, observed)
    empty = [label for label in order if label not in observed]
    if empty:
        raise EmptyGroupError(
            f"the group {empty[0]!r} of {attribute.name!r} has no training rows",
            subject=attribute.name, hint="widen or remove that bin, or merge it with a neighbour",
        )
    merged_labels = {merged for _, merged in attribute.merges}
    for values, merged in attribute.merges:
        if merged not in observed:
            raise EmptyGroupError(
                f"the merge {listing(values)} as {merged!r} of {attribute.name!r} matches no "
                "training row", subject=attribute.name,
                hint=did_you_mean(str(values[0]), observed - merged_labels)
                or f"values of {attribute.column!r}: {listing(sorted(observed))}",
            )
    return order


def _group_partition(group: GroupSpec, partitions: dict[str, Partition]) -> Partition:
    inside = None
    for attribute, allowed in group.conditions:
        if attribute not in partitions or partitions[attribute].kind != "attribute":
            raise UnknownAttributeError(
                f"the group {group.name!r} refers to {attribute!r}, which is not a protected attribute",
                subject=group.name, hint=did_you_mean(attribute, partitions),
            )
        part = partitions[attribute]
        allowed = tuple(next((t for t in spellings(v) if t in part.labels), str(v)) for v in allowed)
        unknown = [label for label in allowed if label not in part.labels]
        if unknown:
            raise EmptyGroupError(
                f"the group {group.name!r} asks for {listing(unknown)} of {attribute!r}, "
                "which no training row has", subject=group.name,
                hint=did_you_mean(str(unknown[0]), part.labels)
                or f"groups of {attribute!r}: {listing(part.labels)}",
            )
        wanted = np.isin(part.codes, [part.labels.index(label) for label in allowed])
        inside = wanted if inside is None else inside & wanted
    codes = np.where(inside, 0, 1).astype(np.int64)
    return Partition(group.name, (group.name, "not " + group.name), codes, "group")


def _check_group(group: GroupSpec, partition: Partition) -> None:
    counts = partition.counts()
    for label, rows in counts.items():
        if rows == 0:
            which = "no training row" if label == group.name else "every training row"
            raise EmptyGroupError(f"the group {group.name!r} holds {which}", subject=group.name,
                                  hint="a group must split the rows into two non-empty parts")


def _cells_of_rows(inter: IntersectionSpec,
                   partitions: dict[str, Partition]) -> tuple[list[str], np.ndarray]:
    """The distinct cells present (labels of the attributes joined by ' × ') and each row's cell index."""
    for name in inter.attributes:
        if name not in partitions:
            raise UnknownAttributeError(
                f"the intersection {inter.name!r} refers to {name!r}, which is not a protected "
                "attribute or group", subject=inter.name, hint=did_you_mean(name, partitions),
            )
    parts = [partitions[name] for name in inter.attributes]
    strides = np.cumprod([1] + [len(p.labels) for p in parts[:0:-1]])[::-1]
    keys = sum(p.codes * int(stride) for p, stride in zip(parts, strides))
    unique_keys, cell_of_row = np.unique(keys, return_inverse=True)
    cells = []
    for key in unique_keys:
        codes = [(int(key) // int(stride)) % len(p.labels) for p, stride in zip(parts, strides)]
        cells.append(CELL_JOIN.join(p.labels[c] for p, c in zip(parts, codes)))
    return cells, cell_of_row.ravel()


def _fit_cells(inter: IntersectionSpec, partitions: dict[str, Partition]) -> CellPlan:
    cells, cell_of_row = _cells_of_rows(inter, partitions)
    support = dict(zip(cells, np.bincount(cell_of_row, minlength=len(cells)).tolist()))
    order = _cell_order(inter, partitions, cells)
    small = [cell for cell in order if support[cell] < inter.min_support]
    if small and inter.small == "error":
        raise SmallCellError(
            f"the intersection {inter.name!r} has cells below min_support {inter.min_support}: "
            + ", ".join(f"{cell!r} ({support[cell]} rows)" for cell in small),
            subject=inter.name, hint="lower min_support, or say `small merge` or `small exclude`",
        )
    kept = [cell for cell in order if cell not in small]
    labels = tuple(kept) + ((SMALL_CELL,) if small and inter.small == "merge" else ())
    code_of_cell = {cell: i for i, cell in enumerate(kept)}
    for cell in small:
        code_of_cell[cell] = len(kept) if inter.small == "merge" else -1
    merged = tuple(small) if inter.small == "merge" else ()
    excluded = tuple(small) if inter.small == "exclude" else ()
    return CellPlan(inter, labels, code_of_cell, merged, excluded)


def _cell_order(inter: IntersectionSpec, partitions: dict[str, Partition],
                cells: list[str]) -> list[str]:
    """Cells in the order of their attributes' labels (the first attribute varies slowest)."""
    parts = [partitions[name] for name in inter.attributes]

    def rank(cell: str) -> tuple[int, ...]:
        return tuple(p.labels.index(label) for p, label in zip(parts, cell.split(CELL_JOIN)))

    return sorted(cells, key=rank)


def _apply_cells(plan: CellPlan, partitions: dict[str, Partition]) -> Partition:
    """The intersection partition of a split, with the codes fixed in training.

    A cell that no training row has is handled like a small cell: folded into "(small)" where
    training made one, otherwise left out (code -1); under `small error` it is an error.
    """
    cells, cell_of_row = _cells_of_rows(plan.spec, partitions)
    unseen = [cell for cell in cells if cell not in plan.code_of_cell]
    if unseen and plan.spec.small == "error":
        raise SmallCellError(
            f"the intersection {plan.spec.name!r} has cells that no training row has: "
            f"{listing(unseen)}", subject=plan.spec.name,
            hint="say `small merge` or `small exclude` to handle cells missing from training",
        )
    small_code = len(plan.labels) - 1 if plan.merged_cells else -1
    codes_of_cells = np.asarray([plan.code_of_cell.get(cell, small_code) for cell in cells], np.int64)
    codes = codes_of_cells[cell_of_row] if cells else np.zeros(0, np.int64)
    into_small = tuple(cell for cell in unseen if small_code >= 0)
    left_out = tuple(cell for cell in unseen if small_code < 0)
    return Partition(plan.spec.name, plan.labels, codes, "intersection",
                     merged_cells=plan.merged_cells + into_small,
                     excluded_cells=plan.excluded_cells + left_out)
