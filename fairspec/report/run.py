"""Read a train run folder and the audit record that vouches for it into one `RunData` for a report.

A run folder holds `result.json` (the `train --json` object), `manifest.json` and the model file;
the audit record of the run sits in the ledger that the manifest names (or the one passed in). The
model file is verified against its manifest and that ledger first, as `fairspec predict` does, and
`result.json` against the record: a report is never built on a tampered run
(`ArtifactTamperedError` / `LedgerTamperedError`, exit 4).
A run trained with `--no-audit` names no ledger: it is reported, and the report says so.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fairspec.audit.artifacts import verify_artifact
from fairspec.audit.errors import ArtifactTamperedError
from fairspec.audit.ledger import Ledger
from fairspec.backends.base import trusted_types
from fairspec.errors import FairspecError
from fairspec.report.agreement import check_result_agrees
from fairspec.report.frontier import FRONTIER_NAME, Frontier, read_frontier

RESULT_NAME = "result.json"
MANIFEST_NAME = "manifest.json"


@dataclass(frozen=True)
class PolicyText:
    """The policy as the run used it: its text (None when unavailable) and where that text came from."""

    text: str | None
    source: str                 # "audit record", "policy file", or why there is no text
    title: str | None = None
    owner: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class RunData:
    """Everything a report shows about one run.

    `record` is the run's audit record (None when the run names no ledger); `ledger` its path.
    A `RunData` exists only for a run whose model file matched its manifest and ledger.
    """

    run_dir: Path
    result: dict[str, Any]
    manifest: dict[str, Any]
    record: dict[str, Any] | None
    ledger: Path | None
    policy: PolicyText
    frontier: Frontier | None


def load_run(run_dir: str | Path, ledger: str | Path | None = None) -> RunData:
    """The run in `run_dir`, its model verified and its audit record found in `ledger` (default:
    the ledger its manifest names). Raises `FairspecError` (exit 2) for a folder that is not a run
    or a ledger that is not there; exit 4 if the model, the ledger or result.json fails
    verification, or the ledger has no record of the run."""
    import fairspec.backends  # noqa: F401  (registers the model readers and the types they trust)

    run_dir = Path(run_dir)
    result = _read_json(run_dir / RESULT_NAME, run_dir)
    manifest = _read_json(run_dir / MANIFEST_NAME, run_dir)
    ledger_path = Path(ledger) if ledger is not None else _ledger_named_by(manifest)
    record = None
    if ledger_path is not None:
        if not ledger_path.is_file():
            raise FairspecError(f"no audit ledger at {ledger_path}",
                                hint="pass the run's ledger with --ledger LEDGER")
        verify_artifact(run_dir, Ledger(ledger_path), trusted_types)
        record = _record_of(Ledger(ledger_path), str(result.get("run_id", "")), ledger_path)
        check_result_agrees(result, record)
    else:
        verify_artifact(run_dir, trusted_types=trusted_types)
    return RunData(run_dir=run_dir, result=result, manifest=manifest, record=record,
                   ledger=ledger_path, policy=_policy_text(result, record),
                   frontier=read_frontier(run_dir))


def _read_json(path: Path, run_dir: Path) -> dict[str, Any]:
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        frontier_only = (run_dir / FRONTIER_NAME).is_file() and path.name == RESULT_NAME
        raise FairspecError(f"{run_dir} is not a train run folder: it has no {path.name}"
                            + (" (it holds a frontier only)" if frontier_only else ""),
                            hint="give a folder that `fairspec train --out DIR` wrote") from None
    except (OSError, ValueError) as exc:
        raise FairspecError(f"cannot read {path}: {exc}") from None
    if not isinstance(content, dict):
        raise FairspecError(f"{path} does not hold a JSON object")
    return content


def _ledger_named_by(manifest: dict[str, Any]) -> Path | None:
    extra = manifest.get("extra")
    ledger = extra.get("ledger") if isinstance(extra, dict) else None
    return Path(ledger) if isinstance(ledger, str) and ledger else None


def _record_of(ledger: Ledger, run_id: str, ledger_path: Path) -> dict[str, Any]:
    """The train record of `run_id`; the whole chain is checked as it is read."""
    found = [r for r in ledger.records()
             if r.get("kind") == "train" and (r.get("run") or {}).get("id") == run_id]
    if not found:   # the ledger lists the model (checked before), so the run id was changed
        raise ArtifactTamperedError(f"the audit ledger {ledger_path} lists this model but has no "
                                    f"record of run {run_id or '?'}: result.json names another run")
    return found[-1]


def _policy_text(result: dict[str, Any], record: dict[str, Any] | None) -> PolicyText:
    """The policy text from the audit record, else from the policy file if its sha256 still matches."""
    expected_sha = (result.get("policy") or {}).get("sha256")
    if record is not None and isinstance((record.get("policy") or {}).get("text"), str):
        return _described(record["policy"]["text"], "audit record")
    path = (result.get("policy") or {}).get("path")
    try:
        text = Path(path).read_text(encoding="utf-8") if path else None
    except (OSError, UnicodeDecodeError):
        text = None
    if text is None:
        return PolicyText(None, "unavailable: the run has no audit record and the policy file is gone")
    if hashlib.sha256(text.encode("utf-8")).hexdigest() != expected_sha:
        return PolicyText(None, f"unavailable: {path} has changed since the run (its sha256 differs)")
    return _described(text, "policy file (no audit record)")


def _described(text: str, source: str) -> PolicyText:
    """Title, owner and description parsed from the text; left None if it no longer parses."""
    from fairspec.language.parser import parse

    try:
        policy, _ = parse(text)
    except FairspecError:
        return PolicyText(text, source)
    return PolicyText(text, source, policy.title, policy.owner, policy.description)
