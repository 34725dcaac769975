"""The frontier reader takes the shapes a frontier file plausibly has and never raises on a bad one;
a run folder with a frontier gets a section with its points, the chosen one marked, and a plot."""

from __future__ import annotations

import json
import re

import pytest

from fairspec.report import render_html, render_markdown
from fairspec.report.frontier import FrontierUnreadable, parse_frontier, read_frontier

from tests.report.conftest import ACC, DP, write_frontier

EXPECTED = ((ACC, DP), ((0.84, 0.12), (0.82, 0.05), (0.79, 0.01)))


@pytest.mark.parametrize("content", [
    {"points": [{"values": {ACC: 0.84, DP: 0.12}}, {"values": {ACC: 0.82, DP: 0.05}},
                {"values": {ACC: 0.79, DP: 0.01}}], "chosen": 1},
    {"objectives": [ACC, DP], "points": [[0.84, 0.12], [0.82, 0.05], [0.79, 0.01]], "chosen_index": 1},
    {"objectives": [{"name": ACC, "sense": "maximize"}, {"name": DP, "sense": "minimize"}],
     "points": [{"objectives": [0.84, 0.12]}, {"objectives": [0.82, 0.05], "chosen": True},
                {"objectives": [0.79, 0.01]}]},
    [{ACC: 0.84, DP: 0.12, "index": 0}, {ACC: 0.82, DP: 0.05, "index": 1, "chosen": True},
     {ACC: 0.79, DP: 0.01, "index": 2}],
], ids=["values-mapping", "names-and-lists", "objects-flagged", "flat-list"])
def test_accepted_shapes_read_the_same(content):
    frontier = parse_frontier(content)
    assert (frontier.objectives, frontier.values) == EXPECTED
    assert frontier.chosen == 1


def test_missing_and_non_finite_values_become_none_and_a_bad_chosen_index_is_ignored():
    frontier = parse_frontier({"points": [{"values": {ACC: 0.8}}, {"values": {ACC: float("nan"), DP: 0.1}}],
                               "chosen": 7, "choose": "max accuracy"})
    assert frontier.objectives == (ACC, DP)
    assert frontier.values == ((0.8, None), (None, 0.1))
    assert frontier.chosen is None and frontier.rule == "max accuracy"


@pytest.mark.parametrize("content", [{}, [], {"points": "many"}, [1, 2], [{"label": "a"}], "text"])
def test_shapes_without_a_frontier_are_unreadable(content):
    with pytest.raises(FrontierUnreadable):
        parse_frontier(content)


def test_read_frontier_never_raises(tmp_path):
    assert read_frontier(tmp_path) is None
    (tmp_path / "frontier.json").write_text("{not json")
    assert read_frontier(tmp_path).problem.startswith("it is not readable JSON")
    (tmp_path / "frontier.json").write_text("[" * 100_000 + "]" * 100_000)
    assert read_frontier(tmp_path).problem is not None


def test_a_run_with_a_frontier_reports_every_point_and_the_choice(run_copy):
    points = write_frontier(run_copy)
    markdown = render_markdown(run_copy)
    assert re.findall(r"^## (.+)$", markdown, flags=re.M)[3] == "Trade-off frontier"
    frontier = markdown.split("## Trade-off frontier", 1)[1].split("\n## ", 1)[0]
    assert f"Choice rule: max {ACC} where {DP} <= 0.07" in frontier
    for i, point in enumerate(points):
        row = f"| {i} | {point['values'][ACC]:.4f} | {point['values'][DP]:.4f} | "
        assert row + ("**chosen** |" if i == 2 else " |") in frontier
    page = render_html(run_copy)
    section = page.split('<section id="frontier">', 1)[1].split("</section>", 1)[0]
    assert section.count("<circle") == len(points) + 1        # every point, and the ring on the chosen
    assert ">chosen</text>" in section


def test_a_malformed_frontier_file_is_reported_not_fatal(run_copy):
    (run_copy / "frontier.json").write_text(json.dumps({"points": []}))
    markdown = render_markdown(run_copy)
    assert "The run folder has a frontier file, but it holds no list of points." in markdown


def measured(accuracy, parity):
    return {"values": {ACC: accuracy, DP: parity}, "performance": {}, "groups": {}}


FRONTIER_RUN = {   # the shape `fairspec frontier` writes: run meta around the sweep
    "run_id": "20261124T114416Z-c3f6915b", "task": "binary", "ledger": None,
    "adopted": {"index": 3, "because": "lower disparity", "who": "ada", "when": "2026-11-24T12:00:00Z"},
    "frontier": {
        "objective": "tradeoff", "method": "epsilon_constraint",
        "axes": [{"key": ACC, "sense": "maximize"}, {"key": DP, "sense": "minimize"}],
        "pareto": {"train": [0, 1, 3], "holdout": [0, 3]}, "chosen": 1,
        "choice": f"max {ACC} where {DP} <= 0.1", "choice_note": "point 1: the max accuracy ...",
        "points": [
            {"index": 0, "status": "ok", "plan": {"describe": "anchor"},
             "train": measured(0.85, 0.18), "holdout": measured(0.84, 0.17)},
            {"index": 1, "status": "ok", "plan": {"describe": f"{DP} <= 0.09"},
             "train": measured(0.84, 0.08), "holdout": measured(0.83, 0.09)},
            {"index": 2, "status": "infeasible", "plan": {"describe": f"{DP} <= 0.001"},
             "train": None, "holdout": None},
            {"index": 3, "status": "ok", "plan": {"describe": f"{DP} <= 0.04"},
             "train": measured(0.82, 0.03), "holdout": measured(0.81, None)},
        ]}}


def test_the_frontier_run_shape_keeps_splits_pareto_choice_and_adoption():
    frontier = parse_frontier(FRONTIER_RUN)
    assert frontier.objectives == (ACC, DP)
    assert frontier.values == ((0.85, 0.18), (0.84, 0.08), (None, None), (0.82, 0.03))
    assert frontier.holdout == ((0.84, 0.17), (0.83, 0.09), (None, None), (0.81, None))
    assert frontier.status == ("ok", "ok", "infeasible", "ok")
    assert frontier.pareto == {0, 1, 3}
    assert (frontier.chosen, frontier.adopted) == (1, 3)
    assert frontier.rule == f"max {ACC} where {DP} <= 0.1" and frontier.note.startswith("point 1")


def test_a_frontier_run_file_is_tabled_with_both_splits(run_copy):
    (run_copy / "frontier.json").write_text(json.dumps(FRONTIER_RUN))
    markdown = render_markdown(run_copy)
    section = markdown.split("## Trade-off frontier", 1)[1].split("\n## ", 1)[0]
    assert (f"| point | status | plan | {ACC} (train / holdout) | {DP} (train / holdout) | Pareto (train) "
            "| choice |") in section
    assert f"| 1 | ok | {DP} <= 0.09 | 0.8400 / 0.8300 | 0.0800 / 0.0900 | yes | **chosen** |" in section
    assert f"| 2 | infeasible | {DP} <= 0.001 | — / — | — / — |  |  |" in section
    assert f"| 3 | ok | {DP} <= 0.04 | 0.8200 / 0.8100 | 0.0300 / — | yes | **adopted** |" in section
    assert "point 1 is the one the policy's rule chose; point 3 was adopted later." in section
