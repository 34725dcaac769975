"""Training data as device tensors, and the mini-batches cut from it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


@dataclass(frozen=True)
class TensorBatch:
    """Rows of one step: inputs, labels (float 0/1), group codes per partition, primary-row mask."""

    x: torch.Tensor
    y: torch.Tensor
    codes: dict[str, torch.Tensor]
    primary: torch.Tensor


@dataclass(frozen=True)
class TensorData:
    """A whole in-memory training set on the training device (float32 inputs)."""

    x: torch.Tensor
    y: torch.Tensor
    codes: dict[str, torch.Tensor]

    @classmethod
    def from_arrays(cls, X: np.ndarray, y: np.ndarray, codes: dict[str, np.ndarray],
                    device: torch.device) -> "TensorData":
        return cls(torch.as_tensor(np.asarray(X, dtype=np.float32), device=device),
                   torch.as_tensor(np.asarray(y, dtype=np.float32), device=device),
                   {name: torch.as_tensor(np.asarray(c, dtype=np.int64), device=device)
                    for name, c in codes.items()})

    @property
    def n_rows(self) -> int:
        return int(self.x.shape[0])

    def batch(self, rows: np.ndarray, primary: np.ndarray | None = None) -> TensorBatch:
        index = torch.as_tensor(rows, device=self.x.device)
        mask = (torch.ones(len(rows), dtype=torch.bool, device=self.x.device) if primary is None
                else torch.as_tensor(primary, device=self.x.device))
        return TensorBatch(self.x[index], self.y[index],
                           {name: c[index] for name, c in self.codes.items()}, mask)

    def everything(self) -> TensorBatch:
        return TensorBatch(self.x, self.y, self.codes,
                           torch.ones(self.n_rows, dtype=torch.bool, device=self.x.device))
