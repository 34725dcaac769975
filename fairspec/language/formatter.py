"""Canonical text for a policy: `fairspec fmt`. Idempotent, meaning-preserving, comments kept.

Statements are printed in a fixed order of sections (metadata, data, who is protected, model,
requirements, objectives, audit), one per line, two-space indentation. A comment travels with the
statement it precedes, or stays at the end of the statement's line when it shared that line.
"""

from __future__ import annotations

import re
from typing import Any

from fairspec.language import ast

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_RESERVED = {"yes", "no", "true", "false", "in", "and", "as", "vs", "overall", "hard", "soft",
             "adversarial", "monitor", "because", "require", "objective", "audit", "test", "file"}


def quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'


def name(text: str) -> str:
    """An identifier as is; anything else (or a keyword) as a string."""
    return text if _IDENT.match(text) and text not in _RESERVED else quote(text)


def real(value: float) -> str:
    """A number read back as a float: integers without '.0', others exactly (repr round-trips)."""
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def scalar(value: Any) -> str:
    """A value whose type must survive a round trip (ints stay ints, floats floats)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return quote(str(value))


def param_value(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(param_value(v) for v in value) + "]"
    if isinstance(value, str) and _IDENT.match(value) and value not in _RESERVED:
        return value
    return scalar(value)


def option_value(value: Any) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{quote(str(k))}: {real(v)}" for k, v in value.items()) + " }"
    return scalar(value)


def values(items) -> str:
    return "[" + ", ".join(scalar(v) for v in items) + "]"


def metric_ref(ref: ast.MetricRef) -> str:
    text = ref.metric if ref.attribute is None else f"{ref.metric}({ref.attribute})"
    return text + (" vs overall" if ref.reference == "overall" else "")


# ---- one function per statement ----------------------------------------------------------------

def _target(t: ast.Target) -> str:
    if t.op is None:
        return f"target {name(t.column)}"
    if t.op == "in":
        return f"target {name(t.column)} in {values(t.values)}"
    return f"target {name(t.column)} {t.op} {scalar(t.values[0])}"


def _holdout(h: ast.Holdout) -> str:
    if h.kind == "test":
        return "holdout test"
    if h.kind == "file":
        return f"holdout file {quote(h.path or '')}"
    seed = "" if h.seed is None else f" seed {h.seed}"
    return f"holdout {real(h.fraction or 0.0)}{seed}"


def _transform(tr: ast.Transform) -> str:
    if isinstance(tr, ast.Merge):
        return f"merge {values(tr.values)} as {quote(tr.label)}"
    if isinstance(tr, ast.Bins):
        text = "bins [" + ", ".join(real(e) for e in tr.edges) + "]"
        return text + ("" if tr.labels is None else " labels " + values(tr.labels))
    return "map { " + ", ".join(f"{scalar(k)}: {quote(v)}" for k, v in tr.entries) + " }"


def _protected(p: ast.Protected) -> str:
    parts = [f"protected {p.name} = column {name(p.column)}"] + [_transform(t) for t in p.transforms]
    return " ".join(parts)


def _condition(c: ast.Condition) -> str:
    if len(c.values) == 1:
        return f"{c.attribute} == {scalar(c.values[0])}"
    return f"{c.attribute} in {values(c.values)}"


def _group(g: ast.Group) -> str:
    return f"group {g.name} = " + " and ".join(_condition(c) for c in g.conditions)


def _intersection(i: ast.Intersection) -> str:
    text = f"intersect {i.name} = " + " * ".join(i.attributes)
    if i.min_support:
        text += f" min_support {i.min_support}"
    if i.small != "merge":
        text += f" small {i.small}"
    return text


def _model(m: ast.Model) -> str:
    text = f"model {m.family}" + ("" if m.estimator is None else f" {quote(m.estimator)}")
    if m.params:
        text += " { " + ", ".join(f"{p.name} = {param_value(p.value)}" for p in m.params) + " }"
    return text


def _requirement(r: ast.Requirement) -> list[str]:
    head = f"require {r.id}" + ("" if r.title is None else f" {quote(r.title)}") + ":"
    body = metric_ref(r.target)
    if r.op is not None:
        body += f" {r.op} {real(r.bound if r.bound is not None else 0.0)}"
    if r.mode is not None:
        body += f" {r.mode}"
    for opt in r.options:
        body += f" {opt.name}" + ("" if opt.value is None else f" {option_value(opt.value)}")
    lines = [head, "  " + body]
    if r.because is not None:
        lines.append(f"  because {quote(r.because)}")
    return lines


def _objective(o: ast.Objective) -> list[str]:
    lines = [f"objective {o.name}:"]
    lines += [f"  {g.sense} {metric_ref(g.target)}" for g in o.goals]
    if o.method is not None:
        lines.append(f"  method {o.method}" + ("" if o.points is None else f" points {o.points}"))
    if o.choose is not None:
        text = f"  choose {o.choose.sense} {metric_ref(o.choose.target)}"
        if o.choose.where:
            text += " where " + " and ".join(f"{metric_ref(b.target)} {b.op} {real(b.bound)}"
                                             for b in o.choose.where)
        lines.append(text)
    return lines


def _statements(p: ast.Policy) -> list[tuple[int, ast.Span | None, list[str]]]:
    """(section, source span, lines) for every statement, in canonical order."""
    out: list[tuple[int, ast.Span | None, list[str]]] = []

    def add(section: int, span, lines):
        out.append((section, span, lines if isinstance(lines, list) else [lines]))

    for key in ("version", "owner", "description"):
        value = getattr(p, key)
        if value is not None:
            add(0, p.spans.get(key), f"{key} {quote(value)}")
    if p.data is not None:
        text = f"dataset {p.data.name}" if p.data.kind == "dataset" else f"data {quote(p.data.name)}"
        add(1, p.data.span, text)
    if p.seed is not None:    # before holdout: `holdout 0.3` then `seed 7` would read as the holdout's seed
        add(1, p.spans.get("seed"), f"seed {p.seed}")
    if p.target is not None:
        add(1, p.target.span, _target(p.target))
    if p.features is not None:
        add(1, p.features.span, f"features {p.features.mode} [" +
            ", ".join(name(c) for c in p.features.columns) + "]")
    if p.holdout is not None:
        add(1, p.holdout.span, _holdout(p.holdout))
    if p.missing is not None:
        add(1, p.spans.get("missing"), f"missing {p.missing}")
    for prot in p.protected:
        add(2, prot.span, _protected(prot))
    for use in p.use_in_model:
        add(2, use.span, f"use_in_model {use.attribute} {'yes' if use.value else 'no'}")
    for group in p.groups:
        add(3, group.span, _group(group))
    for inter in p.intersections:
        add(3, inter.span, _intersection(inter))
    if p.model is not None:
        add(4, p.model.span, _model(p.model))
    for req in p.requirements:
        add(5, req.span, _requirement(req))
    for obj in p.objectives:
        add(6, obj.span, _objective(obj))
    if p.audit is not None:
        add(7, p.spans.get("audit"), f"audit {quote(p.audit)}")
    return out


def _attach_comments(p: ast.Policy, statements):
    """Map each comment to (statement index, 'lead'|'trail'), or to the header or footer."""
    spans = [(i, s) for i, (_, s, _) in enumerate(statements) if s is not None]
    spans.sort(key=lambda item: item[1].start)
    header_end = p.spans["name"].line if "name" in p.spans else 1
    lead: dict[int, list[str]] = {}
    trail: dict[int, list[str]] = {}
    before, footer = [], []
    for comment in p.comments:
        line = comment.span.line
        if line < header_end or (line == header_end and not spans):
            before.append(comment.text)
            continue
        if line == header_end:
            before.append(comment.text)
            continue
        inside = next((i for i, s in spans if s.line <= line <= s.end_line), None)
        if inside is not None:
            trail.setdefault(inside, []).append(comment.text)
            continue
        following = next((i for i, s in spans if s.line > line), None)
        if following is None:
            footer.append(comment.text)
        else:
            lead.setdefault(following, []).append(comment.text)
    return before, lead, trail, footer


def format_policy(p: ast.Policy) -> str:
    """The canonical text of a policy."""
    statements = _statements(p)
    before, lead, trail, footer = _attach_comments(p, statements)
    order = sorted(range(len(statements)), key=lambda i: statements[i][0])
    out = [*before]
    out.append(f"policy {p.name}" + ("" if p.title is None else f" {quote(p.title)}") + " {")
    previous_section = None
    for i in order:
        section, _, lines = statements[i]
        multi = len(lines) > 1
        if previous_section is not None and (section != previous_section or multi):
            out.append("")
        previous_section = section
        out.extend("  " + c for c in lead.get(i, []))
        trailing = trail.get(i, [])
        for k, line in enumerate(lines):
            text = "  " + line
            if k == len(lines) - 1 and trailing:
                out.extend("  " + c for c in trailing[:-1])
                text += "  " + trailing[-1]
            out.append(text)
    if footer:
        out.append("")
        out.extend("  " + c for c in footer)
    out.append("}")
    return "\n".join(out) + "\n"
