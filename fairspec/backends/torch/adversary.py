"""Adversarial requirements: heads that recover a protected attribute, trained against the predictor.

Each adversarial term owns one or more heads (one over the cells of its partition, or one per
attribute of an intersection) fed by the predictor's logit (demographic parity), the logit and
the label (equalized odds; Zhang, Lemoine & Mitchell 2018), or the last hidden layer. The heads
take `steps` steps of their own optimiser per predictor step: all but the last on detached
inputs, the last from the predictor's own backward pass, which reaches the predictor through a
gradient-reversal layer (Ganin & Lempitsky 2015) scaled by a weight that is 0 during the warm-up
and then ramps linearly to λ (with `projection`, every step is on detached inputs). Sharing that
pass saves the heads one forward and one backward per predictor step; the heads' optimiser is
fused Adam, one kernel per step for all their tensors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from fairspec.data.spec import Partition
from fairspec.errors import FairspecError
from fairspec.metrics.expressions import Expr, leaves

SOURCES = ("logit", "logit_label", "representation")
_SMALL_CELL = "(small)"


class _ReverseGradient(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, inputs: torch.Tensor, scale: float) -> torch.Tensor:
        ctx.scale = scale
        return inputs.view_as(inputs)

    @staticmethod
    def backward(ctx: Any, grad_output: torch.Tensor) -> tuple[torch.Tensor, None]:
        return -ctx.scale * grad_output, None


def reverse_gradient(inputs: torch.Tensor, scale: float) -> torch.Tensor:
    """Identity forward; the gradient flowing back is multiplied by −scale."""
    return _ReverseGradient.apply(inputs, scale)


def scheduled_weight(progress_epochs: float, weight: float, warmup: float, ramp: float) -> float:
    """λ at a point of training (in epochs): 0 before `warmup`, then linear up to λ over `ramp`."""
    if progress_epochs < warmup:
        return 0.0
    if ramp <= 0:
        return weight
    return weight * min(1.0, (progress_epochs - warmup) / ramp)


def default_source(expr: Expr) -> str:
    """logit for a rate over all rows of a group; logit_label when the rate conditions on y."""
    label_bound = any(leaf.given in ("label_positive", "label_negative")
                      or leaf.event in ("error", "correct") for leaf in leaves(expr))
    return "logit_label" if label_bound else "logit"


def component_attributes(partitions: Mapping[str, Partition], name: str) -> list[str]:
    """The attribute partitions an intersection is the product of (found from the codes alone).

    An attribute is a component when every cell of the intersection (other than a merged small
    cell) lies inside one of its groups. A partition that is not an intersection is its own component.
    """
    target = partitions[name]
    if target.kind != "intersection" or target.codes.size == 0:
        return [name]
    small = [i for i, label in enumerate(target.labels) if label == _SMALL_CELL]
    rows = (target.codes >= 0) & ~np.isin(target.codes, small)
    found = []
    for other_name, other in partitions.items():
        if other.kind != "attribute" or len(other.labels) < 2:
            continue
        pairs = np.unique(np.stack([target.codes[rows], other.codes[rows]]), axis=1)
        if pairs.shape[1] == np.unique(target.codes[rows]).shape[0]:
            found.append(other_name)
    return found or [name]


@dataclass(frozen=True)
class HeadSpec:
    partition: str
    n_classes: int
    class_weights: torch.Tensor | None


class AdversaryHead(nn.Module):
    """A small MLP from the adversary's inputs to logits over the groups of one partition."""

    def __init__(self, n_inputs: int, n_classes: int, hidden: int = 16) -> None:
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(n_inputs, hidden), nn.ReLU(), nn.Linear(hidden, n_classes))

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.layers(inputs)


class AdversarialTerm:
    """One adversarial requirement: its heads, their optimiser and its λ schedule."""

    def __init__(self, term_id: str, heads: list[HeadSpec], source: str, n_inputs: int,
                 options: Mapping[str, Any], weight: float, device: torch.device) -> None:
        self.term_id, self.head_specs, self.source, self.weight = term_id, heads, source, weight
        self.warmup = float(options.get("warmup", 0))
        self.ramp = float(options.get("ramp", 0))
        self.steps = int(options.get("steps", 1))
        self.clip = options.get("clip")
        self.projection = bool(options.get("projection", False))
        self.heads = nn.ModuleList(AdversaryHead(n_inputs, h.n_classes) for h in heads).to(device)
        self.optimizer = torch.optim.Adam(self.heads.parameters(),
                                          lr=float(options.get("adversary_lr", 1e-3)), fused=True)

    def weight_at(self, progress_epochs: float) -> float:
        return scheduled_weight(progress_epochs, self.weight, self.warmup, self.ramp)

    @property
    def settled_after(self) -> float:
        """Epochs after which λ is at its full value (early stopping compares from here on)."""
        return self.warmup + self.ramp

    def inputs(self, logit: torch.Tensor, representation: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if self.source == "representation":
            return representation
        score = torch.sigmoid(logit)
        if self.source == "logit_label":
            return torch.stack([score, logit, y, score * y], dim=1)
        return torch.stack([score, logit], dim=1)

    def loss(self, inputs: torch.Tensor, codes: Mapping[str, torch.Tensor]) -> torch.Tensor:
        """Cross-entropy of every head on its partition (rows with code -1 ignored), summed."""
        total = inputs.new_zeros(())
        for head, spec in zip(self.heads, self.head_specs):
            target = codes[spec.partition]
            if bool((target >= 0).any()):
                total = total + F.cross_entropy(head(inputs), target, weight=spec.class_weights,
                                                ignore_index=-1)
        return total

    def train_heads(self, inputs: torch.Tensor, codes: Mapping[str, torch.Tensor], steps: int) -> None:
        """`steps` optimiser steps of the heads on detached predictor outputs."""
        inputs = inputs.detach()
        for _ in range(steps):
            self.optimizer.zero_grad(set_to_none=True)
            loss = self.loss(inputs, codes)
            if not loss.requires_grad:
                return
            loss.backward()
            self.step_heads()

    def shared_loss(self, inputs: torch.Tensor, codes: Mapping[str, torch.Tensor],
                    weight: float) -> torch.Tensor:
        """The heads' loss for the predictor's backward pass, with the heads' gradients cleared.

        Backpropagated, it gives the heads their own gradient and the predictor −weight times it
        (nothing at weight 0); `step_heads` then applies the heads' share.
        """
        self.optimizer.zero_grad(set_to_none=True)
        reversed_inputs = reverse_gradient(inputs, weight) if weight > 0 else inputs.detach()
        return self.loss(reversed_inputs, codes)

    def step_heads(self) -> None:
        """One optimiser step of the heads on the gradients they hold (clipped if asked)."""
        if self.clip:
            nn.utils.clip_grad_norm_(self.heads.parameters(), float(self.clip))
        self.optimizer.step()

    def prior_entropy(self, codes: Mapping[str, torch.Tensor]) -> float:
        """Cross-entropy of guessing each group by its share: what a head that learns nothing scores."""
        total = 0.0
        for spec in self.head_specs:
            valid = codes[spec.partition][codes[spec.partition] >= 0]
            share = torch.bincount(valid, minlength=spec.n_classes).double() / max(len(valid), 1)
            share = share[share > 0]
            total += float(-(share * share.log()).sum())
        return total


def build_adversarial_term(term_id: str, expr: Expr, partition: str, weight: float,
                           options: Mapping[str, Any], partitions: Mapping[str, Partition],
                           representation_size: int, has_hidden: bool,
                           device: torch.device) -> AdversarialTerm:
    """Read a term's options into heads, source and schedule; reject what cannot be honoured."""
    source = str(options.get("source", default_source(expr)))
    if source not in SOURCES:
        raise FairspecError(f"adversarial source {source!r} is not one of {', '.join(SOURCES)}")
    if source == "representation" and not has_hidden:
        raise FairspecError("an adversary on the representation needs an mlp with hidden layers",
                            hint="use source \"logit\" for a logistic model")
    heads_mode = str(options.get("heads", "per_cell"))
    if heads_mode not in ("per_cell", "per_attribute"):
        raise FairspecError(f"adversarial heads {heads_mode!r}: use per_cell or per_attribute")
    names = (list(options.get("attributes") or component_attributes(partitions, partition))
             if heads_mode == "per_attribute" else [partition])
    weights = dict(options.get("group_weights") or {})
    heads = [HeadSpec(name, len(partitions[name].labels),
                      _class_weights(partitions[name].labels, weights, device)) for name in names]
    n_inputs = {"logit": 2, "logit_label": 4, "representation": representation_size}[source]
    return AdversarialTerm(term_id, heads, source, n_inputs, options, weight, device)


def _class_weights(labels: tuple[str, ...], weights: Mapping[str, float],
                   device: torch.device) -> torch.Tensor | None:
    if not any(label in weights for label in labels):
        return None
    return torch.tensor([float(weights.get(label, 1.0)) for label in labels], device=device)
