"""Train a torch model from batches streamed off disk, in memory proportional to one batch.

Each epoch re-reads the source through `batches()`; every record batch becomes device tensors,
is cut into group-stratified mini-batches and dropped. Soft and adversarial terms work as in
memory; hard terms need a scan over the whole training set and are refused here. After training
one more pass counts every measurable term's exact value, accumulating per-group sums.
"""

from __future__ import annotations

import time
from typing import Callable, Iterable, Mapping

import numpy as np
import torch

from fairspec.backends.base import FitRequest, FitResult, Term, TermReport
from fairspec.backends.torch.batches import strata_of, stratified_batches
from fairspec.backends.torch.fitted import NetworkModel
from fairspec.backends.torch.modules import Predictor
from fairspec.backends.torch.relaxations import expression_value, group_bins, leaf_sums, rates_from_sums
from fairspec.backends.torch.reports import MEASURABLE
from fairspec.backends.torch.runner import MIN_PER_STRATUM, build_terms
from fairspec.backends.torch.settings import TrainingParams, resolve_device, seeded_torch
from fairspec.backends.torch.tensors import TensorData
from fairspec.backends.torch.training import TermSet, train_step
from fairspec.data.spec import Partition
from fairspec.data.streaming import ArrayBatch
from fairspec.errors import FairspecError
from fairspec.metrics.expressions import leaves

Source = Callable[[], Iterable[ArrayBatch]]


def fit_stream(request: FitRequest, batches: Source,
               partitions: Mapping[str, tuple[str, ...]]) -> FitResult:
    """Fit on every batch `batches()` yields, once per epoch; `partitions` maps names to labels."""
    started = time.perf_counter()
    if any(term.mode == "hard" for term in request.terms):
        raise FairspecError("hard requirements need the training data in memory",
                            hint="train in memory, or make the requirement soft for a streamed fit")
    params = TrainingParams.from_spec(request.model)
    device = resolve_device(params.device)
    empty = {name: Partition(name, tuple(labels), np.empty(0, dtype=np.int64))
             for name, labels in partitions.items()}
    with seeded_torch(request.seed, params.threads, device):
        net: Predictor | None = None
        terms = TermSet()
        rng = np.random.default_rng(request.seed)
        rows_per_epoch = 0
        for epoch in range(params.epochs):
            rows_done = 0
            for chunk in batches():
                if net is None:
                    net = Predictor(chunk.X.shape[1], params.hidden, params.dropout).to(device)
                    terms = build_terms(request.terms, empty, net, params, device)
                    optimizer = torch.optim.Adam(net.parameters(), lr=params.lr,
                                                 weight_decay=params.weight_decay, fused=True)
                progress = epoch + (rows_done / rows_per_epoch if rows_per_epoch else 0.0)
                _train_chunk(net, optimizer, chunk, terms, params, rng, progress,
                             chunk.X.shape[0] / max(rows_per_epoch, 1) if rows_per_epoch else 0.0)
                rows_done += chunk.X.shape[0]
            rows_per_epoch = rows_done
        if net is None:
            raise FairspecError("the streamed training data holds no rows")
        model = net.to_fitted(params.family)
    values = measure_stream(request, model, batches, partitions)
    reports = tuple(_report(term, values.get(term.id)) for term in request.terms)
    return FitResult(model, reports, backend="torch",
                     solver=f"torch {torch.__version__} Adam on {device.type}, streamed",
                     seconds=time.perf_counter() - started,
                     log=(f"{params.epochs} epochs of {rows_per_epoch} streamed rows",))


def _train_chunk(net: Predictor, optimizer: torch.optim.Optimizer, chunk: ArrayBatch,
                 terms: TermSet, params: TrainingParams, rng: np.random.Generator,
                 progress: float, chunk_epochs: float) -> None:
    device = next(net.parameters()).device
    codes = {name: chunk.codes[name] for name in terms.partitions}
    data = TensorData.from_arrays(chunk.X, chunk.y, codes, device)
    strata = strata_of([*codes.values(), chunk.y], data.n_rows)
    plan = stratified_batches(strata, params.batch_size, rng, MIN_PER_STRATUM)
    for step, batch in enumerate(data.batches(plan)):
        train_step(net, optimizer, batch, terms, progress + chunk_epochs * step / len(plan))


def measure_stream(request: FitRequest, model: NetworkModel, batches: Source,
                   partitions: Mapping[str, tuple[str, ...]]) -> dict[str, float]:
    """Exact training values of the measurable terms, from per-group sums over one pass."""
    measured = [t for t in request.terms if t.family in MEASURABLE and t.partition in partitions]
    sums: dict[tuple[str, object], tuple[torch.Tensor, torch.Tensor]] = {}
    for chunk in batches():
        logit = torch.from_numpy(model.decision_function(chunk.X))
        selection = (logit >= model.threshold_logit).double()
        y = torch.from_numpy(chunk.y.astype(np.float64))
        for term in measured:
            n_groups = len(partitions[term.partition])
            bins = group_bins(torch.from_numpy(chunk.codes[term.partition]), n_groups)
            for leaf in leaves(term.expression):
                numer, denom = leaf_sums(leaf, selection, logit, y, bins, n_groups)
                old = sums.get((term.id, leaf))
                sums[(term.id, leaf)] = (numer, denom) if old is None else (old[0] + numer, old[1] + denom)
    return {term.id: float(expression_value(term.expression, {
        leaf: rates_from_sums(*sums[(term.id, leaf)]) for leaf in leaves(term.expression)}))
        for term in measured}


def _report(term: Term, value: float | None) -> TermReport:
    detail = "not measured by the torch backend" if value is None else f"train value {value:.4f} (streamed)"
    lowering = {"soft": "sigmoid-penalty", "adversarial": "gradient-reversal"}.get(term.mode, "measured")
    status = "enforced" if term.mode in ("soft", "adversarial") else "not_enforced"
    multiplier = term.weight if term.mode in ("soft", "adversarial") else None
    return TermReport(term.id, lowering, status, multiplier, detail=detail)
