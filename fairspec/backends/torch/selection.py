"""Which weights a fit returns: the best validation epoch, a tail average, or a hard snapshot.

Plain and soft fits return the last weights, or the average of the last epochs' weights when an
adversary is trained, or with early stopping the best validation epoch's. A fit with hard terms
returns the most accurate (snapshot, threshold) pair that meets every bound on the training data.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np
import torch

from fairspec.backends.base import Conflict, InfeasibleError
from fairspec.backends.torch.fitted import NetworkModel
from fairspec.backends.torch.modules import Predictor
from fairspec.backends.torch.tensors import TensorBatch
from fairspec.backends.torch.thresholds import Bound, ScanResult, scan_thresholds
from fairspec.backends.torch.training import TermSet, validation_score
from fairspec.data.spec import Split


@dataclass
class TrainingRun:
    model: NetworkModel
    epochs_run: int
    chosen_epoch: int
    scan: ScanResult | None = None
    log: list[str] = field(default_factory=list)


class EarlyStopping:
    """Keeps the weights of the epoch with the lowest validation score; stops after `patience`."""

    def __init__(self, validation: TensorBatch, patience: int | None) -> None:
        self.validation, self.patience = validation, patience
        self.best_score, self.best_state, self.best_epoch, self.stale = np.inf, None, 0, 0

    def stop(self, net: Predictor, terms: TermSet, epoch: int) -> bool:
        score = validation_score(net, self.validation, terms)
        if score < self.best_score - 1e-6:
            self.best_score, self.best_state = score, copy.deepcopy(net.state_dict())
            self.best_epoch, self.stale = epoch, 0
        else:
            self.stale += 1
        return self.patience is not None and self.stale >= self.patience


class TailAverage:
    """The mean of the end-of-epoch weights from epoch `first` on (Polyak-style tail averaging).

    An adversarial game does not settle on a point; averaging the last epochs' weights returns the
    centre of the orbit instead of wherever the last step happened to land.
    """

    def __init__(self, first: int) -> None:
        self.first, self.count = first, 0
        self.total: dict[str, torch.Tensor] = {}

    def add(self, net: Predictor, epoch: int) -> None:
        if epoch < self.first:
            return
        for name, value in net.state_dict().items():
            self.total[name] = self.total.get(name, torch.zeros_like(value)) + value.detach()
        self.count += 1

    def average(self) -> dict[str, torch.Tensor]:
        return {name: value / self.count for name, value in self.total.items()}


class HardPicker:
    """Scans each epoch's snapshot over thresholds; keeps the most accurate feasible one."""

    def __init__(self, bounds: list[Bound], train: Split) -> None:
        self.bounds, self.train = bounds, train
        self.chosen: tuple[NetworkModel, ScanResult, int] | None = None
        self.closest: dict[str, float] = {}

    def consider(self, snapshot: NetworkModel, epoch: int, terms: TermSet) -> str:
        scan = scan_thresholds(snapshot.decision_function(self.train.X), self.train.y, self.bounds)
        self.closest = _closer(self.closest, scan.best_values, self.bounds)
        if scan.feasible and (self.chosen is None or scan.accuracy > self.chosen[1].accuracy):
            self.chosen = (snapshot.with_threshold(scan.threshold_logit), scan, epoch)
        multipliers = ", ".join(f"{h.term_id}={h.multiplier:.3f}" for h in terms.hard)
        found = f"{scan.accuracy:.4f}" if scan.feasible else "none"
        return f"epoch {epoch}: multipliers {multipliers}; best feasible threshold accuracy {found}"

    def outcome(self, epochs_run: int, log: list[str]) -> TrainingRun:
        return _hard_outcome(self.chosen, self.closest, self.bounds, epochs_run, log)


def _closer(closest: dict[str, float], values: dict[str, float], bounds: list[Bound]) -> dict[str, float]:
    """Keep, per term, the value nearest its bound's fair side seen so far."""
    merged = dict(closest)
    for bound in bounds:
        value, old = values[bound.term_id], merged.get(bound.term_id)
        better = old is None or (value < old if bound.op == "<=" else value > old)
        merged[bound.term_id] = value if better else old
    return merged


def _hard_outcome(chosen: tuple[NetworkModel, ScanResult, int] | None, closest: dict[str, float],
                  bounds: list[Bound], epochs_run: int, log: list[str]) -> TrainingRun:
    if chosen is None:
        conflicts = tuple(Conflict(b.term_id, b.bound, closest[b.term_id]) for b in bounds
                          if (closest[b.term_id] > b.bound if b.op == "<=" else closest[b.term_id] < b.bound))
        reached = "; ".join(f"{c.term_id}: best {c.best_value:.4f} vs bound {c.bound}" for c in conflicts)
        raise InfeasibleError(f"no trained snapshot and threshold met the hard requirements ({reached})",
                              conflicts or tuple(Conflict(b.term_id, b.bound, closest[b.term_id])
                                                 for b in bounds),
                              hint="loosen the bound, train longer, or use a soft requirement")
    model, scan, epoch = chosen
    log.append(f"chose epoch {epoch}, threshold logit {scan.threshold_logit:.4f}, "
               f"train accuracy {scan.accuracy:.4f}")
    return TrainingRun(model, epochs_run, epoch, scan, log)
