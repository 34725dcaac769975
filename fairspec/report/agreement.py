"""Check that a run's `result.json` says what its audit record says, before a report repeats it.

`result.json` is not covered by any hash: the ledger vouches for the model file, the manifest and
the record, not for the result file beside them. A report reads the result file (it holds more:
solver, details, proxies, notes), so every figure it shares with the record must agree exactly,
or the report is refused (`ArtifactTamperedError`, exit 4).
"""

from __future__ import annotations

from typing import Any, Mapping

from fairspec.audit.canonical import to_plain
from fairspec.audit.errors import ArtifactTamperedError

REQUIREMENT_FIELDS = ("title", "rationale", "metric", "attribute", "reference", "operator", "bound", "mode",
                      "weight", "lowering", "backend", "status", "price", "unconstrained_value", "holds",
                      "verdict")
PERFORMANCE_FIELDS = ("accuracy", "log_loss", "auc", "selection_rate", "n")


def check_result_agrees(result: Mapping[str, Any], record: Mapping[str, Any]) -> None:
    """Raise `ArtifactTamperedError` naming the first figure where `result` and `record` differ."""
    difference = _first_difference(to_plain(_shared_view_of_result(result)),
                                   _shared_view_of_record(record), "")
    if difference is not None:
        raise ArtifactTamperedError(
            f"result.json disagrees with the run's audit record at {difference}",
            hint="the audit record is the authority; result.json was edited after the run")


def _shared_view_of_result(result: Mapping[str, Any]) -> dict[str, Any]:
    policy, model = result.get("policy") or {}, result.get("model") or {}
    return {
        "run_id": result.get("run_id"), "seed": result.get("seed"), "policy_sha256": policy.get("sha256"),
        "model": {"family": model.get("family"), "backend": model.get("backend")},
        "performance": {split: {key: (result.get("performance") or {}).get(split, {}).get(key)
                                for key in PERFORMANCE_FIELDS} for split in ("train", "holdout")},
        "requirements": [_requirement_of_result(r) for r in result.get("requirements") or []],
    }


def _requirement_of_result(r: Mapping[str, Any]) -> dict[str, Any]:
    groups = r.get("groups") or {}
    return {"id": r.get("id"), **{key: r.get(key) for key in REQUIREMENT_FIELDS},
            **{split: {"value": r.get(split), "ci": r.get(f"{split}_ci"), "groups": groups.get(split)}
               for split in ("train", "holdout")}}


def _shared_view_of_record(record: Mapping[str, Any]) -> dict[str, Any]:
    model, performance = record.get("model") or {}, record.get("performance") or {}
    return {
        "run_id": (record.get("run") or {}).get("id"), "seed": record.get("seed"),
        "policy_sha256": (record.get("policy") or {}).get("sha256"),
        "model": {"family": model.get("family"), "backend": model.get("backend")},
        "performance": {split: {key: (performance.get(split) or {}).get(key) for key in PERFORMANCE_FIELDS}
                        for split in ("train", "holdout")},
        "requirements": [{"id": r.get("id"), **{key: r.get(key) for key in REQUIREMENT_FIELDS},
                          **{split: {key: (r.get(split) or {}).get(key) for key in ("value", "ci", "groups")}
                             for split in ("train", "holdout")}}
                         for r in record.get("requirements") or []],
    }


def _first_difference(mine: Any, theirs: Any, path: str) -> str | None:
    """The path of the first place two plain JSON values differ (None when equal)."""
    if isinstance(mine, dict) and isinstance(theirs, dict):
        for key in list(mine) + [k for k in theirs if k not in mine]:
            found = _first_difference(mine.get(key), theirs.get(key), f"{path}.{key}" if path else str(key))
            if found is not None:
                return found
        return None
    if isinstance(mine, list) and isinstance(theirs, list):
        if len(mine) != len(theirs):
            return f"{path} (result has {len(mine)} entries, the record {len(theirs)})"
        for index, (a, b) in enumerate(zip(mine, theirs)):
            found = _first_difference(a, b, f"{path}[{index}]")
            if found is not None:
                return found
        return None
    same = (type(mine) is type(theirs) and mine == theirs) or _same_number(mine, theirs)
    return None if same else path


def _same_number(a: Any, b: Any) -> bool:
    numbers = (int, float)
    return (isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool)
            and not isinstance(b, bool) and a == b)
