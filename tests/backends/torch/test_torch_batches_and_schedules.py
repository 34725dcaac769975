"""Stratified batches, λ schedules, gradient reversal and intersection components."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from fairspec.backends.torch.adversary import (component_attributes, reverse_gradient,
                                               scheduled_weight)
from fairspec.backends.torch.batches import strata_of, stratified_batches


def test_every_batch_holds_every_stratum_and_primary_rows_appear_once():
    rng = np.random.default_rng(0)
    groups = rng.choice(4, size=5000, p=[0.7, 0.25, 0.045, 0.005])   # the last: ~25 rows
    labels = rng.integers(0, 2, size=5000)
    strata = strata_of([groups, labels], 5000)
    plan = stratified_batches(strata, 128, np.random.default_rng(1), min_per_stratum=2)
    for batch in plan:
        assert set(np.unique(strata[batch.rows])) == set(np.unique(strata))
        assert np.bincount(strata[batch.rows]).min() >= 2
    primary = np.concatenate([b.rows[b.primary] for b in plan])
    assert np.array_equal(np.sort(primary), np.arange(5000))


def test_batches_keep_proportions_of_large_strata():
    strata = np.repeat([0, 1], [3000, 1000])
    plan = stratified_batches(strata, 100, np.random.default_rng(0))
    shares = [np.mean(strata[b.rows] == 1) for b in plan]
    assert min(shares) == pytest.approx(0.25, abs=0.02) and max(shares) == pytest.approx(0.25, abs=0.02)


def test_strata_keep_left_out_rows_apart():
    strata = strata_of([np.array([0, 0, -1, 1])], 4)
    assert len(set(strata.tolist())) == 3


@pytest.mark.parametrize("progress,expected", [(0.0, 0.0), (1.99, 0.0), (2.0, 0.0), (3.0, 2.0),
                                               (4.0, 4.0), (9.0, 4.0)])
def test_warmup_then_linear_ramp(progress, expected):
    assert scheduled_weight(progress, 4.0, warmup=2, ramp=2) == pytest.approx(expected)


def test_no_ramp_means_full_weight_after_warmup():
    assert scheduled_weight(1.0, 3.0, warmup=1, ramp=0) == 3.0


def test_gradient_reversal_flips_and_scales_the_gradient():
    x = torch.tensor([1.0, -2.0], requires_grad=True)
    (reverse_gradient(x, 2.5) * torch.tensor([3.0, 4.0])).sum().backward()
    assert torch.equal(x.grad, torch.tensor([-7.5, -10.0]))
    assert torch.equal(reverse_gradient(x, 2.5), x)


def test_intersection_components_found_from_codes(small_split):
    assert component_attributes(small_split.partitions, "sex_race") == ["sex", "race"]
    assert component_attributes(small_split.partitions, "sex") == ["sex"]
