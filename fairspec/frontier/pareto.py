"""Pareto dominance and hypervolume over cost vectors (every coordinate minimised).

Callers turn a maximised objective into a cost by negating it (`axes.Axis.cost`), so one
convention holds here: point a dominates point b when a ≤ b in every coordinate and a < b in one.
"""

from __future__ import annotations

import numpy as np


def nondominated(costs: np.ndarray) -> np.ndarray:
    """A boolean mask of the rows of `costs` (n × d) that no other row dominates.

    Of several identical rows only the first is kept, so the frontier lists each trade-off once.
    Rows holding NaN are never on the frontier.
    """
    costs = np.asarray(costs, dtype=np.float64)
    valid = ~np.isnan(costs).any(axis=1)
    keep = valid.copy()
    for i in np.flatnonzero(valid):
        others = costs[valid]
        no_worse = (others <= costs[i]).all(axis=1)
        better = (others < costs[i]).any(axis=1)
        if (no_worse & better).any():
            keep[i] = False
    for i in np.flatnonzero(keep):               # drop later copies of a kept row
        same = keep & (costs == costs[i]).all(axis=1)
        same[: i + 1] = False
        keep[same] = False
    return keep


def hypervolume(costs: np.ndarray, reference: np.ndarray) -> float:
    """The volume of cost space dominated by the rows of `costs` and bounded by `reference`.

    Only the part of each row's box [row, reference] counts, so a row that is not strictly better
    than the reference in every coordinate adds nothing. Exact, by slicing along the last
    coordinate (Hypervolume by Slicing Objectives, While et al. 2006): O(n^d), meant for the
    tens of points and handful of objectives a frontier has.
    """
    costs = np.asarray(costs, dtype=np.float64).reshape(-1, len(reference))
    reference = np.asarray(reference, dtype=np.float64)
    inside = costs[(costs < reference).all(axis=1) & ~np.isnan(costs).any(axis=1)]
    return _slice_volume(inside[nondominated(inside)], reference)


def _slice_volume(points: np.ndarray, reference: np.ndarray) -> float:
    if len(points) == 0:
        return 0.0
    if points.shape[1] == 1:
        return float(reference[0] - points[:, 0].min())
    order = np.argsort(points[:, -1], kind="stable")
    points = points[order]
    depth_edges = np.append(points[:, -1], reference[-1])
    volume = 0.0
    for i in range(len(points)):
        depth = depth_edges[i + 1] - depth_edges[i]
        if depth > 0:
            layer = points[: i + 1, :-1]
            volume += depth * _slice_volume(layer[nondominated(layer)], reference[:-1])
    return float(volume)
