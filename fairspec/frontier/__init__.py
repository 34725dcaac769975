"""Multi-objective training: Pareto frontiers of accuracy against fairness, and choosing a point.

`run_frontier` sweeps an objective block (ε-constraint or weighted sum) through the backends,
`publish_frontier` writes the run folder, `select_point` adopts a point with a recorded reason,
and `ExploreServer` serves the interactive page that does the same.
"""

from __future__ import annotations

import importlib

# Imported on first use, so that `fairspec --help` and `fairspec check` do not load the backends.
_HOME = {"ExploreServer": "explore", "hypervolume": "pareto", "nondominated": "pareto",
         "select_point": "select", "publish_frontier": "store", "read_frontier": "store",
         "write_frontier_files": "store", "Frontier": "sweep", "run_frontier": "sweep"}

__all__ = sorted(_HOME)


def __getattr__(name: str):
    if name not in _HOME:
        raise AttributeError(f"module 'fairspec.frontier' has no attribute {name!r}")
    return getattr(importlib.import_module(f"fairspec.frontier.{_HOME[name]}"), name)
