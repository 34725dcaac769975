"""Reading a ledger back: a table of runs, and what changed between two runs.

Both return renderables or text (a rich `Table`, a list of `Change` and its text) so the CLI only
prints them.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from rich.table import Table
from rich.text import Text

from fairspec.audit.errors import AuditError
from fairspec.metrics.performance import COST_FIGURES

# The sections of a train record that `diff_records` compares, in the order it reports them.
DIFF_SECTIONS = ("policy", "seed", "data", "model", "performance", "requirements", "environment")
_VERDICT_STYLES = {"holds": "green", "fails": "bold red", "monitored": "cyan",
                   "not_enforced": "dim"}
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_RUN_ARTIFACT_KEYS = ("path", "manifest_sha256")   # they name the run folder and the run id


@dataclass(frozen=True)
class Change:
    """One difference between two runs.

    `path` names the field (`data.sha256`, `requirements[dp_sex].holdout.value`); `before` and
    `after` are its values (None where absent). `detail` holds a unified diff for the policy text,
    or `added` / `removed` for a requirement present in only one run.
    """

    path: str
    before: Any
    after: Any
    detail: str = ""


def show_table(records: Iterable[Mapping[str, Any]], requirement: str | None = None) -> Table:
    """A table of the train runs in `records`, oldest first: time, run id, policy hash, seed,
    what the model cost (each recorded figure of `COST_FIGURES`, on train / holdout), and per
    requirement (or only `requirement`) its train / holdout value and verdict. Raises `AuditError` if
    `requirement` is named by no run."""
    runs = [record for record in records if record.get("kind") == "train"]
    requirement_ids = _requirement_ids(runs)
    if requirement is not None:
        if requirement not in requirement_ids:
            raise AuditError(f"no recorded run has a requirement {requirement!r}",
                             hint=f"recorded requirements: {', '.join(requirement_ids) or 'none'}")
        requirement_ids = [requirement]
    table = Table(title=f"{len(runs)} train run{'s' if len(runs) != 1 else ''}")
    recorded = {key for run in runs for split in ("train", "holdout")
                for key in ((run.get("performance") or {}).get(split) or {})}
    costs = [measure for measure in COST_FIGURES if measure in recorded]
    for heading in ("time", "run", "policy", "seed",
                    *(f"{COST_FIGURES[m]}\ntrain / holdout" for m in costs)):
        table.add_column(heading, no_wrap=True)
    for requirement_id in requirement_ids:
        table.add_column(f"{requirement_id}\ntrain / holdout", no_wrap=True)
    for run in runs:
        by_id = {entry["id"]: entry for entry in run.get("requirements", [])}
        table.add_row(run["run"]["time"], run["run"]["id"], run["policy"]["sha256"][:8],
                      str(run["seed"]),
                      *(_pair(run["performance"], measure) for measure in costs),
                      *(_requirement_cell(by_id.get(rid)) for rid in requirement_ids))
    return table


def _requirement_ids(runs: Sequence[Mapping[str, Any]]) -> list[str]:
    """Requirement ids in order of first appearance across runs."""
    seen: dict[str, None] = {}
    for run in runs:
        seen.update((entry["id"], None) for entry in run.get("requirements", []))
    return list(seen)


def _requirement_cell(entry: Mapping[str, Any] | None) -> Text:
    if entry is None:
        return Text("—", style="dim")
    values = f"{_number(entry['train']['value'])} / {_number(entry['holdout']['value'])} "
    return Text(values) + Text(entry["verdict"], style=_VERDICT_STYLES.get(entry["verdict"], ""))


def _pair(performance: Mapping[str, Any], measure: str) -> str:
    """`train / holdout` of one performance measure (— where a split does not have it)."""
    return " / ".join(_number((performance.get(split) or {}).get(measure))
                      for split in ("train", "holdout"))


def _number(value: Any) -> str:
    return "—" if value is None else f"{value:.4f}"


def diff_records(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[Change]:
    """What changed from train record `a` to train record `b`: the policy text (as a unified diff),
    seed, data fingerprint, model, performance, per-requirement settings, metrics and verdicts,
    and environment. What identifies a run is not compared: `run`, the chain fields, and the
    artifact's path and manifest hash (both name the run; the model file's sha256 is compared)."""
    changes: list[Change] = []
    for section in DIFF_SECTIONS:
        before, after = a.get(section), b.get(section)
        if section == "policy":
            changes += _policy_changes(before or {}, after or {}, _run_id(a), _run_id(b))
        elif section == "requirements":
            changes += _requirement_changes(before or [], after or [])
        elif section == "model":
            changes += _leaf_changes(section, _without_run_identity(before),
                                     _without_run_identity(after))
        else:
            changes += _leaf_changes(section, before, after)
    return changes


def _run_id(record: Mapping[str, Any]) -> str:
    return str((record.get("run") or {}).get("id", "?"))


def _without_run_identity(model: Any) -> Any:
    if not isinstance(model, Mapping) or not isinstance(model.get("artifact"), Mapping):
        return model
    artifact = {k: v for k, v in model["artifact"].items() if k not in _RUN_ARTIFACT_KEYS}
    return {**model, "artifact": artifact}


def _policy_changes(before: Mapping[str, Any], after: Mapping[str, Any], run_a: str, run_b: str
                    ) -> list[Change]:
    changes = _leaf_changes("policy", {k: v for k, v in before.items() if k != "text"},
                            {k: v for k, v in after.items() if k != "text"})
    text_a, text_b = before.get("text", ""), after.get("text", "")
    if text_a != text_b:
        diff = difflib.unified_diff(text_a.splitlines(keepends=True),
                                    text_b.splitlines(keepends=True),
                                    fromfile=f"policy@{run_a}", tofile=f"policy@{run_b}")
        changes.append(Change("policy.text", text_a, text_b, "".join(diff)))
    return changes


def _requirement_changes(before: Sequence[Mapping[str, Any]], after: Sequence[Mapping[str, Any]]
                         ) -> list[Change]:
    old = {entry["id"]: entry for entry in before}
    new = {entry["id"]: entry for entry in after}
    changes: list[Change] = []
    for requirement_id in [*old, *(rid for rid in new if rid not in old)]:
        path = f"requirements[{requirement_id}]"
        if requirement_id not in new:
            changes.append(Change(path, old[requirement_id], None, "removed"))
        elif requirement_id not in old:
            changes.append(Change(path, None, new[requirement_id], "added"))
        else:
            changes += _leaf_changes(path, old[requirement_id], new[requirement_id])
    return changes


def _leaf_changes(path: str, before: Any, after: Any) -> list[Change]:
    """Changes between two values, descending into objects (lists compare whole)."""
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        changes: list[Change] = []
        for key in [*before, *(k for k in after if k not in before)]:
            changes += _leaf_changes(f"{path}.{key}", before.get(key), after.get(key))
        return changes
    return [] if before == after and type(before) is type(after) else [Change(path, before, after)]


def render_diff(changes: Sequence[Change]) -> str:
    """The changes as text: one `path: before → after` line each, the policy diff in full."""
    if not changes:
        return "no differences in policy, data, model, measurements or environment\n"
    lines = []
    for change in changes:
        if change.path == "policy.text":
            lines.append("policy.text:")
            lines.extend("  " + line for line in change.detail.splitlines())
        elif change.detail:
            lines.append(f"{change.path}: {change.detail}")
        else:
            lines.append(f"{change.path}: {_short(change.before)} → {_short(change.after)}")
    return "\n".join(lines) + "\n"


def _short(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, str):
        return value[:12] + "…" if _SHA256.match(value) else (value if len(value) <= 60
                                                              else value[:59] + "…")
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 60 else text[:59] + "…"
