"""One optimisation step of the predictor under every enforced term, and the validation score.

Shared by the in-memory runner and the streaming runner: both cut batches and call `train_step`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from fairspec.backends.torch.adversary import AdversarialTerm
from fairspec.backends.torch.lagrangian import LagrangianTerm
from fairspec.backends.torch.modules import Predictor
from fairspec.backends.torch.soft import SoftTerm
from fairspec.backends.torch.tensors import TensorBatch


@dataclass
class TermSet:
    """The enforced terms of one fit, by how they act on the loss."""

    soft: list[SoftTerm] = field(default_factory=list)
    hard: list[LagrangianTerm] = field(default_factory=list)
    adversarial: list[AdversarialTerm] = field(default_factory=list)

    @property
    def partitions(self) -> list[str]:
        names = [t.partition for t in (*self.soft, *self.hard)]
        names += [head.partition for t in self.adversarial for head in t.head_specs]
        return list(dict.fromkeys(names))

    @property
    def clip(self) -> float | None:
        clips = [float(t.clip) for t in self.adversarial if t.clip]
        return min(clips) if clips else None

    @property
    def settled_after(self) -> float:
        return max((t.settled_after for t in self.adversarial), default=0.0)


def prediction_loss(logit: torch.Tensor, batch: TensorBatch) -> torch.Tensor:
    """Mean log-loss over the batch's primary rows (cycled copies of small strata excluded)."""
    weight = batch.primary.to(logit.dtype)
    per_row = F.binary_cross_entropy_with_logits(logit, batch.y, reduction="none")
    return (per_row * weight).sum() / weight.sum().clamp_min(1.0)


def train_step(net: Predictor, optimizer: torch.optim.Optimizer, batch: TensorBatch,
               terms: TermSet, progress_epochs: float) -> None:
    """One predictor step on loss + penalties − reversed adversary losses, with the adversaries' steps.

    Each adversary takes `steps − 1` separate steps first and its last one from the predictor's
    backward pass. With projection every adversary step is separate: the projected gradient is
    built for the predictor's parameters alone.
    """
    if not net.training:        # set once, not per step: train() walks every submodule
        net.train()
    logit, representation = net(batch.x)
    adversary_inputs = [t.inputs(logit, representation, batch.y) for t in terms.adversarial]
    projected = any(t.projection for t in terms.adversarial)
    for term, inputs in zip(terms.adversarial, adversary_inputs):
        term.train_heads(inputs, batch.codes, term.steps if projected else term.steps - 1)
    main = prediction_loss(logit, batch)
    for soft in terms.soft:
        main = main + soft.loss(logit, batch)
    for hard in terms.hard:
        main = main + hard.penalty(logit, batch)
    weights = [t.weight_at(progress_epochs) for t in terms.adversarial]
    optimizer.zero_grad(set_to_none=True)
    if projected:
        active = [(w, t, inputs) for w, t, inputs in zip(weights, terms.adversarial, adversary_inputs)
                  if w > 0]
        if active:
            adversary_loss = sum(w * t.loss(inputs, batch.codes) for w, t, inputs in active)
            _projected_backward(net, main, adversary_loss)
        else:
            main.backward()
    else:
        total = main
        for weight, term, inputs in zip(weights, terms.adversarial, adversary_inputs):
            total = total + term.shared_loss(inputs, batch.codes, weight)
        total.backward()
        for term in terms.adversarial:
            term.step_heads()
    if terms.clip:
        nn.utils.clip_grad_norm_(net.parameters(), terms.clip)
    optimizer.step()
    for hard in terms.hard:
        hard.update(logit, batch)


def _projected_backward(net: Predictor, main: torch.Tensor, adversary_loss: torch.Tensor) -> None:
    """Set grads to ∇main − proj_{∇adv} ∇main − ∇adv (Zhang, Lemoine & Mitchell 2018, eq. 1).

    `adversary_loss` already carries λ, so −∇adv is the reversed adversary gradient; removing the
    projection stops the predictor from moving in a direction that helps the adversary.
    """
    params = [p for p in net.parameters() if p.requires_grad]
    main_grads = torch.autograd.grad(main, params, retain_graph=True, allow_unused=True)
    adversary_grads = torch.autograd.grad(adversary_loss, params, allow_unused=True)
    flat_main = _flatten(main_grads, params)
    flat_adversary = _flatten(adversary_grads, params)
    unit = flat_adversary / flat_adversary.norm().clamp_min(1e-12)
    combined = flat_main - (flat_main @ unit) * unit - flat_adversary
    offset = 0
    for p in params:
        p.grad = combined[offset:offset + p.numel()].view_as(p).clone()
        offset += p.numel()


def _flatten(grads: tuple[torch.Tensor | None, ...], params: list[torch.Tensor]) -> torch.Tensor:
    return torch.cat([(g if g is not None else torch.zeros_like(p)).reshape(-1)
                      for g, p in zip(grads, params)])


@torch.no_grad()
def validation_score(net: Predictor, batch: TensorBatch, terms: TermSet) -> float:
    """Log-loss + soft penalties + λ·(information the adversaries extract) on held-out rows.

    The information is the adversary's cross-entropy deficit against guessing by group shares;
    this is the training objective at full λ, so early stopping compares like with like.
    """
    net.train(False)   # evaluation mode: no dropout
    logit, representation = net(batch.x)
    score = float(F.binary_cross_entropy_with_logits(logit, batch.y))
    score += sum(float(soft.loss(logit, batch)) for soft in terms.soft)
    for term in terms.adversarial:
        inputs = term.inputs(logit, representation, batch.y)
        leaked = term.prior_entropy(batch.codes) - float(term.loss(inputs, batch.codes))
        score += term.weight * max(0.0, leaked)
    return score
