"""The frontier as a figure: every point, the Pareto set joined up, the chosen point starred.

Two goals give one panel; three or more give one panel per pair of goals (a point Pareto-optimal
in all goals may look dominated in one pair: the colours follow the full comparison).
"""

from __future__ import annotations

import itertools
from pathlib import Path

from fairspec.frontier.sweep import Frontier


def plot_frontier(frontier: Frontier, directory: Path, split: str = "train",
                  name: str = "frontier") -> tuple[Path, Path]:
    """Write `name.png` and `name.svg` into `directory`; return both paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pairs = _pairs(frontier)
    columns = min(len(pairs), 3)
    rows = -(-len(pairs) // columns)
    figure, grid = plt.subplots(rows, columns, figsize=(5.2 * columns, 4.2 * rows), squeeze=False)
    for panel, (x_key, y_key) in zip(grid.flat, pairs):
        _panel(panel, frontier, split, x_key, y_key)
    for panel in list(grid.flat)[len(pairs):]:
        panel.set_visible(False)
    figure.suptitle(f"{frontier.objective}: {frontier.method}, {split} "
                    f"(hypervolume {frontier.hypervolume[split]:.4g})", fontsize=11)
    figure.tight_layout()
    directory = Path(directory)
    png, svg = directory / f"{name}.png", directory / f"{name}.svg"
    figure.savefig(png, dpi=120, metadata={"Software": None})
    with matplotlib.rc_context({"svg.hashsalt": "fairspec"}):
        figure.savefig(svg, metadata={"Date": None, "Creator": None})
    plt.close(figure)
    return png, svg


def _pairs(frontier: Frontier) -> list[tuple[str, str]]:
    """(x, y) axis keys: fairness across, performance up where there is a performance goal."""
    group = [a.key for a in frontier.axes if a.is_group]
    performance = [a.key for a in frontier.axes if not a.is_group]
    if performance:
        pairs = [(g, performance[0]) for g in group]
        return pairs + list(itertools.combinations(group, 2))
    return list(itertools.combinations(group, 2))


def _panel(panel, frontier: Frontier, split: str, x_key: str, y_key: str) -> None:
    usable = [p for p in frontier.points if p.ok]
    pareto = set(frontier.pareto[split])
    others = [p for p in usable if p.index not in pareto]
    best = sorted((p for p in usable if p.index in pareto), key=lambda p: p.values(split)[x_key])
    panel.scatter([p.values(split)[x_key] for p in others], [p.values(split)[y_key] for p in others],
                  c="#9a9a9a", s=22, label="dominated")
    panel.plot([p.values(split)[x_key] for p in best], [p.values(split)[y_key] for p in best],
               "o-", c="#1f5fa8", ms=5, lw=1.2, label="Pareto")
    for point in usable:
        panel.annotate(str(point.index), (point.values(split)[x_key], point.values(split)[y_key]),
                       fontsize=7, xytext=(3, 3), textcoords="offset points")
    if frontier.chosen is not None:
        chosen = frontier.point(frontier.chosen).values(split)
        panel.scatter([chosen[x_key]], [chosen[y_key]], marker="*", s=220, c="#d62728",
                      zorder=5, label=f"chosen ({frontier.chosen})")
    panel.set_xlabel(x_key)
    panel.set_ylabel(y_key)
    panel.grid(alpha=0.3)
    panel.legend(fontsize=8)
