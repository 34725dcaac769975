"""Assemble a run's report: the summary first, then requirements, cost, data, policy and audit."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from fairspec.report.cost import cost_section, frontier_section
from fairspec.report.document import Callout, Cell, Document, Facts, Paragraph, Section
from fairspec.report.provenance import audit_section, data_section, policy_section
from fairspec.report.requirements import requirements_section
from fairspec.report.run import RunData
from fairspec.report.wording import MISSING, bound_check


def build_document(run: RunData) -> Document:
    result = run.result
    requirements = [r for r in result.get("requirements") or [] if isinstance(r, Mapping)]
    name = str((result.get("policy") or {}).get("name", "unnamed policy"))
    version = ((run.record or {}).get("policy") or {}).get("version")
    sections = [summary_section(run, requirements),
                requirements_section(requirements, str((run.manifest.get("extra") or {}).get("task", "binary"))),
                cost_section(result.get("performance") or {}, requirements)]
    if run.frontier is not None:
        sections.append(frontier_section(run.frontier))
    sections += [data_section(run), policy_section(run), audit_section(run)]
    return Document(title=f"Fairness report: {run.policy.title or name}",
                    subtitle=f"policy {name}" + (f" {version}" if version else "")
                             + f" · run {result.get('run_id', MISSING)}",
                    sections=tuple(sections))


def summary_section(run: RunData, requirements: Sequence[Mapping[str, Any]]) -> Section:
    result, record = run.result, run.record or {}
    model = result.get("model") or {}
    timings = result.get("timings") or {}
    audit = (f"record #{record.get('index')} of {run.ledger}" if run.record is not None
             else "none: not recorded in an audit ledger")
    facts = (("Policy", Cell(str((result.get("policy") or {}).get("name", MISSING)), mono=True)),
             ("Owner", run.policy.owner or MISSING),
             ("Run", Cell(str(result.get("run_id", MISSING)), mono=True)),
             ("Trained", str((record.get("run") or {}).get("time", MISSING))
              + (f" in {timings['total_s']:.1f} s" if isinstance(timings.get("total_s"), (int, float)) else "")),
             ("Model", " · ".join(str(part) for part in (model.get("family"), model.get("backend"),
                                                         model.get("solver")) if part) or MISSING),
             ("Seed", str(result.get("seed", MISSING))),
             ("Requirements", _tally(requirements)),
             ("Audit", audit))
    return Section("Summary", "summary", (*_outcome(requirements), Facts(facts)))


def _tally(requirements: Sequence[Mapping[str, Any]]) -> str:
    counts: dict[str, int] = {}
    for r in requirements:
        verdict = str(r.get("verdict", "unknown")).replace("_", " ")
        counts[verdict] = counts.get(verdict, 0) + 1
    return f"{len(requirements)}: " + ", ".join(f"{n} {verdict}" for verdict, n in counts.items()) \
        if requirements else "none"


def _outcome(requirements: Sequence[Mapping[str, Any]]) -> tuple:
    """The headline: do the hard requirements hold on train; what the holdout says of them; which
    monitored requirements would miss their bounds."""
    hard = [r for r in requirements if r.get("mode") == "hard"]
    blocks: list = []
    failing = [str(r.get("id")) for r in hard if r.get("holds") is not True]
    if not hard:
        blocks.append(Callout("The policy has no hard requirements: nothing here is guaranteed to hold.", "warn"))
    elif failing:
        blocks.append(Callout(f"{len(failing)} of {len(hard)} hard requirements do not hold on the "
                              f"training data: {', '.join(failing)}.", "bad"))
    else:
        blocks.append(Callout("The hard requirement holds on the training data." if len(hard) == 1 else
                              f"All {len(hard)} hard requirements hold on the training data.", "good"))
    holdout_misses = [str(r.get("id")) for r in hard if bound_check(r).startswith("misses")]
    if holdout_misses:
        blocks.append(Paragraph(f"On the holdout, {_listed(holdout_misses)} "
                                f"{'misses its bound' if len(holdout_misses) == 1 else 'miss their bounds'}"
                                "; see the intervals below."))
    monitored_misses = [str(r.get("id")) for r in requirements
                        if r.get("mode") == "monitor" and bound_check(r, "train").startswith("misses")]
    if monitored_misses:
        blocks.append(Paragraph(f"Monitored, not enforced: {_listed(monitored_misses)} "
                                f"{'misses its bound' if len(monitored_misses) == 1 else 'miss their bounds'}"
                                " on the training data."))
    return tuple(blocks)


def _listed(ids: Sequence[str]) -> str:
    return ids[0] if len(ids) == 1 else ", ".join(ids[:-1]) + " and " + ids[-1]
