"""The adversarial training step: heads' step counts, the shared backward pass, epoch batches."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from fairspec.backends.torch.adversary import build_adversarial_term
from fairspec.backends.torch.batches import stratified_batches
from fairspec.backends.torch.modules import Predictor
from fairspec.backends.torch.tensors import TensorData
from fairspec.backends.torch.training import TermSet, train_step
from fairspec.data.spec import Partition
from fairspec.metrics.catalog import metric

CPU = torch.device("cpu")


def _data(n: int = 200, seed: int = 0) -> TensorData:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    sex = rng.integers(0, 2, size=n)
    y = (X[:, 0] + sex + rng.normal(size=n) > 0.5).astype(np.int64)
    return TensorData.from_arrays(X, y, {"sex": sex}, CPU)


def _setup(weight: float, **options):
    torch.manual_seed(0)
    data = _data()
    partitions = {"sex": Partition("sex", ("f", "m"), data.codes["sex"].numpy())}
    net = Predictor(5, (8,))
    term = build_adversarial_term("dp", metric("demographic_parity").expression(), "sex", weight,
                                  options, partitions, net.representation_size, True, CPU)
    return data, net, TermSet(adversarial=[term]), term


@pytest.mark.parametrize("steps,projection", [(1, False), (2, False), (3, False), (2, True)])
def test_heads_take_steps_optimiser_steps_per_predictor_step(steps, projection):
    data, net, terms, term = _setup(2.0, steps=steps, projection=projection)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-2)
    for _ in range(4):
        train_step(net, optimizer, data.everything(), terms, progress_epochs=1.0)
    head_steps = {float(state["step"]) for state in term.optimizer.state.values()}
    predictor_steps = {float(state["step"]) for state in optimizer.state.values()}
    assert head_steps == {4.0 * steps} and predictor_steps == {4.0}


@pytest.mark.parametrize("weight", [0.0, 3.0])
def test_shared_backward_reverses_the_heads_gradient_into_the_predictor(weight):
    data, net, terms, term = _setup(weight, steps=1)
    batch = data.everything()
    # independent oracle: the predictor's gradient of log-loss − weight · head loss, and the heads'
    # gradient of their own loss, on copies taken before the step
    net_copy, heads_copy = copy.deepcopy(net), copy.deepcopy(term.heads)
    logit, _ = net_copy(batch.x)
    score = torch.sigmoid(logit)
    head_loss = F.cross_entropy(heads_copy[0](torch.stack([score, logit], dim=1)), batch.codes["sex"])
    main = F.binary_cross_entropy_with_logits(logit, batch.y)
    expected_net = torch.autograd.grad(main - weight * head_loss, list(net_copy.parameters()),
                                       retain_graph=True)
    expected_heads = torch.autograd.grad(head_loss, list(heads_copy.parameters()))

    frozen = torch.optim.SGD(net.parameters(), lr=0.0)     # keeps the weights, leaves the grads
    train_step(net, frozen, batch, terms, progress_epochs=1.0)
    for got, want in zip((p.grad for p in net.parameters()), expected_net):
        torch.testing.assert_close(got, want)
    for got, want in zip((p.grad for p in term.heads.parameters()), expected_heads):
        torch.testing.assert_close(got, want)


def test_epoch_batches_equal_batches_gathered_one_by_one():
    data = _data(n=1000, seed=3)
    strata = data.codes["sex"].numpy() * 2 + data.y.numpy().astype(np.int64)
    fit_rows = np.sort(np.random.default_rng(1).choice(1000, 700, replace=False))
    plan = stratified_batches(strata[fit_rows], 64, np.random.default_rng(2), min_per_stratum=2)
    cut = data.batches(plan, fit_rows)
    assert len(cut) == len(plan)
    for batch, planned in zip(cut, plan):
        alone = data.batch(fit_rows[planned.rows], planned.primary)
        assert torch.equal(batch.x, alone.x) and torch.equal(batch.y, alone.y)
        assert torch.equal(batch.primary, alone.primary)
        assert torch.equal(batch.codes["sex"], alone.codes["sex"])
