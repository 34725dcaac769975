"""JSON Schemas (draft 2020-12) of the audit records, and validation of a record against its kind.

Three kinds share the envelope `{"schema": "fairspec.audit/1", "kind", "index", "prev_hash",
"hash", "run"}`: `train` (one per training run: policy, data, model, measurements, verdicts) and
`select` / `adopt` (a person choosing a point of a trade-off, or adopting a run's model). Objects
are closed (`additionalProperties: false`) except where they hold user-named things (model
parameters, group labels, package names): a new field means a new schema version.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from fairspec.audit.errors import AuditError, RecordSchemaError
from fairspec.audit.ledger import CHAIN_KEYS

SCHEMA_VERSION = "fairspec.audit/1"
KINDS = ("train", "select", "adopt")

_SHA256 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
_UTC_TIME = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$"}
_RUN_ID = {"type": "string", "pattern": r"^\d{8}T\d{6}Z-[0-9a-f]{8}$"}
_COUNT = {"type": "integer", "minimum": 0}
_SECONDS = {"type": "number", "minimum": 0}
_TEXT = {"type": "string"}
_TEXT_OR_NULL = {"type": ["string", "null"]}
_NUMBER_OR_NULL = {"type": ["number", "null"]}
_TEXTS = {"type": "array", "items": _TEXT}


def _closed(properties: Mapping[str, Any], optional: Iterable[str] = ()) -> dict[str, Any]:
    """An object with exactly these properties, all required except `optional`."""
    optional = set(optional)
    return {"type": "object", "properties": dict(properties),
            "required": [name for name in properties if name not in optional],
            "additionalProperties": False}


def _mapping(values: Mapping[str, Any]) -> dict[str, Any]:
    """An object keyed by user-chosen names, every value of the given schema."""
    return {"type": "object", "additionalProperties": dict(values)}


_RUN = _closed({
    "id": _RUN_ID, "time": _UTC_TIME, "user": _TEXT, "host": _TEXT,
    "timings": _closed({"total_s": _SECONDS, "data_s": _SECONDS, "fit_s": _SECONDS,
                        "measure_s": _SECONDS}),
})

_POLICY = _closed({"path": _TEXT, "name": _TEXT, "version": _TEXT_OR_NULL, "sha256": _SHA256,
                   "text": _TEXT})

_DATA = _closed({
    "source": _TEXT, "sha256": _SHA256,
    "rows": _closed({"train": _COUNT, "holdout": _COUNT}),
    "columns": _TEXTS,
    "groups": _mapping(_mapping(_COUNT)),           # partition -> label -> rows
    "notes": _TEXTS,
})

_ARTIFACT = _closed({"path": _TEXT, "sha256": _SHA256, "format": _TEXT,
                     "manifest_sha256": _SHA256}, optional=["manifest_sha256"])

_MODEL = _closed({"family": _TEXT, "backend": _TEXT, "params": {"type": "object"},
                  "artifact": {"anyOf": [{"type": "null"}, _ARTIFACT]}})

_SPLIT_PERFORMANCE = _closed({"accuracy": _NUMBER_OR_NULL, "log_loss": _NUMBER_OR_NULL,
                              "auc": _NUMBER_OR_NULL, "selection_rate": _NUMBER_OR_NULL,
                              "n": _COUNT})

_INTERVAL = {"type": "array", "prefixItems": [_NUMBER_OR_NULL, _NUMBER_OR_NULL], "items": False,
             "minItems": 2}

_MEASUREMENT = _closed({"value": _NUMBER_OR_NULL,
                        "ci": {"anyOf": [{"type": "null"}, _INTERVAL]},
                        "groups": {"type": "object"}})

_REQUIREMENT_FIELDS = _closed({
    "id": _TEXT, "title": _TEXT_OR_NULL, "rationale": _TEXT_OR_NULL,
    "line": {"type": "integer", "minimum": 1},
    "metric": _TEXT, "attribute": _TEXT,
    "reference": {"enum": ["pairwise", "overall"]},
    "operator": {"enum": ["<=", ">=", None]},
    "bound": _NUMBER_OR_NULL,
    "mode": {"enum": ["hard", "soft", "adversarial", "objective", "monitor"]},
    "weight": _NUMBER_OR_NULL,
    "lowering": _TEXT, "backend": _TEXT,
    "status": {"enum": ["enforced", "not_enforced", "infeasible"]},
    "price": _NUMBER_OR_NULL, "unconstrained_value": _NUMBER_OR_NULL,
    "train": _MEASUREMENT, "holdout": _MEASUREMENT,
    "holds": {"type": ["boolean", "null"]},
    "verdict": {"enum": ["holds", "fails", "monitored", "not_enforced"]},
})
_REQUIREMENT = {**_REQUIREMENT_FIELDS, "allOf": [   # a verdict holds/fails agrees with `holds`
    {"if": {"properties": {"verdict": {"const": "holds"}}},
     "then": {"properties": {"holds": {"const": True}}}},
    {"if": {"properties": {"verdict": {"const": "fails"}}},
     "then": {"properties": {"holds": {"const": False}}}},
]}

_ENVIRONMENT = _closed({"fairspec": _TEXT, "python": _TEXT, "platform": _TEXT,
                        "packages": _mapping(_TEXT)})

_CHAIN = {"index": _COUNT, "prev_hash": _SHA256, "hash": _SHA256}

TRAIN_PROPERTIES: dict[str, Any] = {
    "schema": {"const": SCHEMA_VERSION}, "kind": {"const": "train"}, **_CHAIN,
    "run": _RUN, "policy": _POLICY, "seed": {"type": "integer"}, "data": _DATA, "model": _MODEL,
    "performance": _closed({"train": _SPLIT_PERFORMANCE, "holdout": _SPLIT_PERFORMANCE}),
    "requirements": {"type": "array", "items": _REQUIREMENT},
    "environment": _ENVIRONMENT, "result_digest": _SHA256,
    # present when the policy certifies requirements on unseen data (fairspec.certify)
    "certificate": {"type": "object", "required": ["requirements", "joint_confidence", "passed"]},
}
OPTIONAL_TRAIN_KEYS = ("certificate",)

_ADOPTED = _closed({
    "run_id": _RUN_ID,
    "point": {"type": ["object", "integer", "string"]},   # the chosen point of the trade-off
    "because": _TEXT, "who": _TEXT, "when": _UTC_TIME,
})

DECISION_PROPERTIES: dict[str, Any] = {
    "schema": {"const": SCHEMA_VERSION}, "kind": {"enum": ["select", "adopt"]}, **_CHAIN,
    "run": _RUN, "adopted": _ADOPTED,
}


def schema_for(kind: str, *, stored: bool = True) -> dict[str, Any]:
    """The JSON Schema of a record of `kind`; with `stored=False`, one not yet in a ledger (its
    index/prev_hash/hash may be absent)."""
    if kind not in KINDS:
        raise RecordSchemaError(f"unknown audit record kind {kind!r}", (f"kind: {kind!r}",),
                                hint=f"known kinds: {', '.join(KINDS)}")
    properties = TRAIN_PROPERTIES if kind == "train" else DECISION_PROPERTIES
    optional = (() if stored else CHAIN_KEYS) + (OPTIONAL_TRAIN_KEYS if kind == "train" else ())
    schema = _closed(properties, optional=optional)
    title = "train record" if kind == "train" else "select/adopt record"
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"https://fairspec.dev/schemas/audit/1/{kind}.json",
            "title": f"fairspec {title}", **schema}


def schema_problems(record: Mapping[str, Any], *, stored: bool = True) -> tuple[str, ...]:
    """Every way `record` breaks the schema of its kind, as `at <path>: <message>` lines."""
    from jsonschema import Draft202012Validator   # a test/dev dependency, needed only here

    schema = schema_for(str(record.get("kind")), stored=stored)
    errors = sorted(Draft202012Validator(schema).iter_errors(record),
                    key=lambda error: [str(part) for part in error.absolute_path])
    return tuple(f"at {_path(error.absolute_path)}: {error.message}" for error in errors)


def validate_record(record: Mapping[str, Any], *, stored: bool = True) -> None:
    """Raise `RecordSchemaError` (exit 2) listing every problem unless `record` fits its schema."""
    try:
        problems = schema_problems(record, stored=stored)
    except ImportError as exc:
        raise AuditError("validating audit records needs the jsonschema package",
                         hint="pip install 'jsonschema>=4.20'") from exc
    if problems:
        raise RecordSchemaError(f"{record.get('kind')} record does not fit {SCHEMA_VERSION}: "
                                f"{problems[0]}" + (f" (and {len(problems) - 1} more)"
                                                    if len(problems) > 1 else ""), problems)


def _path(parts: Iterable[Any]) -> str:
    text = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in parts)
    return text.lstrip(".") or "(record)"
