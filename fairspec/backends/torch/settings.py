"""Training parameters read from the policy's model block, the device, and the seeded torch state."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Iterator

import torch

from fairspec.backends.base import ModelSpec
from fairspec.errors import FairspecError

_KNOWN = {"hidden", "dropout", "epochs", "batch_size", "lr", "device", "patience", "weight_decay",
          "threads", "validation_fraction", "average_last"}

_CASTS = {"dropout": float, "epochs": int, "batch_size": int, "lr": float, "device": str,
          "patience": lambda v: None if v is None else int(v), "weight_decay": float,
          "threads": lambda v: None if v is None else int(v), "validation_fraction": float,
          "average_last": lambda v: None if v is None else int(v)}


@dataclass(frozen=True)
class TrainingParams:
    """hidden: layer widths (empty for logistic); patience: epochs without a better validation
    score before stopping (None: no early stopping, no validation slice); threads: torch CPU
    threads during the fit (1 by default: the small matrices of a mini-batch gain nothing from
    intra-op threads, which spin on a busy machine; None leaves torch's setting); average_last:
    epochs whose end weights are averaged into the returned model (None: the last quarter when an
    adversary is trained, else none)."""

    family: str
    hidden: tuple[int, ...] = (64, 32)
    dropout: float = 0.0
    epochs: int = 20
    batch_size: int = 256
    lr: float = 1e-3
    device: str = "auto"
    patience: int | None = None
    weight_decay: float = 0.0
    threads: int | None = 1
    validation_fraction: float = 0.1
    average_last: int | None = None

    @classmethod
    def from_spec(cls, spec: ModelSpec) -> "TrainingParams":
        if spec.family not in ("logistic", "mlp"):
            raise FairspecError(f"the torch backend trains logistic and mlp models, not {spec.family!r}")
        unknown = set(spec.params) - _KNOWN - {"l2"}
        if unknown:
            raise FairspecError(f"unknown torch model parameter(s): {', '.join(sorted(unknown))}",
                                hint=f"known: {', '.join(sorted(_KNOWN))}")
        params = {k: _CASTS.get(k, lambda v: v)(v) for k, v in spec.params.items() if k in _KNOWN}
        if "l2" in spec.params and "weight_decay" not in params:
            params["weight_decay"] = float(spec.params["l2"])
        hidden = () if spec.family == "logistic" else tuple(int(h) for h in params.pop("hidden", (64, 32)))
        params.pop("hidden", None)
        if params.get("device", "auto") not in ("auto", "cpu", "cuda"):
            raise FairspecError(f"device {params['device']!r}: use auto, cpu or cuda")
        return cls(family=spec.family, hidden=hidden, **params)


def resolve_device(requested: str) -> torch.device:
    """auto: CUDA when present, else CPU; cuda without a GPU is an error, not a silent fallback."""
    if requested == "cuda" and not torch.cuda.is_available():
        raise FairspecError("device cuda was requested but torch sees no CUDA device")
    if requested == "cpu" or not torch.cuda.is_available():
        return torch.device("cpu")
    return torch.device("cuda")


@contextlib.contextmanager
def seeded_torch(seed: int, threads: int | None, device: torch.device) -> Iterator[None]:
    """Seed torch's generators for the fit and restore the caller's RNG state and threads after."""
    previous_threads = torch.get_num_threads()
    cuda_devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=cuda_devices):
        torch.manual_seed(seed)
        if threads:
            torch.set_num_threads(threads)
        try:
            yield
        finally:
            torch.set_num_threads(previous_threads)
