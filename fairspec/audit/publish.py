"""Publish a finished train run: its folder (model, manifest, result) and its audit record.

Order matters for crash safety: the run folder is written under a partial name and renamed into
place only when complete; the ledger record, which names the model's hash, is appended after.
A crash before the rename leaves no run; a crash between the two leaves a run no ledger vouches
for, which `fairspec predict` refuses.
"""

from __future__ import annotations

import getpass
import json
import shutil
import socket
from pathlib import Path
from typing import Any, Sequence

from fairspec.audit.artifacts import sha256_file, write_manifest
from fairspec.audit.canonical import to_plain
from fairspec.audit.ledger import Ledger
from fairspec.audit.record import environment_info, result_digest
from fairspec.audit.runs import RunFolder, iso_utc, new_run_id
from fairspec.audit.schema import SCHEMA_VERSION

RECORD_PERFORMANCE_KEYS = ("accuracy", "log_loss", "auc", "selection_rate", "n")


def default_ledger(program) -> Path:
    """The policy's `audit` path, or `audit/<policy name>.jsonl` beside the policy file."""
    if program.audit_path is not None:
        return Path(program.audit_path)
    return Path(program.path).resolve().parent / "audit" / f"{program.name}.jsonl"


def publish_run(result, out_dir: Path, *, audit: bool = True,
                trusted_types: Sequence[str] = ()) -> None:
    """Save the model and result under `out_dir/<run id>/` and append the run's record to the ledger.

    `trusted_types`: the types the model's reader allows in its file beyond the container's
    defaults (`fairspec.backends.base.trusted_types` of its format), for the manifest's check.

    Fills in `result.run_id`, `result.run_dir`, `result.artifact`, `result.record` and `result.audit`.
    """
    run_id = new_run_id()
    result.run_id = run_id
    ledger_path = default_ledger(result.program) if audit else None
    with RunFolder(out_dir, run_id) as run:
        model_path = Path(result.model.save(run.path))
        manifest = write_manifest(run.path, model_path.name, result.model.format,
                                  result.data.preprocessor.to_json(),
                                  trusted_types=trusted_types,
                                  extra={"policy": result.program.name, "policy_sha256": result.program.sha256,
                                         "task": result.program.task, "run_id": run_id,
                                         "ledger": None if ledger_path is None else str(ledger_path)})
        result.artifact = {"path": str(run.final / model_path.name), "sha256": sha256_file(model_path),
                           "format": result.model.format, "manifest_sha256": sha256_file(manifest)}
        result.run_dir = run.final
        if result.frontier is not None:
            _write_frontier(result, run.path, run_id, ledger_path)
        (run.path / "result.json").write_text(json.dumps(result.to_json(), indent=2) + "\n", encoding="utf-8")
    if result.frontier is not None:
        work_dir = result.frontier.points_dir.parent
        if work_dir.name.startswith(".sweep-"):
            shutil.rmtree(work_dir, ignore_errors=True)
    record = train_record(result)
    result.record = record
    if ledger_path is not None:
        entry = Ledger(ledger_path).append(record)
        result.audit = {"ledger": str(ledger_path), "index": entry.index, "hash": entry.hash}


def _write_frontier(result, directory: Path, run_id: str, ledger_path: Path | None) -> None:
    """The sweep behind the chosen model, in the run folder: `fairspec select`/`explore` read it."""
    from fairspec.frontier import write_frontier_files

    program = result.program
    meta = {"run_id": run_id, "policy": {"name": program.name, "path": program.path, "sha256": program.sha256},
            "task": program.task, "ledger": None if ledger_path is None else str(ledger_path),
            "preprocessor": result.data.preprocessor.to_json(), "adopted": None}
    write_frontier_files(result.frontier, directory, meta)


def train_record(result) -> dict[str, Any]:
    """The ledger record of a train run (schema `fairspec.audit/1`, kind `train`)."""
    program, data = result.program, result.data
    user, host = who_and_where()
    fingerprint = data.fingerprint
    record: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "kind": "train",
        "run": {"id": result.run_id, "time": iso_utc(), "user": user, "host": host,
                "timings": {k: float(result.timings[k]) for k in ("total_s", "data_s", "fit_s", "measure_s")}},
        "policy": {"path": program.path, "name": program.name, "version": program.policy.version,
                   "sha256": program.sha256, "text": program.policy.origin.text if program.policy.origin else ""},
        "seed": int(program.seed),
        "data": {
            "source": str(fingerprint.get("source", {}).get("origin", "")),
            "sha256": fingerprint.get("source", {}).get("sha256", ""),
            "rows": {"train": data.train.n_rows, "holdout": data.holdout.n_rows},
            "columns": list(fingerprint.get("columns", [])),
            "groups": {name: p.counts() for name, p in data.train.partitions.items()},
            "notes": list(data.notes),
        },
        "model": {"family": program.model.family, "backend": result.fit.backend,
                  "params": dict(program.model.params), "artifact": result.artifact},
        "performance": {split: {k: result.performance[split].get(k) for k in RECORD_PERFORMANCE_KEYS}
                        for split in ("train", "holdout")},
        "requirements": [_requirement_record(r) for r in result.requirements],
        "environment": environment_info(),
    }
    if result.certificate is not None:
        record["certificate"] = result.certificate.to_json()
    record = to_plain(record)
    record["result_digest"] = result_digest(record)
    return record


def who_and_where() -> tuple[str, str]:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return user, socket.gethostname()


def _requirement_record(r) -> dict[str, Any]:
    req = r.requirement
    return {
        "id": req.id, "title": req.title, "rationale": req.rationale, "line": req.line or 1,
        "metric": req.metric, "attribute": req.attribute, "reference": req.reference, "operator": req.op,
        "bound": req.bound, "mode": req.mode, "weight": req.weight,
        "lowering": r.report.lowering, "backend": r.backend, "status": r.report.status,
        "price": r.report.price, "unconstrained_value": r.report.unconstrained_value,
        "train": r.train.to_json(), "holdout": r.holdout.to_json(),
        "holds": r.holds, "verdict": r.verdict,
    }
