"""One measured point of a frontier, and its folder: `point.json` beside the point's saved model.

A point folder is written under a temporary name and renamed into place once complete, so a
folder named `NNNN` is always a finished point: that is what lets an interrupted sweep resume.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from fairspec.audit.canonical import to_plain
from fairspec.audit.durable import fsync_path, fsync_tree
from fairspec.backends.base import FittedModel, TermReport, load_model
from fairspec.frontier.axes import SplitMeasure
from fairspec.frontier.plan import PointPlan

TOLERANCE = 1e-12       # float noise allowed when checking a measured value against its bound
POINT_FILE = "point.json"


@dataclass(frozen=True)
class FrontierPoint:
    """A point: its plan, whether it was feasible, and its measurements on train and holdout.

    `meets_bounds` says whether the training values satisfy every ε bound of the plan (None for
    points without bounds); `model_file` is relative to the point's folder.
    """

    plan: PointPlan
    status: str                              # "ok" or "infeasible"
    message: str
    train: SplitMeasure | None
    holdout: SplitMeasure | None
    reports: tuple[TermReport, ...]
    solver: str
    seconds: float
    model_file: str | None
    model_format: str | None
    meets_bounds: bool | None

    @property
    def index(self) -> int:
        return self.plan.index

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def values(self, split: str) -> dict[str, float]:
        measure = self.train if split == "train" else self.holdout
        return {} if measure is None else measure.values

    def performance(self, split: str) -> dict[str, Any]:
        """The model's performance figures on `split` (accuracy, log-loss, AUC, ...); {} for an
        infeasible point."""
        measure = self.train if split == "train" else self.holdout
        return {} if measure is None else measure.performance

    def to_json(self) -> dict[str, Any]:
        return to_plain({
            "index": self.index, "plan": self.plan.to_json(), "status": self.status,
            "message": self.message, "meets_bounds": self.meets_bounds,
            "train": None if self.train is None else self.train.to_json(),
            "holdout": None if self.holdout is None else self.holdout.to_json(),
            "reports": [_report_json(r) for r in self.reports], "solver": self.solver,
            "seconds": self.seconds, "model": {"file": self.model_file, "format": self.model_format},
        })

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "FrontierPoint":
        return cls(PointPlan.from_json(data["plan"]), data["status"], data["message"],
                   None if data["train"] is None else SplitMeasure.from_json(data["train"]),
                   None if data["holdout"] is None else SplitMeasure.from_json(data["holdout"]),
                   tuple(TermReport(**r) for r in data["reports"]), data["solver"], data["seconds"],
                   data["model"]["file"], data["model"]["format"], data["meets_bounds"])


def _report_json(report: TermReport) -> dict[str, Any]:
    return {"id": report.id, "lowering": report.lowering, "status": report.status,
            "multiplier": report.multiplier, "price": report.price,
            "unconstrained_value": report.unconstrained_value, "detail": report.detail}


def meets_bounds(plan: PointPlan, train: SplitMeasure) -> bool | None:
    """Whether the training values satisfy every bound of the plan (None when it has none)."""
    if not plan.bounds:
        return None
    checks = []
    for bound in plan.bounds:
        value = train.values[bound.axis]
        checks.append(not math.isnan(value) and (value <= bound.value + TOLERANCE if bound.op == "<="
                                                 else value >= bound.value - TOLERANCE))
    return all(checks)


def point_dir(root: Path, index: int) -> Path:
    return Path(root) / f"{index:04d}"


def write_point(root: Path, point: FrontierPoint, model: FittedModel | None) -> FrontierPoint:
    """Save `model` and `point.json` as `root/NNNN/`, atomically; return the point with its file."""
    final = point_dir(root, point.index)
    staging = Path(root) / f".{final.name}-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        if model is not None:
            saved = Path(model.save(staging))
            point = replace(point, model_file=saved.name, model_format=model.format)
        (staging / POINT_FILE).write_text(json.dumps(point.to_json(), indent=1) + "\n", encoding="utf-8")
        fsync_tree(staging)
        shutil.rmtree(final, ignore_errors=True)
        os.rename(staging, final)
        fsync_path(root)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return point


def read_points(root: Path) -> dict[int, FrontierPoint]:
    """Every finished point under `root` (half-written ones never have their final name)."""
    found = {}
    for folder in sorted(Path(root).glob("[0-9][0-9][0-9][0-9]")):
        if (folder / POINT_FILE).is_file():
            point = FrontierPoint.from_json(json.loads((folder / POINT_FILE).read_text(encoding="utf-8")))
            found[point.index] = point
    return found


def load_point_model(root: Path, point: FrontierPoint) -> FittedModel:
    """The point's saved model, read with the safe loader of its format."""
    import fairspec.backends  # noqa: F401  (registers the loaders)

    if point.model_file is None or point.model_format is None:
        raise ValueError(f"point {point.index} has no model")
    return load_model(point_dir(root, point.index) / point.model_file, point.model_format)
