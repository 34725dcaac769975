"""The torch backend: registers itself, its lowerings and its model format; imports torch lazily.

Importing this package costs no torch import, so the CLI starts fast and fairspec runs where
torch (an optional extra) is absent; `TorchBackend.fit` imports the training code on first use.
Saved models are one safetensors file (the arrays, and the architecture as JSON in its header),
readable without torch.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Mapping

from fairspec.backends.base import (FitRequest, FitResult, Lowering, register_backend,
                                    register_loader, register_lowering)
from fairspec.backends.torch.fitted import FORMAT, NetworkModel
from fairspec.data.spec import Split

if TYPE_CHECKING:                      # pyarrow is only needed once a stream is read
    from fairspec.data.streaming import ArrayBatch

NAME = "torch"


class TorchBackend:
    """Trains `logistic` and `mlp` models with torch under soft, hard and adversarial terms."""

    name = NAME

    def fit(self, request: FitRequest, train: Split) -> FitResult:
        from fairspec.backends.torch.runner import fit

        return fit(request, train)


def _load(path: Path) -> NetworkModel:
    return NetworkModel.load(path)


_LOWERINGS = (
    ("soft", "rate_gap", "sigmoid-penalty",
     "adds λ·(the metric on sigmoid-smoothed group rates of each stratified batch) to the loss"),
    ("soft", "rate_ratio", "sigmoid-penalty",
     "adds λ·(1 − the ratio of sigmoid-smoothed group rates) to the loss"),
    ("soft", "group_loss", "sigmoid-penalty",
     "adds λ·(the worst group's mean log-loss on each batch) to the loss"),
    ("hard", "rate_gap", "proxy-lagrangian",
     "the multiplier reacts to counted 0/1 rates, the model to smoothed ones; the most accurate "
     "snapshot and threshold that meet the bound exactly on the training data is returned"),
    ("hard", "rate_ratio", "proxy-lagrangian",
     "as for gaps, with 1 − ratio as the smoothed term; the returned model is checked exactly"),
    ("hard", "group_loss", "proxy-lagrangian",
     "a multiplier on the worst group's log-loss; the returned model is checked exactly"),
    ("adversarial", "rate_gap", "gradient-reversal",
     "adversary heads recover the attribute from the logit (with the label for conditional "
     "rates) or a hidden layer; the predictor gets their reversed gradient after a warm-up"),
    ("adversarial", "rate_ratio", "gradient-reversal",
     "adversary heads recover the attribute from the logit; the predictor gets their reversed gradient"),
)

for _mode, _family, _method, _description in _LOWERINGS:
    register_lowering(Lowering(NAME, _mode, _family, _method, _description))  # type: ignore[arg-type]
for _family in ("rate_gap", "rate_ratio", "group_loss"):
    register_lowering(Lowering(NAME, "monitor", _family, "measured",  # type: ignore[arg-type]
                               "counted on the 0/1 predictions after training; not enforced"))
register_backend(NAME, TorchBackend)
register_loader(FORMAT, _load)


def fit_stream(request: FitRequest, batches: Callable[[], Iterable[ArrayBatch]],
               partitions: Mapping[str, tuple[str, ...]]) -> FitResult:
    """Train from batches streamed off disk (memory ∝ one batch); see `streamed.fit_stream`."""
    from fairspec.backends.torch.streamed import fit_stream as run

    return run(request, batches, partitions)
