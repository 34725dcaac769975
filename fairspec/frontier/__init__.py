"""Multi-objective training: Pareto frontiers of accuracy against fairness, and choosing a point.

`run_frontier` sweeps an objective block (ε-constraint or weighted sum) through the backends,
`publish_frontier` writes the run folder, `select_point` adopts a point with a recorded reason,
and `ExploreServer` serves the interactive page that does the same.
"""

from fairspec.frontier.explore import ExploreServer
from fairspec.frontier.pareto import hypervolume, nondominated
from fairspec.frontier.select import select_point
from fairspec.frontier.store import publish_frontier, read_frontier, write_frontier_files
from fairspec.frontier.sweep import Frontier, run_frontier

__all__ = ["ExploreServer", "Frontier", "hypervolume", "nondominated", "publish_frontier",
           "read_frontier", "run_frontier", "select_point", "write_frontier_files"]
