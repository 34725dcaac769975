"""Ray runs the same points as the local executor and gives the same frontier."""

from __future__ import annotations

import numpy as np
import pytest

from fairspec.frontier import run_frontier


@pytest.mark.slow
def test_ray_gives_the_local_frontier(small, tmp_path):
    ray = pytest.importorskip("ray", reason="pip install ray (the fairspec[ray] extra)")
    _, program, data = small
    local = run_frontier(program, data, out=tmp_path / "local")
    ray.init(num_cpus=2, include_dashboard=False)
    try:
        remote = run_frontier(program, data, out=tmp_path / "ray", executor="ray")
    finally:
        ray.shutdown()
    assert local.pareto == remote.pareto and local.chosen == remote.chosen
    for a, b in zip(local.points, remote.points):
        assert a.values("train") == b.values("train") and a.values("holdout") == b.values("holdout")
        assert np.array_equal(local.model(a.index).coef, remote.model(b.index).coef)
