"""Term reports after a fit: the lowering used, the exact training value, and leakage probes."""

from __future__ import annotations

import numpy as np

from fairspec.backends.base import Term, TermReport
from fairspec.backends.torch.adversary import AdversarialTerm
from fairspec.backends.torch.fitted import NetworkModel
from fairspec.backends.torch.probe import leakage_probe
from fairspec.backends.torch.relaxations import measure
from fairspec.backends.torch.selection import TrainingRun
from fairspec.backends.torch.training import TermSet
from fairspec.data.spec import Partition, Split

MEASURABLE = ("rate_gap", "rate_ratio", "group_loss")
PROBE_ROWS = 10_000


def term_reports(requested: tuple[Term, ...], terms: TermSet, run: TrainingRun, train: Split,
                 valid_rows: np.ndarray, seed: int) -> tuple[TermReport, ...]:
    """What happened to each term, with its exact training value and, for adversaries, a probe."""
    logits = run.model.decision_function(train.X)
    multipliers = {h.term_id: h.multiplier for h in terms.hard}
    adversaries = {a.term_id: a for a in terms.adversarial}
    reports = []
    for term in requested:
        detail = _value_text(term, logits, train, run.model.threshold_logit)
        if term.mode == "soft":
            reports.append(TermReport(term.id, "sigmoid-penalty", "enforced", term.weight, detail=detail))
        elif term.mode == "hard":
            detail += f"; threshold logit {run.model.threshold_logit:.4f}, epoch {run.chosen_epoch}"
            reports.append(TermReport(term.id, "proxy-lagrangian", "enforced",
                                      multipliers[term.id], detail=detail))
        elif term.mode == "adversarial":
            adversary = adversaries[term.id]
            lowering = "gradient-reversal" + ("+projection" if adversary.projection else "")
            detail += "; " + _probe_text(adversary, run.model, train, valid_rows, seed)
            reports.append(TermReport(term.id, lowering, "enforced", adversary.weight, detail=detail))
        elif term.mode == "monitor":
            reports.append(TermReport(term.id, "measured", "not_enforced", detail=detail))
        else:
            reports.append(TermReport(term.id, "none", "not_enforced",
                                      detail="objectives are searched by the multi-objective layer"))
    return tuple(reports)


def _value_text(term: Term, logits: np.ndarray, train: Split, threshold_logit: float) -> str:
    partition = train.partitions.get(term.partition)
    if partition is None or term.family not in MEASURABLE:
        return "not measured by the torch backend"
    value = measure(term.expression, logits, train.y, partition.codes, len(partition.labels),
                    threshold_logit)
    bound = f" (bound {term.op} {term.bound})" if term.op and term.bound is not None else ""
    return f"train value {value:.4f}{bound}"


def _probe_text(adversary: AdversarialTerm, model: NetworkModel, train: Split,
                valid_rows: np.ndarray, seed: int) -> str:
    rows = valid_rows if valid_rows.size else np.arange(train.n_rows)
    where = "validation" if valid_rows.size else "training"
    if rows.size > PROBE_ROWS:      # the probe's AUC is stable long before this; its cost is not
        rows = np.sort(np.random.default_rng(seed).choice(rows, PROBE_ROWS, replace=False))
    source = "representation" if adversary.source == "representation" else "logit"
    X = train.X[rows]
    scores = model.representation(X) if source == "representation" else model.decision_function(X)
    parts = []
    for head in adversary.head_specs:
        full = train.partitions[head.partition]
        probe = leakage_probe(scores, Partition(full.name, full.labels, full.codes[rows], full.kind), seed)
        parts.append(f"{head.partition} AUC {probe['auc']:.3f} (logistic {probe['logistic']:.3f}, "
                     f"mlp {probe['mlp']:.3f})")
    return f"leakage probe on {where} {source}s: " + ", ".join(parts)
