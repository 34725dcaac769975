"""Read a run's trade-off frontier (`frontier.json`, when the run has one) without trusting its shape.

The reader accepts the file `fairspec frontier` writes (`{..., "frontier": {"axes", "points",
"pareto", "chosen", "choice_note"}, "adopted"}`, each point with `index`, `status` and
`train`/`holdout` measurements holding `values`), and simpler shapes a hand-made or older file
may have: a list of points, or an object with `points` and optionally `objectives` (names, or
objects with a `name`/`key`), `chosen` (a point index) and `choose`/`rule` (text). A simple
point is an object whose `values`/`objectives`/`metrics` hold its values (by name, or a list in
the order of `objectives`), an object whose own numeric fields are the values, or a list of
numbers; it may say `"chosen": true`. A malformed file never raises: the report says what was wrong.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FRONTIER_NAME = "frontier.json"
_VALUE_KEYS = ("values", "objectives", "metrics")
_POINT_META_KEYS = frozenset({"index", "chosen", "label", "id", "feasible", "seconds"})
_RULE_KEYS = ("choice", "choose", "rule")


class FrontierUnreadable(ValueError):
    """frontier.json exists but holds no frontier that can be shown."""


@dataclass(frozen=True)
class Frontier:
    """Points of a trade-off, by position in the file.

    `values[i][k]` is point i's (training) value of `objectives[k]`, `holdout[i][k]` its holdout
    value where the file has them (else `holdout` is empty); None: absent or not finite. `labels`
    are the points' own indices, `status` and `plans` their status and how each was trained (None
    where not given), `pareto` the positions on the training Pareto front (empty when unknown).
    `chosen` is the position the policy's `rule` chose (`note` says how), `adopted` the one a
    person adopted later. `problem` says why the file
    could not be read, as a clause about it ("it holds no list of points"); then there are no points.
    """

    objectives: tuple[str, ...] = ()
    values: tuple[tuple[float | None, ...], ...] = ()
    holdout: tuple[tuple[float | None, ...], ...] = ()
    labels: tuple[int, ...] = ()
    status: tuple[str | None, ...] = ()
    plans: tuple[str | None, ...] = ()
    pareto: frozenset[int] = frozenset()
    chosen: int | None = None
    adopted: int | None = None
    rule: str | None = None
    note: str | None = None
    problem: str | None = None


def read_frontier(run_dir: Path) -> Frontier | None:
    """The frontier in `run_dir/frontier.json`; None when the run has none."""
    path = run_dir / FRONTIER_NAME
    if not path.is_file():
        return None
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        return Frontier(problem=f"it is not readable JSON ({exc})")
    try:
        return parse_frontier(content)
    except FrontierUnreadable as exc:
        return Frontier(problem=str(exc))


def parse_frontier(content: Any) -> Frontier:
    """The frontier in parsed JSON; raises `FrontierUnreadable` if it holds none."""
    outer = content if isinstance(content, dict) else {}
    meta = outer["frontier"] if isinstance(outer.get("frontier"), dict) else outer
    points = meta.get("points") if isinstance(content, dict) else content
    if not isinstance(points, list) or not points:
        raise FrontierUnreadable("it holds no list of points")
    declared = _objective_names(meta.get("axes", meta.get("objectives")))
    train = [_point_values(point, declared, position, "train") for position, point in enumerate(points)]
    holdout = [_point_values(point, declared, position, "holdout") for position, point in enumerate(points)]
    objectives = list(declared)
    for row in train + holdout:
        objectives += [name for name in row if name not in objectives]
    if not objectives:
        raise FrontierUnreadable("its points hold no objective values")
    labels = tuple(_label(point, position) for position, point in enumerate(points))
    position_of = {label: position for position, label in enumerate(labels)}
    return Frontier(
        objectives=tuple(objectives),
        values=tuple(tuple(row.get(name) for name in objectives) for row in train),
        holdout=tuple(tuple(row.get(name) for name in objectives) for row in holdout) if any(holdout) else (),
        labels=labels,
        status=tuple(_text_at(p, "status") for p in points),
        plans=tuple(_text_at(p.get("plan") if isinstance(p, dict) else None, "describe") for p in points),
        pareto=frozenset(position_of[i] for i in _pareto_indices(meta) if i in position_of),
        chosen=_chosen(meta, points, position_of),
        adopted=_index_in(outer.get("adopted"), position_of),
        rule=next((meta[key] for key in _RULE_KEYS if isinstance(meta.get(key), str) and meta[key]), None),
        note=_text_at(meta, "choice_note"))


def _objective_names(declared: Any) -> list[str]:
    if not isinstance(declared, list):
        return []
    names = [next((item[k] for k in ("key", "name") if k in item), None) if isinstance(item, dict) else item
             for item in declared]
    return [str(name) for name in names if isinstance(name, str) or _is_int(name)]


def _point_values(point: Any, declared: list[str], position: int, split: str) -> dict[str, float | None]:
    """The point's values on `split`; a simple point (no per-split measurements) has train only."""
    if isinstance(point, dict) and ("train" in point or "holdout" in point):
        measure = point.get(split)
        point = measure.get("values", {}) if isinstance(measure, dict) else {}
    elif split != "train":
        return {}
    elif isinstance(point, dict):
        held = next((point[key] for key in _VALUE_KEYS if key in point), None)
        point = held if held is not None else \
            {k: v for k, v in point.items() if k not in _POINT_META_KEYS and _is_number(v)}
    if isinstance(point, list):
        names = declared + [f"objective {k + 1}" for k in range(len(declared), len(point))]
        point = dict(zip(names, point))
    if not isinstance(point, dict):
        raise FrontierUnreadable(f"point {position} is neither an object nor a list")
    return {str(name): _finite(value) for name, value in point.items() if _is_number(value) or value is None}


def _label(point: Any, position: int) -> int:
    index = point.get("index") if isinstance(point, dict) else None
    return index if _is_int(index) else position


def _pareto_indices(meta: dict[str, Any]) -> list[int]:
    pareto = meta.get("pareto")
    pareto = pareto.get("train") if isinstance(pareto, dict) else pareto
    return [i for i in pareto if _is_int(i)] if isinstance(pareto, list) else []


def _chosen(meta: dict[str, Any], points: list[Any], position_of: dict[int, int]) -> int | None:
    for key in ("chosen", "chosen_index"):
        if _is_int(meta.get(key)):
            return position_of.get(meta[key])
    flagged = [i for i, point in enumerate(points) if isinstance(point, dict) and point.get("chosen") is True]
    return flagged[0] if len(flagged) == 1 else None


def _index_in(adopted: Any, position_of: dict[int, int]) -> int | None:
    return position_of.get(adopted["index"]) if isinstance(adopted, dict) and _is_int(adopted.get("index")) else None


def _text_at(holder: Any, key: str) -> str | None:
    value = holder.get(key) if isinstance(holder, dict) else None
    return value if isinstance(value, str) and value else None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _finite(value: Any) -> float | None:
    return float(value) if _is_number(value) and math.isfinite(value) else None
