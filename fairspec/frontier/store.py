"""Frontier run folders: every point's model and measurements, the frontier as JSON, CSV and a plot.

Layout of `out/<run_id>/`, published atomically through `audit.runs.RunFolder`:

    frontier.json    the sweep (axes, points, Pareto sets, hypervolumes, choice) and the run's
                     policy, ledger and preprocessor
    frontier.csv     one row per point
    frontier.png/svg the figure, chosen point starred
    points/NNNN/     point.json and the point's model (a safe format: npz, safetensors, skops)
    model.* + manifest.json   the chosen point's model as the run's model, when a point is chosen

`fairspec select` later replaces the run's model with another point's (see `select.py`).
"""

from __future__ import annotations

import csv
import json
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

from fairspec.audit.artifacts import write_manifest
from fairspec.audit.runs import RunFolder, new_run_id
from fairspec.backends.base import trusted_types
from fairspec.errors import FairspecError
from fairspec.frontier.plot import plot_frontier
from fairspec.frontier.points import point_dir
from fairspec.frontier.sweep import SPLITS, Frontier
from fairspec.metrics.performance import COST_FIGURES

FRONTIER_FILE = "frontier.json"


def publish_frontier(frontier: Frontier, program, data, out_dir: str | Path, *,
                     ledger: str | Path | None = None, run_id: str | None = None) -> Frontier:
    """Publish the frontier as `out_dir/<run_id>/`; return it reading its points from there.

    The sweep's work folder is removed once the run is in place (its points live on in the run).
    """
    run_id = run_id or new_run_id()
    meta = {"run_id": run_id, "policy": {"name": program.name, "path": program.path,
                                         "sha256": program.sha256},
            "task": program.task, "ledger": None if ledger is None else str(ledger),
            "preprocessor": data.preprocessor.to_json(), "adopted": None}
    with RunFolder(out_dir, run_id) as run:
        write_frontier_files(frontier, run.path, meta)
        if frontier.chosen is not None:
            install_model(run.path / "points", run.path, frontier.chosen, meta)
    work_dir = frontier.points_dir.parent
    if work_dir.name.startswith(".sweep-"):
        shutil.rmtree(work_dir, ignore_errors=True)
    return replace(frontier, points_dir=run.final / "points")


def write_frontier_files(frontier: Frontier, directory: Path, meta: dict[str, Any]) -> None:
    """Copy the points and write frontier.json, frontier.csv and the plot into `directory`.

    `meta` (run id, policy, ledger, preprocessor JSON, adopted point) is stored beside the sweep
    in frontier.json; the train pipeline calls this inside its own run folder.
    """
    directory = Path(directory)
    points = directory / "points"
    points.mkdir(parents=True, exist_ok=True)
    for point in frontier.points:
        shutil.copytree(point_dir(frontier.points_dir, point.index), point_dir(points, point.index))
    write_frontier_json(directory, frontier, meta)
    write_csv(frontier, directory / "frontier.csv")
    plot_frontier(frontier, directory)


def write_frontier_json(directory: Path, frontier: Frontier, meta: dict[str, Any]) -> None:
    (Path(directory) / FRONTIER_FILE).write_text(
        json.dumps({**meta, "frontier": frontier.to_json()}, indent=1) + "\n", encoding="utf-8")


def read_frontier(run_dir: str | Path) -> tuple[Frontier, dict[str, Any]]:
    """The frontier of a run folder and its meta (run id, policy, ledger, preprocessor, adopted)."""
    path = Path(run_dir) / FRONTIER_FILE
    if not path.is_file():
        raise FairspecError(f"{run_dir} is not a frontier run: it has no {FRONTIER_FILE}",
                            hint="make one with `fairspec frontier POLICY_FILE`")
    data = json.loads(path.read_text(encoding="utf-8"))
    meta = {k: v for k, v in data.items() if k != "frontier"}
    return Frontier.from_json(data["frontier"], Path(run_dir) / "points"), meta


def install_model(points_root: Path, target: Path, index: int, meta: dict[str, Any]) -> dict[str, str]:
    """Copy point `index`'s model from `points_root` into `target` with its manifest.

    Returns the model file name and format. `select.py` installs into a staging folder first.
    """
    import fairspec.backends  # noqa: F401  (registers the model readers and the types they trust)

    folder = point_dir(points_root, index)
    point = json.loads((folder / "point.json").read_text(encoding="utf-8"))
    model = point["model"]
    if not model["file"]:
        raise FairspecError(f"point {index} has no model: {point['message']}")
    shutil.copyfile(folder / model["file"], Path(target) / model["file"])
    write_manifest(target, model["file"], model["format"], meta["preprocessor"],
                   trusted_types=trusted_types(model["format"]),
                   extra={"policy": meta["policy"]["name"], "policy_sha256": meta["policy"]["sha256"],
                          "task": meta["task"], "run_id": meta["run_id"], "ledger": meta["ledger"],
                          "frontier_point": index})
    return {"file": model["file"], "format": model["format"]}


def cost_measures(frontier: Frontier) -> tuple[str, ...]:
    """The figures of `COST_FIGURES` measured on the points (accuracy, log-loss and AUC for a
    binary target) that no axis already shows: what each point's model cost, beside its axes."""
    axes = {a.key for a in frontier.axes}
    measured = {key for p in frontier.points for split in SPLITS
                for key in (p.performance(split) or {})}
    return tuple(m for m in COST_FIGURES if m in measured and m not in axes)


def write_csv(frontier: Frontier, path: Path) -> None:
    """One row per point: plan, status, Pareto membership per split, every axis per split, and
    what the model cost on each split (`cost_measures`)."""
    keys = [a.key for a in frontier.axes]
    costs = cost_measures(frontier)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["point", "status", "chosen", "pareto_train", "pareto_holdout", "plan",
                         "meets_bounds", *(f"{split}:{key}" for split in SPLITS for key in keys),
                         *(f"{split}:{m}" for split in SPLITS for m in costs), "seconds"])
        for p in frontier.points:
            writer.writerow([p.index, p.status, p.index == frontier.chosen,
                             p.index in frontier.pareto["train"], p.index in frontier.pareto["holdout"],
                             p.plan.describe(), "" if p.meets_bounds is None else p.meets_bounds,
                             *(_cell(p.values(split).get(key)) for split in SPLITS for key in keys),
                             *(_cell((p.performance(split) or {}).get(m))
                               for split in SPLITS for m in costs),
                             f"{p.seconds:.3f}"])


def _cell(value: float | None) -> str:
    return "" if value is None else repr(float(value))
