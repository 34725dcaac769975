"""A trained feed-forward network as plain numpy arrays, saved as one safetensors file.

The torch backend trains with torch but hands back a `NetworkModel` whose forward pass is numpy in
float64: prediction and loading need no torch, and the scores that the hard-mode threshold scan
checks are exactly the scores the pipeline later measures. Nothing in the saved file is executed
on load (no pickle): its header metadata names the layer sizes as JSON, its tensors are the arrays.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from safetensors import SafetensorError, safe_open
from safetensors.numpy import save_file

from fairspec.errors import FairspecError

FORMAT = "torch-safetensors"
_WEIGHTS_FILE = "model.safetensors"
_METADATA_KEY = "fairspec.architecture"     # header metadata: the architecture as JSON
_FORMAT_VERSION = 2                         # 1 kept the architecture in a model.json beside it


@dataclass(frozen=True)
class NetworkModel:
    """logit = W_L(relu(... relu(W_1 x + b_1) ...)) + b_L; predict is logit ≥ `threshold_logit`.

    `weights[i]` has shape (out, in) as in torch's `nn.Linear`; a logistic model has one layer.
    """

    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]
    family: str = "mlp"
    threshold_logit: float = 0.0
    format: str = FORMAT

    @property
    def n_features(self) -> int:
        return int(self.weights[0].shape[1])

    @property
    def hidden(self) -> tuple[int, ...]:
        return tuple(int(w.shape[0]) for w in self.weights[:-1])

    def representation(self, X: np.ndarray) -> np.ndarray:
        """Output of the last hidden layer (the inputs themselves for a model with no hidden layer)."""
        hidden = np.asarray(X, dtype=np.float64)
        for weight, bias in zip(self.weights[:-1], self.biases[:-1]):
            hidden = np.maximum(hidden @ weight.T.astype(np.float64) + bias.astype(np.float64), 0.0)
        return hidden

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """The logit of P(y=1), shape (n,)."""
        last_w, last_b = self.weights[-1].astype(np.float64), self.biases[-1].astype(np.float64)
        return (self.representation(X) @ last_w.T + last_b)[:, 0]

    def predict_score(self, X: np.ndarray) -> np.ndarray:
        return 0.5 * (1.0 + np.tanh(0.5 * self.decision_function(X)))   # sigmoid, no overflow

    def predict(self, X: np.ndarray) -> np.ndarray:
        return (self.decision_function(X) >= self.threshold_logit).astype(np.int64)

    def with_threshold(self, threshold_logit: float) -> "NetworkModel":
        return NetworkModel(self.weights, self.biases, self.family, float(threshold_logit))

    def save(self, directory: Path) -> Path:
        """Write `model.safetensors` into `directory` and return it: the arrays, and the
        architecture as JSON in the file's header metadata, so that one file (the one the manifest
        hashes and the ledger lists) holds the whole model."""
        path = Path(directory) / _WEIGHTS_FILE
        tensors = {}
        for i, (weight, bias) in enumerate(zip(self.weights, self.biases)):
            tensors[f"layers.{i}.weight"] = np.ascontiguousarray(weight, dtype=np.float32)
            tensors[f"layers.{i}.bias"] = np.ascontiguousarray(bias, dtype=np.float32)
        architecture = {"format": FORMAT, "format_version": _FORMAT_VERSION, "family": self.family,
                        "n_features": self.n_features, "hidden": list(self.hidden),
                        "activation": "relu", "threshold_logit": self.threshold_logit}
        save_file(tensors, str(path), metadata={_METADATA_KEY: json.dumps(architecture)})
        return path

    @classmethod
    def load(cls, path: Path) -> "NetworkModel":
        """Read a model saved by `save`; `path` is its file or the folder holding it."""
        path = Path(path)
        if path.is_dir():
            path = path / _WEIGHTS_FILE
        try:
            with safe_open(str(path), framework="numpy") as handle:
                metadata = handle.metadata() or {}
                tensors = {name: handle.get_tensor(name) for name in handle.keys()}
        except (OSError, SafetensorError) as exc:
            raise FairspecError(f"{path} is not a readable {FORMAT} file: {exc}") from None
        if _METADATA_KEY not in metadata:
            raise FairspecError(f"{path} holds no architecture: it was saved by a fairspec before "
                                f"format version {_FORMAT_VERSION}, or by another program",
                                hint="train the policy again to save the model in this format")
        try:
            architecture = json.loads(metadata[_METADATA_KEY])
            if architecture.get("format") != FORMAT or architecture.get("activation") != "relu":
                raise ValueError("not a ReLU network of this format")
            n_layers = len(architecture["hidden"]) + 1
            weights = tuple(tensors[f"layers.{i}.weight"] for i in range(n_layers))
            biases = tuple(tensors[f"layers.{i}.bias"] for i in range(n_layers))
            if weights[0].shape[1] != int(architecture["n_features"]):
                raise ValueError("the weights do not match the declared architecture")
            return cls(weights, biases, str(architecture["family"]),
                       float(architecture["threshold_logit"]))
        except (AttributeError, KeyError, TypeError, ValueError, IndexError) as exc:
            raise FairspecError(f"{path} is not a {FORMAT} model: {exc!r}") from None
