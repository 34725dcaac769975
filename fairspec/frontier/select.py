"""A posteriori preference: a person adopts one point of a frontier run, and says why.

`select_point` makes the point's model the run's model (model file and manifest), appends a
`select` record (who, when, why, which point) to the audit ledger, and notes the adoption in
frontier.json. Order, for crash safety: the model swap first, the ledger record second, the note
last. The model and its manifest are swapped by two renames; a crash between them leaves a model
whose hash disagrees with its manifest, which `verify_artifact` refuses: it fails closed.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

from fairspec.audit.artifacts import MANIFEST_NAME, sha256_file
from fairspec.audit.canonical import to_plain
from fairspec.audit.ledger import Ledger
from fairspec.audit.publish import who_and_where
from fairspec.audit.runs import iso_utc, new_run_id
from fairspec.audit.schema import SCHEMA_VERSION, validate_record
from fairspec.errors import FairspecError
from fairspec.frontier.store import FRONTIER_FILE, install_model, read_frontier


def select_point(run_dir: str | Path, index: int, because: str, *, who: str | None = None,
                 ledger: str | Path | None = None) -> dict[str, Any]:
    """Adopt point `index` of the frontier run `run_dir`; return the adoption as noted in the run.

    Raises `FairspecError` for an empty reason, an unknown or infeasible point, or a run that
    names no ledger when none is given.
    """
    started = time.perf_counter()
    run_dir = Path(run_dir)
    frontier, meta = read_frontier(run_dir)
    point = frontier.point(index)
    if not because or not because.strip():
        raise FairspecError("say why this point is adopted", hint='--because "the reason"')
    if not point.ok:
        raise FairspecError(f"point {index} is infeasible and has no model: {point.message}")
    named_ledger = ledger if ledger is not None else meta.get("ledger")
    if not named_ledger:
        raise FairspecError(f"{run_dir} names no audit ledger", hint="pass one with --ledger LEDGER")
    ledger_path = Path(named_ledger)
    model = _swap_model(run_dir, index, meta)
    user, host = who_and_where()
    when = iso_utc()
    chosen = {"index": index, "plan": point.plan.describe(), "train": point.values("train"),
              "holdout": point.values("holdout"), "pareto": index in frontier.pareto["train"],
              "objective": frontier.objective, "model": model}
    record = {"schema": SCHEMA_VERSION, "kind": "select",
              "run": {"id": new_run_id(), "time": when, "user": user, "host": host,
                      "timings": {"total_s": time.perf_counter() - started, "data_s": 0.0,
                                  "fit_s": 0.0, "measure_s": 0.0}},
              "adopted": {"run_id": meta["run_id"], "point": chosen, "because": because.strip(),
                          "who": who or user, "when": when}}
    record = to_plain(record)
    validate_record(record, stored=False)
    entry = Ledger(ledger_path).append(record)
    adoption = {"index": index, "because": because.strip(), "who": who or user, "when": when,
                "record": {"ledger": str(ledger_path), "index": entry.index, "hash": entry.hash}}
    _note_adoption(run_dir, adoption)
    return adoption


def _swap_model(run_dir: Path, index: int, meta: dict[str, Any]) -> dict[str, str]:
    """Install the point's model and manifest beside the old ones, then rename them over."""
    staging = run_dir / f".select-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        model = install_model(run_dir / "points", staging, index, meta)
        os.replace(staging / model["file"], run_dir / model["file"])
        os.replace(staging / MANIFEST_NAME, run_dir / MANIFEST_NAME)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return {**model, "sha256": sha256_file(run_dir / model["file"]),
            "manifest_sha256": sha256_file(run_dir / MANIFEST_NAME)}


def _note_adoption(run_dir: Path, adoption: dict[str, Any]) -> None:
    path = run_dir / FRONTIER_FILE
    data = json.loads(path.read_text(encoding="utf-8"))
    data["adopted"] = adoption
    staging = path.with_name(f".{FRONTIER_FILE}-{os.getpid()}")
    staging.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    os.replace(staging, path)
