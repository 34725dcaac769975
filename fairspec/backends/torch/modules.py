"""The predictor network trained by the torch backend: a logistic layer or a ReLU MLP."""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from fairspec.backends.torch.fitted import NetworkModel


class Predictor(nn.Module):
    """x -> (logit (n,), representation (n, h)); the representation is the last hidden layer.

    With no hidden layer (the logistic family) the representation is the input itself.
    """

    def __init__(self, n_features: int, hidden: Sequence[int] = (), dropout: float = 0.0) -> None:
        super().__init__()
        sizes = [n_features, *hidden]
        self.hidden_layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.output = nn.Linear(sizes[-1], 1)
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()

    @property
    def representation_size(self) -> int:
        return int(self.output.in_features)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        hidden = x
        for layer in self.hidden_layers:
            hidden = self.dropout(torch.relu(layer(hidden)))
        return self.output(hidden).squeeze(-1), hidden

    def to_fitted(self, family: str, threshold_logit: float = 0.0) -> NetworkModel:
        layers = [*self.hidden_layers, self.output]
        weights = tuple(layer.weight.detach().cpu().numpy().copy() for layer in layers)
        biases = tuple(layer.bias.detach().cpu().numpy().copy() for layer in layers)
        return NetworkModel(weights, biases, family, threshold_logit)
