"""The provenance sections: the data the run saw, the policy it ran, and the audit record vouching for it."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from fairspec.report.document import Bullets, Callout, Cell, Code, Facts, Paragraph, Section, Table
from fairspec.report.run import RunData
from fairspec.report.wording import MISSING, number


def data_section(run: RunData) -> Section:
    data = (run.record or {}).get("data") or {}
    blocks: list = []
    if data:
        rows = data.get("rows") or {}
        columns = [str(c) for c in data.get("columns") or []]
        blocks.append(Facts((
            ("Source", str(data.get("source") or MISSING)),
            ("Data sha256", Cell(str(data.get("sha256") or MISSING), mono=True)),
            ("Rows", f"{rows.get('train', MISSING)} train · {rows.get('holdout', MISSING)} holdout"),
            ("Columns", f"{len(columns)}: {', '.join(columns)}" if columns else MISSING),
        )))
        blocks.append(_group_counts(data.get("groups") or {}))
    else:
        blocks.append(Paragraph("Without an audit record the data fingerprint (source, hash, rows, "
                                "columns, group counts) is not known to this report."))
    blocks += _notes("Data notes", data.get("notes") or [])
    blocks += _notes("Training notes", [n for n in run.result.get("notes") or []
                                        if n not in (data.get("notes") or [])])
    blocks.append(_proxies(run.result.get("proxies") or []))
    return Section("Data", "data", tuple(blocks))


def _group_counts(groups: Mapping[str, Any]) -> Table:
    rows = []
    for partition, counts in groups.items():
        counts = counts if isinstance(counts, Mapping) else {}
        total = sum(v for v in counts.values() if isinstance(v, int))
        for label, count in counts.items():
            share = f"{count / total:.1%}" if isinstance(count, int) and total else MISSING
            rows.append((Cell(str(partition), mono=True), str(label), str(count), share))
    return Table(("attribute / intersection", "group", "rows (train)", "share"), tuple(rows),
                 caption="Rows per group and intersectional cell in the training split.",
                 numeric=(False, False, True, True))


def _notes(title: str, notes: list) -> list:
    return [Bullets(tuple(str(n) for n in notes), title)] if notes else []


def _proxies(proxies: list) -> Table | Paragraph:
    if not proxies:
        return Paragraph("Proxy check: no model input predicts a protected attribute on its own.")
    return Table(("feature", "predicts", "AUC", "detail"),
                 tuple((Cell(str(p.get("feature")), mono=True), str(p.get("attribute")),
                        number(p.get("auc"), 3), str(p.get("detail", ""))) for p in proxies),
                 caption="Proxies: model inputs that on their own predict a protected attribute.",
                 numeric=(False, False, True, False))


def policy_section(run: RunData) -> Section:
    policy = run.result.get("policy") or {}
    recorded = (run.record or {}).get("policy") or {}
    facts = [("Name", Cell(str(policy.get("name", MISSING)), mono=True))]
    facts += [(label, value) for label, value in (("Title", run.policy.title),
                                                  ("Version", recorded.get("version")),
                                                  ("Owner", run.policy.owner),
                                                  ("Description", run.policy.description)) if value]
    facts += [("Path", Cell(str(policy.get("path", MISSING)), mono=True)),
              ("sha256", Cell(str(policy.get("sha256", MISSING)), mono=True)),
              ("Text from", run.policy.source)]
    body = Code(run.policy.text, "fairspec") if run.policy.text is not None else \
        Callout(f"The policy text is {run.policy.source}.", "warn")
    return Section("Policy", "policy", (Facts(tuple(facts)), body))


def audit_section(run: RunData) -> Section:
    artifact = (run.result.get("model") or {}).get("artifact") or {}
    model_facts = (("Model file", Cell(Path(str(artifact.get("path", MISSING))).name, mono=True)),
                   ("Model sha256", Cell(str(artifact.get("sha256", MISSING)), mono=True)),
                   ("Format", str(artifact.get("format", MISSING))),
                   ("Manifest sha256", Cell(str(artifact.get("manifest_sha256", MISSING)), mono=True)))
    if run.record is None:
        return Section("Audit record", "audit", (
            Callout("This run was not recorded in an audit ledger (it was trained with --no-audit): "
                    "its model file matches its manifest, but no ledger vouches for it.", "warn"),
            Facts(model_facts)))
    record = run.record
    when = record.get("run") or {}
    facts = (("Ledger", Cell(str(run.ledger), mono=True)),
             ("Record index", str(record.get("index", MISSING))),
             ("Record hash", Cell(str(record.get("hash", MISSING)), mono=True)),
             ("Previous hash", Cell(str(record.get("prev_hash", MISSING)), mono=True)),
             ("Result digest", Cell(str(record.get("result_digest", MISSING)), mono=True)),
             ("Schema", str(record.get("schema", MISSING))),
             ("Recorded", f"{when.get('time', MISSING)} by {when.get('user', '?')} on {when.get('host', '?')}"),
             *model_facts)
    return Section("Audit record", "audit", (
        Callout("Verified when this report was made: the ledger's hash chain is intact, and the "
                "model file matches its manifest and a train record of the ledger.", "good"),
        Facts(facts), _environment(record.get("environment") or {})))


def _environment(environment: Mapping[str, Any]) -> Table:
    rows = [("fairspec", str(environment.get("fairspec", MISSING))),
            ("python", str(environment.get("python", MISSING))),
            ("platform", str(environment.get("platform", MISSING)))]
    rows += [(str(name), str(version)) for name, version in (environment.get("packages") or {}).items()]
    return Table(("software", "version"), tuple(rows), caption="Environment the run was trained in.")
