"""Inline SVG charts for reports: group rates per requirement, and a trade-off frontier.

Hand-drawn SVG rather than a plotting library: the output is small, crisp in print, identical on
every machine for the same run, and needs nothing at view time. Every piece of text drawn is
XML-escaped here, since group labels and objective names come from the policy.
"""

from __future__ import annotations

import math
from html import escape
from typing import Collection, Mapping, Sequence

SPLIT_COLOURS = {"train": "#3f6e9e", "holdout": "#d08a2e"}
CHOSEN_COLOUR = "#b3261e"
INK, GRID, MUTED = "#222", "#d9d9d9", "#666"
FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif"'
WIDTH = 680
_LABEL_CHARS = 30
_CHAR_PX = 6.6                    # mean advance of a 12px sans-serif character, for layout


def _text(x: float, y: float, content: str, *, size: int = 12, anchor: str = "start",
          fill: str = INK, weight: str = "normal", halo: bool = False) -> str:
    """Escaped text; a `halo` (a white outline under the glyphs) keeps it legible over lines."""
    outline = ' stroke="#fff" stroke-width="3" paint-order="stroke"' if halo else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}" '
            f'font-weight="{weight}"{outline}>{escape(content)}</text>')


def _short(label: str) -> str:
    return label if len(label) <= _LABEL_CHARS else label[:_LABEL_CHARS - 1] + "…"


def _svg(width: float, height: float, description: str, body: Sequence[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
            f'width="{width:.0f}" height="{height:.0f}" role="img" aria-label="{escape(description)}" '
            f'{FONT}>' + "".join(body) + "</svg>")


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high] (about `count` of them)."""
    if not high > low:
        high = low + 1.0
    raw = (high - low) / max(count, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step + 1e-9) * step
    ticks = [round(first, 12)]
    while ticks[-1] < high - step * 1e-9 or len(ticks) < 2:
        ticks.append(round(first + len(ticks) * step, 12))
    return ticks


def _tick_label(value: float, ticks: Sequence[float]) -> str:
    """`value` with as many decimals as the tick step needs (0.25 steps show two)."""
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    decimals = next((d for d in range(6) if abs(round(step, d) - step) < 1e-9 * max(1.0, step)), 6)
    return f"{value:.{decimals}f}"


def group_rates_chart(groups: Mapping[str, Mapping[str, Mapping[str, Sequence]]],
                      rate_names: Sequence[str], description: str) -> str:
    """One panel per rate: a train bar and a holdout bar per group. `groups[split][label]` holds
    `rates` and `support` lists, as a run's result stores them; missing rates draw no bar."""
    labels = list(dict.fromkeys(label for split in groups.values() for label in split))
    values = [v for split in groups.values() for g in split.values() for v in (g.get("rates") or [])
              if _finite(v)]
    ticks = nice_ticks(0.0, max([1.0, *values]))
    label_px = min(_LABEL_CHARS, max((len(label) for label in labels), default=4)) * _CHAR_PX + 16
    plot_left, plot_right = label_px, WIDTH - 56
    scale = (plot_right - plot_left) / ticks[-1]
    body, y = [], 8.0
    for k, rate_name in enumerate(rate_names):
        body.append(_text(0, y + 12, rate_name, weight="600"))
        top = y + 22
        bottom = top + len(labels) * 30
        body.append(_axis(ticks, plot_left, scale, top, bottom))
        for i, label in enumerate(labels):
            row_y = top + i * 30
            body.append(_text(plot_left - 8, row_y + 15, _short(label), anchor="end"))
            for j, split in enumerate(("train", "holdout")):
                rates = ((groups.get(split) or {}).get(label) or {}).get("rates") or []
                value = rates[k] if k < len(rates) else None
                if _finite(value):
                    bar_y, length = row_y + 2 + j * 12, max(float(value) * scale, 0.5)
                    body.append(f'<rect x="{plot_left:.1f}" y="{bar_y:.1f}" width="{length:.1f}" '
                                f'height="11" fill="{SPLIT_COLOURS[split]}"/>')
                    body.append(_text(plot_left + length + 4, bar_y + 9.5, f"{float(value):.3f}",
                                      size=10, fill=MUTED))
        y = bottom + 26
    body.append(_legend(plot_left, y + 4))
    return _svg(WIDTH, y + 20, description, body)


def _axis(ticks: Sequence[float], left: float, scale: float, top: float, bottom: float) -> str:
    parts = []
    for tick in ticks:
        x = left + tick * scale
        parts.append(f'<line x1="{x:.1f}" y1="{top:.1f}" x2="{x:.1f}" y2="{bottom:.1f}" '
                     f'stroke="{GRID if tick else INK}" stroke-width="1"/>')
        parts.append(_text(x, bottom + 13, _tick_label(tick, ticks), size=10, anchor="middle", fill=MUTED))
    return "".join(parts)


def _legend(x: float, y: float) -> str:
    parts = []
    for split, colour in SPLIT_COLOURS.items():
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="11" height="11" fill="{colour}"/>')
        parts.append(_text(x + 16, y + 10, split, size=11))
        x += 90
    return "".join(parts)


def frontier_chart(objectives: Sequence[str], values: Sequence[Sequence[float | None]],
                   chosen: int | None, pareto: Collection[int], description: str) -> str | None:
    """The points' first objective (x) against their second (y); the `pareto` points (all points
    when it is empty) joined in x order, the others hollow; the chosen point ringed. Points
    missing either value are left out; None when no point is left."""
    points = [(i, row[0], row[1]) for i, row in enumerate(values)
              if len(row) > 1 and _finite(row[0]) and _finite(row[1])]
    if len(objectives) < 2 or not points:
        return None
    width, height, left, right, top, bottom = WIDTH, 380, 64, WIDTH - 24, 16, 380 - 52
    x_ticks = nice_ticks(min(p[1] for p in points), max(p[1] for p in points))
    y_ticks = nice_ticks(min(p[2] for p in points), max(p[2] for p in points))

    def sx(v: float) -> float:
        return left + (v - x_ticks[0]) / (x_ticks[-1] - x_ticks[0]) * (right - left)

    def sy(v: float) -> float:
        return bottom - (v - y_ticks[0]) / (y_ticks[-1] - y_ticks[0]) * (bottom - top)

    body = [_frame(x_ticks, y_ticks, sx, sy, (left, right, top, bottom))]
    front = [p for p in points if not pareto or p[0] in pareto]
    path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for _, x, y in sorted(front, key=lambda p: p[1]))
    body.append(f'<polyline points="{path}" fill="none" stroke="{SPLIT_COLOURS["train"]}" stroke-width="1.5"/>')
    for i, x, y in points:
        fill = SPLIT_COLOURS["train"] if not pareto or i in pareto else "#fff"
        body.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="4" fill="{fill}" '
                    f'stroke="{SPLIT_COLOURS["train"]}" stroke-width="1.5"/>')
        if i == chosen:
            body.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="9" fill="none" '
                        f'stroke="{CHOSEN_COLOUR}" stroke-width="2.5"/>')
            body.append(_text(sx(x) + 12, sy(y) - 10, "chosen", size=11, fill=CHOSEN_COLOUR,
                              weight="600", halo=True))
    body.append(_text((left + right) / 2, height - 12, objectives[0], anchor="middle", weight="600"))
    body.append(f'<g transform="translate(14 {(top + bottom) / 2:.1f}) rotate(-90)">'
                + _text(0, 0, objectives[1], anchor="middle", weight="600") + "</g>")
    return _svg(width, height, description, body)


def _frame(x_ticks, y_ticks, sx, sy, box) -> str:
    left, right, top, bottom = box
    parts = [f'<rect x="{left}" y="{top}" width="{right - left}" height="{bottom - top}" fill="none" '
             f'stroke="{INK}" stroke-width="1"/>']
    for tick in x_ticks:
        parts.append(f'<line x1="{sx(tick):.1f}" y1="{top}" x2="{sx(tick):.1f}" y2="{bottom}" stroke="{GRID}"/>')
        parts.append(_text(sx(tick), bottom + 14, _tick_label(tick, x_ticks), size=10, anchor="middle", fill=MUTED))
    for tick in y_ticks:
        parts.append(f'<line x1="{left}" y1="{sy(tick):.1f}" x2="{right}" y2="{sy(tick):.1f}" stroke="{GRID}"/>')
        parts.append(_text(left - 6, sy(tick) + 3.5, _tick_label(tick, y_ticks), size=10, anchor="end", fill=MUTED))
    return "".join(parts)


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
