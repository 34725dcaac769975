"""The requirements section: an overview table, then per requirement its figures, groups and plot."""

from __future__ import annotations

import re
from typing import Any, Mapping, Sequence

from fairspec.report.document import Cell, Facts, Figure, Paragraph, Section, Subsection, Table
from fairspec.report.svg import group_rates_chart
from fairspec.report.wording import MISSING, bound_check, number, rate_names, statement, with_interval

VERDICT_TONES = {"holds": "good", "fails": "bad", "monitored": "muted", "not_enforced": "warn"}
SPLITS = ("train", "holdout")


def requirements_section(requirements: Sequence[Mapping[str, Any]], task: str) -> Section:
    overview = Table(
        columns=("id", "requirement", "mode", "lowering", "train", "holdout [95% CI]", "verdict",
                 "holdout vs bound"),
        rows=tuple(_overview_row(r) for r in requirements),
        caption="Verdicts are on the training data, where hard requirements are enforced; the "
                "holdout value estimates how the model behaves on unseen rows.",
        numeric=(False, False, False, False, True, True, False, False))
    details = tuple(requirement_subsection(r, task) for r in requirements)
    blocks = (overview, *details) if requirements else (Paragraph("The policy states no requirements."),)
    return Section("Requirements", "requirements", blocks)


def verdict_cell(requirement: Mapping[str, Any]) -> Cell:
    verdict = str(requirement.get("verdict", MISSING))
    return Cell(verdict.replace("_", " "), VERDICT_TONES.get(verdict))


def _overview_row(r: Mapping[str, Any]) -> tuple:
    return (Cell(str(r.get("id", "?")), mono=True), Cell(statement(r), mono=True), _mode(r),
            _lowering(r), number(r.get("train")), with_interval(r.get("holdout"), r.get("holdout_ci")),
            verdict_cell(r), bound_check(r))


def _mode(r: Mapping[str, Any]) -> str:
    weight = r.get("weight")
    return str(r.get("mode", MISSING)) + (f" (weight {weight:g})" if isinstance(weight, (int, float)) else "")


def _lowering(r: Mapping[str, Any]) -> str:
    return str(r.get("lowering")) if r.get("status") == "enforced" else str(r.get("status", MISSING)).replace("_", " ")


def requirement_subsection(r: Mapping[str, Any], task: str) -> Subsection:
    """One requirement: what it says, how it was enforced, what it measured, and per group."""
    blocks: list = []
    if r.get("rationale"):
        blocks.append(Paragraph(f"Because: {r['rationale']}"))
    blocks.append(_requirement_facts(r))
    groups = r.get("groups") if isinstance(r.get("groups"), Mapping) else {}
    count = _rate_count(groups)
    if count:
        names = rate_names(r, task, count)
        blocks.append(_groups_table(groups, names, str(r.get("attribute", "?"))))
        blocks.append(Figure(group_rates_chart(groups, names, f"Group rates for {r.get('id')}"),
                             caption=f"Per-group {', '.join(names)} behind {statement(r)}, train and holdout.",
                             alt=f"Bar chart of {', '.join(names)} per group of {r.get('attribute')}"))
    else:
        blocks.append(Paragraph("The run stored no per-group rates for this requirement."))
    return Subsection(str(r.get("id", "?")), anchor_for(str(r.get("id", "?"))), tuple(blocks),
                      subtitle=r.get("title") or None)


def _requirement_facts(r: Mapping[str, Any]) -> Facts:
    items: list[tuple[str, Any]] = [
        ("Requirement", Cell(statement(r), mono=True)),
        ("Mode", _mode(r)),
        ("Lowering", f"{_lowering(r)} on {r.get('backend', MISSING)}"),
        ("Verdict", verdict_cell(r)),
        ("Train value [95% CI]", with_interval(r.get("train"), r.get("train_ci"))),
        ("Holdout value [95% CI]", with_interval(r.get("holdout"), r.get("holdout_ci"))),
        ("Holdout vs bound", bound_check(r)),
    ]
    if r.get("unconstrained_value") is not None:
        items.append(("Unconstrained value", number(r.get("unconstrained_value"))))
    if r.get("price") is not None:
        items.append(("Price of fairness", f"{number(r.get('price'))} (rise in training loss per unit "
                                           "the bound is tightened)"))
    if r.get("detail"):
        items.append(("Detail", str(r["detail"])))
    if r.get("line"):
        items.append(("Policy line", str(r["line"])))
    return Facts(tuple(items))


def _rate_count(groups: Mapping[str, Any]) -> int:
    counts = [len(g.get("rates") or []) for split in SPLITS
              for g in (groups.get(split) or {}).values() if isinstance(g, Mapping)]
    return max(counts, default=0)


def _groups_table(groups: Mapping[str, Any], names: Sequence[str], attribute: str) -> Table:
    """Per group, each rate on train and holdout with its support; one row per (group, rate) when
    the metric reads several rates (equalized odds), so the table stays narrow."""
    labels = list(dict.fromkeys(label for split in SPLITS for label in (groups.get(split) or {})))
    several = len(names) > 1
    columns = ("group", "rate", "train", "n", "holdout", "n") if several else \
        ("group", f"{names[0]}, train", "n", f"{names[0]}, holdout", "n")
    rows = []
    for label in labels:
        for k, name in enumerate(names):
            row: list[Any] = [label, name] if several else [label]
            for split in SPLITS:
                group = (groups.get(split) or {}).get(label) or {}
                row += [number(_at(group.get("rates"), k)), _count(_at(group.get("support"), k))]
            rows.append(tuple(row))
    return Table(columns, tuple(rows),
                 caption=f"Groups of {attribute}: each rate with the rows it is computed over (n).",
                 numeric=(False,) * (len(columns) - 4) + (True,) * 4)


def _at(values: Any, k: int) -> Any:
    return values[k] if isinstance(values, (list, tuple)) and k < len(values) else None


def _count(value: Any) -> str:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else MISSING


def anchor_for(identifier: str) -> str:
    """An HTML id for a requirement: `req-` and the id, reduced to letters, digits and dashes."""
    return "req-" + (re.sub(r"[^a-z0-9]+", "-", identifier.lower()).strip("-") or "unnamed")
