"""The explore page: one self-contained HTML document (inline CSS, JS and SVG; no network).

The frontier's JSON is embedded in a `<script type="application/json">` block. Hovering a point
shows its plan, its values on train and holdout and every group's rates; clicking picks it; a
typed reason and the Adopt button POST `{point, because, token}` to `/adopt`.
"""

from __future__ import annotations

import html
import json
from typing import Any

_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'">
<title>fairspec frontier: __TITLE__</title>
<style>
 body { font: 14px system-ui, sans-serif; margin: 1.2em; color: #222; }
 #layout { display: flex; gap: 1.5em; flex-wrap: wrap; }
 svg { border: 1px solid #ccc; background: #fff; }
 circle.point { cursor: pointer; stroke: #fff; stroke-width: 1; }
 circle.pareto { fill: #1f5fa8; } circle.dominated { fill: #9a9a9a; }
 circle.chosen { stroke: #d62728; stroke-width: 3; } circle.picked { stroke: #000; stroke-width: 3; }
 #details { min-width: 22em; max-width: 34em; } table { border-collapse: collapse; margin: .4em 0; }
 td, th { border: 1px solid #ddd; padding: 2px 6px; text-align: right; } th { background: #f4f4f4; }
 textarea { width: 100%; height: 4em; } #status { margin-top: .5em; font-weight: 600; }
</style></head>
<body>
<h1>__TITLE__</h1>
<p id="summary"></p>
<label>x <select id="x-axis"></select></label> <label>y <select id="y-axis"></select></label>
<div id="layout">
 <svg id="plot" width="620" height="440" role="img" aria-label="frontier"></svg>
 <div id="details"><p>Hover a point to see its per-group metrics; click it to pick it.</p></div>
</div>
<h2>Adopt a point</h2>
<p>Picked: <span id="picked">none</span></p>
<textarea id="reason" placeholder="Why this point? (recorded in the audit ledger)"></textarea>
<button id="adopt" disabled>Adopt</button>
<div id="status" role="status"></div>
<script type="application/json" id="frontier-data">__DATA__</script>
<script>
"use strict";
const DATA = JSON.parse(document.getElementById("frontier-data").textContent);
const F = DATA.frontier, SVG = "http://www.w3.org/2000/svg";
const usable = F.points.filter(p => p.status === "ok");
const pareto = new Set(F.pareto.train);
let picked = null;
function el(tag, attrs, text) {
  const node = document.createElementNS(tag === "svg" || ["circle","line","text","g","polyline"].includes(tag) ? SVG : "http://www.w3.org/1999/xhtml", tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}
function fmt(v) { return v === null || v === undefined ? "—" : Number(v).toFixed(4); }
function fillAxes() {
  const keys = F.axes.map(a => a.key);
  const group = F.axes.filter(a => a.group).map(a => a.key);
  const perf = keys.filter(k => !group.includes(k));
  for (const [id, initial] of [["x-axis", group[0]], ["y-axis", perf[0] || group[1]]]) {
    const select = document.getElementById(id);
    for (const k of keys) select.appendChild(el("option", {value: k}, k));
    select.value = initial;
    select.addEventListener("change", draw);
  }
}
function draw() {
  const svg = document.getElementById("plot");
  svg.replaceChildren();
  const xk = document.getElementById("x-axis").value, yk = document.getElementById("y-axis").value;
  const W = 620, H = 440, L = 70, B = 50, T = 15, R = 20;
  const xs = usable.map(p => p.train.values[xk]), ys = usable.map(p => p.train.values[yk]);
  const pad = (lo, hi) => { const d = (hi - lo) || Math.abs(hi) || 1; return [lo - 0.06 * d, hi + 0.06 * d]; };
  const [x0, x1] = pad(Math.min(...xs), Math.max(...xs)), [y0, y1] = pad(Math.min(...ys), Math.max(...ys));
  const sx = v => L + (v - x0) / (x1 - x0) * (W - L - R), sy = v => H - B - (v - y0) / (y1 - y0) * (H - B - T);
  svg.appendChild(el("line", {x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: "#444"}));
  svg.appendChild(el("line", {x1: L, y1: T, x2: L, y2: H - B, stroke: "#444"}));
  for (let i = 0; i <= 4; i++) {
    const vx = x0 + (x1 - x0) * i / 4, vy = y0 + (y1 - y0) * i / 4;
    svg.appendChild(el("text", {x: sx(vx), y: H - B + 16, "text-anchor": "middle", "font-size": 11}, vx.toFixed(3)));
    svg.appendChild(el("text", {x: L - 6, y: sy(vy) + 4, "text-anchor": "end", "font-size": 11}, vy.toFixed(3)));
  }
  svg.appendChild(el("text", {x: (L + W - R) / 2, y: H - 10, "text-anchor": "middle"}, xk + " (train)"));
  svg.appendChild(el("text", {x: 14, y: (T + H - B) / 2, transform: `rotate(-90 14 ${(T + H - B) / 2})`, "text-anchor": "middle"}, yk + " (train)"));
  const front = usable.filter(p => pareto.has(p.index)).sort((a, b) => a.train.values[xk] - b.train.values[xk]);
  svg.appendChild(el("polyline", {points: front.map(p => `${sx(p.train.values[xk])},${sy(p.train.values[yk])}`).join(" "), fill: "none", stroke: "#1f5fa8", "stroke-opacity": 0.5}));
  for (const p of usable) {
    const classes = ["point", pareto.has(p.index) ? "pareto" : "dominated"];
    if (p.index === F.chosen) classes.push("chosen");
    if (p.index === picked) classes.push("picked");
    const c = el("circle", {cx: sx(p.train.values[xk]), cy: sy(p.train.values[yk]), r: 7, class: classes.join(" "), "data-index": p.index});
    c.addEventListener("mouseenter", () => show(p));
    c.addEventListener("click", () => pick(p));
    svg.appendChild(c);
  }
}
function show(p) {
  const box = document.getElementById("details");
  box.replaceChildren(el("h3", {}, `Point ${p.index}` + (pareto.has(p.index) ? " (Pareto)" : " (dominated)") + (p.index === F.chosen ? ", chosen by the policy" : "")));
  box.appendChild(el("p", {}, p.plan.describe));
  const values = el("table", {id: "values"});
  values.appendChild(el("tr")).append(el("th", {}, "goal"), el("th", {}, "train"), el("th", {}, "holdout"));
  for (const a of F.axes) values.appendChild(el("tr")).append(el("td", {}, a.key), el("td", {}, fmt(p.train.values[a.key])), el("td", {}, fmt(p.holdout.values[a.key])));
  box.appendChild(values);
  for (const [key, groups] of Object.entries(p.train.groups)) {
    box.appendChild(el("h4", {}, key + ": per group"));
    const table = el("table", {class: "groups"});
    const leaves = Object.keys(Object.values(groups)[0].rates);
    const head = table.appendChild(el("tr"));
    head.append(el("th", {}, "group"), el("th", {}, "rows"));
    for (const leaf of leaves) head.append(el("th", {}, leaf + " train"), el("th", {}, leaf + " holdout"));
    for (const [label, g] of Object.entries(groups)) {
      const row = table.appendChild(el("tr", {"data-group": label}));
      row.append(el("td", {}, label), el("td", {}, String(g.support)));
      const other = (p.holdout.groups[key] || {})[label];
      for (const leaf of leaves) row.append(el("td", {}, fmt(g.rates[leaf])), el("td", {}, fmt(other ? other.rates[leaf] : null)));
    }
    box.appendChild(table);
  }
}
function pick(p) {
  picked = p.index;
  document.getElementById("picked").textContent = String(p.index);
  document.getElementById("adopt").disabled = false;
  show(p); draw();
}
async function adopt() {
  const because = document.getElementById("reason").value.trim(), status = document.getElementById("status");
  if (!because) { status.textContent = "Type a reason first."; return; }
  const answer = await fetch("/adopt", {method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify({point: picked, because: because, token: DATA.token})});
  const body = await answer.json();
  status.textContent = answer.ok ? `Adopted point ${body.adopted.index}: record ${body.adopted.record.index} in ${body.adopted.record.ledger}` : `Not adopted: ${body.error}`;
}
document.getElementById("summary").textContent = `${F.method}, ${F.points.length} points (${usable.length} feasible, ${F.pareto.train.length} Pareto on train); hypervolume train ${fmt(F.hypervolume.train)}, holdout ${fmt(F.hypervolume.holdout)}; ` + (F.chosen === null ? F.choice_note : `policy's choice: ${F.choice_note}`);
document.getElementById("adopt").addEventListener("click", adopt);
fillAxes(); draw();
</script>
</body></html>
"""


def render_page(frontier_json: dict[str, Any], title: str, token: str) -> str:
    """The page for one frontier run; `token` must come back with every adoption."""
    embedded = json.dumps({"frontier": frontier_json, "token": token})
    embedded = embedded.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return _TEMPLATE.replace("__TITLE__", html.escape(title)).replace("__DATA__", embedded)
