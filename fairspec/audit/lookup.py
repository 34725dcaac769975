"""Find a record of a ledger by what a person types: its index (`3`, `-1` for the last) or its run id."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from fairspec.audit.errors import AuditError


def find_record(records: Sequence[Mapping[str, Any]], key: str) -> Mapping[str, Any]:
    if not records:
        raise AuditError("the ledger has no records")
    try:
        position = int(key)
    except ValueError:
        matches = [r for r in records if str(r.get("run", {}).get("id", "")).startswith(key)]
        if len(matches) == 1:
            return matches[0]
        problem = "no run" if not matches else f"{len(matches)} runs"
        raise AuditError(f"{problem} in the ledger match {key!r}",
                         hint="give a record index (0, 1, ..., -1 for the last) or a run id") from None
    if not -len(records) <= position < len(records):
        raise AuditError(f"record {position} does not exist: the ledger has {len(records)} records")
    return records[position]
