"""Fit a logistic or MLP torch model on an in-memory training split under its fairness terms.

The order of a fit: read the model block, build the predictor and one object per enforced term,
cut a stratified validation slice when early stopping is asked for, train epoch by epoch on
group-stratified batches, pick the weights to return (`selection`), then report every term
(`reports`).
"""

from __future__ import annotations

import time

import numpy as np
import torch

from fairspec.backends.base import FitRequest, FitResult, Term
from fairspec.backends.torch.adversary import build_adversarial_term
from fairspec.backends.torch.batches import strata_of, stratified_batches
from fairspec.backends.torch.lagrangian import LagrangianTerm
from fairspec.backends.torch.modules import Predictor
from fairspec.backends.torch.reports import MEASURABLE, term_reports
from fairspec.backends.torch.selection import EarlyStopping, HardPicker, TailAverage, TrainingRun
from fairspec.backends.torch.settings import TrainingParams, resolve_device, seeded_torch
from fairspec.backends.torch.soft import SoftTerm
from fairspec.backends.torch.tensors import TensorData
from fairspec.backends.torch.thresholds import Bound
from fairspec.backends.torch.training import TermSet, train_step
from fairspec.data.spec import Partition, Split
from fairspec.errors import FairspecError

MIN_PER_STRATUM = 2
LOWERED = {"soft": MEASURABLE, "hard": MEASURABLE, "adversarial": ("rate_gap", "rate_ratio")}


def fit(request: FitRequest, train: Split) -> FitResult:
    """Train the requested model under `request.terms`; InfeasibleError if a hard term cannot hold."""
    started = time.perf_counter()
    if request.task != "binary":
        raise FairspecError("the torch backend trains binary classifiers only")
    params = TrainingParams.from_spec(request.model)
    device = resolve_device(params.device)
    with seeded_torch(request.seed, params.threads, device):
        net = Predictor(train.X.shape[1], params.hidden, params.dropout).to(device)
        terms = build_terms(request.terms, train.partitions, net, params, device)
        codes = {name: train.partitions[name].codes for name in terms.partitions}
        strata = strata_of([*codes.values(), train.y], train.n_rows)
        rng = np.random.default_rng(request.seed)
        fraction = params.validation_fraction if params.patience else 0.0
        fit_rows, valid_rows = validation_split(strata, fraction, rng)
        data = TensorData.from_arrays(train.X, train.y, codes, device)
        bounds = hard_bounds(request.terms, train)
        run = _train(net, data, fit_rows, valid_rows, strata, terms, params, rng, bounds, train)
    reports = term_reports(request.terms, terms, run, train, valid_rows, request.seed)
    return FitResult(run.model, reports, backend="torch",
                     solver=f"torch {torch.__version__} Adam on {device.type}",
                     seconds=time.perf_counter() - started, log=tuple(run.log))


def build_terms(requested: tuple[Term, ...], partitions: dict[str, Partition], net: Predictor,
                params: TrainingParams, device: torch.device) -> TermSet:
    """One training object per soft, hard and adversarial term; monitors and objectives get none."""
    terms = TermSet()
    for term in requested:
        if term.mode not in LOWERED:
            continue
        if term.partition not in partitions:
            raise FairspecError(f"term {term.id}: no partition {term.partition!r} in the data")
        if term.family not in LOWERED[term.mode]:
            raise FairspecError(f"term {term.id}: the torch backend has no {term.mode} lowering "
                                f"for {term.metric} ({term.family})")
        labels = partitions[term.partition].labels
        weight = 1.0 if term.weight is None else float(term.weight)
        if term.mode == "soft":
            terms.soft.append(SoftTerm(term.id, term.expression, term.partition, labels, weight,
                                       term.options, device))
        elif term.mode == "hard":
            if term.op is None or term.bound is None:
                raise FairspecError(f"term {term.id}: a hard requirement needs a bound")
            terms.hard.append(LagrangianTerm(term.id, term.expression, term.partition, len(labels),
                                             term.op, float(term.bound), term.options, device))
        else:
            terms.adversarial.append(build_adversarial_term(
                term.id, term.expression, term.partition, weight, term.options, partitions,
                net.representation_size, bool(params.hidden), device))
    return terms


def hard_bounds(requested: tuple[Term, ...], train: Split) -> list[Bound]:
    return [Bound(t.id, t.expression, train.partitions[t.partition].codes,
                  len(train.partitions[t.partition].labels), t.op, float(t.bound))
            for t in requested if t.mode == "hard" and t.op is not None and t.bound is not None]


def validation_split(strata: np.ndarray, fraction: float,
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(fit rows, validation rows): `fraction` of every stratum, rounded down, held out."""
    n_rows = strata.shape[0]
    if fraction <= 0:
        return np.arange(n_rows), np.empty(0, dtype=np.int64)
    order = rng.permutation(n_rows)
    order = order[np.argsort(strata[order], kind="stable")]
    sizes = np.bincount(strata)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    rank = np.arange(n_rows) - starts[strata[order]]
    held = rank < np.floor(fraction * sizes[strata[order]])
    return np.sort(order[~held]), np.sort(order[held])


def _train(net: Predictor, data: TensorData, fit_rows: np.ndarray, valid_rows: np.ndarray,
           strata: np.ndarray, terms: TermSet, params: TrainingParams, rng: np.random.Generator,
           bounds: list[Bound], train: Split) -> TrainingRun:
    optimizer = torch.optim.Adam(net.parameters(), lr=params.lr, weight_decay=params.weight_decay,
                                 fused=True)
    stopper = EarlyStopping(data.batch(valid_rows), params.patience) if valid_rows.size else None
    averager = TailAverage(params.epochs - _averaged_epochs(params, terms))
    picker = HardPicker(bounds, train) if bounds else None
    log: list[str] = []
    epoch = 0
    for epoch in range(params.epochs):
        plan = stratified_batches(strata[fit_rows], params.batch_size, rng, MIN_PER_STRATUM)
        for step, batch in enumerate(data.batches(plan, fit_rows)):
            train_step(net, optimizer, batch, terms, epoch + step / len(plan))
        averager.add(net, epoch)
        if picker is not None:
            log.append(picker.consider(net.to_fitted(params.family), epoch + 1, terms))
        if stopper is not None and epoch + 1 >= terms.settled_after and stopper.stop(net, terms, epoch + 1):
            log.append(f"early stop after epoch {epoch + 1}: best validation epoch {stopper.best_epoch}")
            break
    if picker is not None:
        return picker.outcome(epoch + 1, log)
    chosen_epoch = epoch + 1
    if stopper is not None and stopper.best_state is not None:
        net.load_state_dict(stopper.best_state)
        chosen_epoch = stopper.best_epoch
    elif averager.count > 1:
        net.load_state_dict(averager.average())
        log.append(f"weights averaged over the last {averager.count} epochs")
    return TrainingRun(net.to_fitted(params.family), epoch + 1, chosen_epoch, log=log)


def _averaged_epochs(params: TrainingParams, terms: TermSet) -> int:
    """average_last, or by default the last quarter of the epochs when an adversary is trained."""
    if params.average_last is not None:
        return params.average_last
    return params.epochs // 4 if terms.adversarial else 0
