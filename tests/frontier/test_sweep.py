"""Frontier sweeps on small data: ε bounds hold on train, resume, parallel = serial, 3 goals."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from fairspec.frontier import run_frontier
import fairspec.frontier.sweep as sweep
from fairspec.frontier.axes import measure_split
from fairspec.frontier.pareto import nondominated
from fairspec.frontier.plot import plot_frontier
from fairspec.frontier.points import point_dir
from tests.frontier.conftest import THREE_GOALS, compiled, write_policy


def test_epsilon_points_meet_their_bounds_on_train(small, tmp_path):
    _, program, data = small
    frontier = run_frontier(program, data, out=tmp_path)
    bounded = [p for p in frontier.points if p.plan.bounds]
    assert len(frontier.points) == 6 and len(bounded) == 5
    for point in bounded:
        assert point.ok and point.meets_bounds
        bound = point.plan.bounds[0]
        # measured again from the saved model, independently of the sweep's own numbers
        remeasured = measure_split(frontier.axes, frontier.model(point.index), data.train, program.task)
        assert remeasured.values[bound.axis] <= bound.value + 1e-12
    tightest = min(p.plan.bounds[0].value for p in bounded)
    assert tightest == pytest.approx(frontier.points[0].values("train")["demographic_parity(sex)"] / 6 ** 2)


def test_pareto_set_and_choice_follow_their_definitions(small, tmp_path):
    _, program, data = small
    frontier = run_frontier(program, data, out=tmp_path)
    costs = np.array([[a.cost(p.values("train")[a.key]) for a in frontier.axes] for p in frontier.points])
    assert frontier.pareto["train"] == tuple(np.flatnonzero(nondominated(costs)))
    eligible = [i for i in frontier.pareto["train"]
                if frontier.point(i).values("train")["demographic_parity(sex)"] <= 0.1]
    best = max(eligible, key=lambda i: frontier.point(i).values("train")["accuracy"])
    assert frontier.chosen == best


def test_interrupted_sweep_resumes_without_refitting(small, tmp_path):
    _, program, data = small
    seen: list[int] = []

    def stop_after_three(point):
        seen.append(point.index)
        if len(seen) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_frontier(program, data, out=tmp_path, progress=stop_after_three)
    refitted: list[int] = []
    resumed = run_frontier(program, data, out=tmp_path, progress=lambda p: refitted.append(p.index))
    assert sorted(refitted) == [i for i in range(6) if i not in seen]
    fresh = run_frontier(program, data, out=tmp_path / "fresh")
    assert [p.values("train") for p in resumed.points] == [p.values("train") for p in fresh.points]


def test_parallel_workers_give_the_serial_frontier(small, tmp_path):
    _, program, data = small
    serial = run_frontier(program, data, out=tmp_path / "serial", jobs=1)
    parallel = run_frontier(program, data, out=tmp_path / "parallel", jobs=2)
    assert serial.to_json()["pareto"] == parallel.to_json()["pareto"]
    for a, b in zip(serial.points, parallel.points):
        assert a.values("train") == b.values("train") and a.values("holdout") == b.values("holdout")
        assert np.array_equal(serial.model(a.index).coef, parallel.model(b.index).coef)


def test_three_goals_sweep_a_grid_and_plot_every_pair(tmp_path):
    program, data = compiled(write_policy(tmp_path / "three", goals=THREE_GOALS, points=4))
    frontier = run_frontier(program, data, out=tmp_path / "runs")
    assert len(frontier.points) == 4                  # 2 levels per group goal: a 2 × 2 grid
    assert {len(p.plan.bounds) for p in frontier.points} == {0, 1, 2}
    assert all(p.meets_bounds is not False for p in frontier.points)
    assert frontier.hypervolume["train"] > 0
    png, svg = plot_frontier(frontier, tmp_path)
    assert png.stat().st_size > 0 and svg.read_text().count("<svg") == 1
    assert "demographic_parity(race)" in svg.read_text()


def test_weighted_sum_normalises_weights_by_the_objective_ranges(tmp_path):
    program, data = compiled(write_policy(tmp_path / "ws", method="weighted_sum", points=4,
                                          model="l2 = 0.001 epochs = 40 lr = 0.05 batch_size = 128"))
    frontier = run_frontier(program, data, out=tmp_path / "runs")
    assert frontier.backend == "torch" and "torch backend trains the same logistic" in frontier.notes[0]
    anchor = frontier.points[0].train
    base = float(np.mean(data.train.y))
    entropy = -(base * np.log(base) + (1 - base) * np.log(1 - base))
    loss_range = entropy - anchor.performance["log_loss"]
    gap_range = anchor.values["demographic_parity(sex)"]
    for point in frontier.points[1:]:
        share = dict(point.plan.weights)["demographic_parity(sex)"]
        expected = share / (1 - share) * loss_range / gap_range
        assert dict(point.plan.penalties)["demographic_parity(sex)"] == pytest.approx(expected)
    gaps = [p.values("train")["demographic_parity(sex)"] for p in frontier.points]
    assert gaps[-1] < gaps[0]                            # the heaviest fairness weight lowers the gap


def test_a_twenty_point_sweep_fits_its_bounds_in_one_warm_chain(tmp_path, monkeypatch):
    """Each chain's head is a cold search: a default-size sweep pays for one, not two."""
    program, data = compiled(write_policy(tmp_path, points=20))
    lengths = []

    def recording(chains, *args, **kwargs):
        chains = list(chains)
        lengths.append([len(c.tasks) for c in chains])
        return run_chains(chains, *args, **kwargs)

    run_chains = sweep.run_chains
    monkeypatch.setattr(sweep, "run_chains", recording)
    frontier = run_frontier(program, data, out=tmp_path / "runs")
    assert lengths == [[1], [19]]                      # the anchor, then every ε point in order
    assert all(p.meets_bounds for p in frontier.points if p.plan.bounds)


def test_chains_in_two_workers_and_a_resumed_chain_give_the_serial_points(tmp_path, monkeypatch):
    monkeypatch.setattr(sweep, "CHAIN_POINTS", 10)     # chains are cut in this process
    program, data = compiled(write_policy(tmp_path / "long", points=13))     # 12 ε points: 2 chains
    serial = run_frontier(program, data, out=tmp_path / "serial", jobs=1)
    parallel = run_frontier(program, data, out=tmp_path / "parallel", jobs=2)
    for index in (3, 11):                   # a point inside each chain, refitted after its head
        shutil.rmtree(point_dir(serial.points_dir, index))
    resumed = run_frontier(program, data, out=tmp_path / "serial", jobs=1)
    assert all(p.meets_bounds for p in serial.points if p.plan.bounds)
    for a, b, c in zip(serial.points, parallel.points, resumed.points):
        assert a.values("train") == b.values("train") == c.values("train")
        assert np.array_equal(serial.model(a.index).coef, parallel.model(b.index).coef)
        assert np.array_equal(serial.model(a.index).coef, resumed.model(c.index).coef)
