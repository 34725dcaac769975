"""Policy text → typed `Policy`: the Lark grammar, a Transformer per tree shape, syntax errors.

`parse(text, path)` returns the `Policy` and the diagnostics found while building it (duplicate
statements); a syntax error raises `PolicyError` with a located diagnostic and a hint.
"""

from __future__ import annotations

import functools
import math
import re
import hashlib
from importlib import resources
from pathlib import Path
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from fairspec.language import ast
from fairspec.language.diagnostics import Diagnostic, PolicyError, did_you_mean, error

STATEMENT_KEYWORDS = (
    "version", "owner", "description", "seed", "dataset", "data", "target", "features", "holdout",
    "missing", "protected", "use_in_model", "group", "intersect", "model", "require", "objective",
    "audit",
)


def grammar_text() -> str:
    """The grammar shipped in the wheel (fairspec/grammar/), or the checkout's grammar/ folder."""
    packaged = resources.files("fairspec").joinpath("grammar/fairspec.lark")
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    checkout = Path(__file__).resolve().parents[2] / "grammar" / "fairspec.lark"
    return checkout.read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def _lark() -> Lark:
    return Lark(grammar_text(), parser="lalr", propagate_positions=True, maybe_placeholders=False)


def token_span(tok: Token) -> ast.Span:
    return ast.Span(line=tok.line, column=tok.column, end_line=tok.end_line,
                    end_column=tok.end_column, start=tok.start_pos, end=tok.end_pos)


def meta_span(meta: Any) -> ast.Span | None:
    if getattr(meta, "empty", True):
        return None
    return ast.Span(line=meta.line, column=meta.column, end_line=meta.end_line,
                    end_column=meta.end_column, start=meta.start_pos, end=meta.end_pos)


def unquote(tok: str) -> str:
    body = tok[1:-1]
    out, i = [], 0
    escapes = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body):
            out.append(escapes[body[i + 1]])
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


def number(text: str) -> int | float:
    value = float(text)
    if value.is_integer() and not any(c in text for c in ".eE"):
        return int(text)
    return value


def scalar(tok: Any) -> Any:
    """A scalar token (number, string, yes/no, name) as a Python value."""
    if isinstance(tok, Located):
        return tok.value
    if tok.type == "STRING":
        return unquote(tok)
    if tok.type in {"SIGNED_NUMBER", "NUMBER", "INT"}:
        return number(str(tok))
    return str(tok)


class Located:
    """A value with the span it came from, passed between transformer methods."""

    __slots__ = ("value", "span")

    def __init__(self, value: Any, span: ast.Span | None):
        self.value = value
        self.span = span


def _loc(tok: Any) -> Located:
    if isinstance(tok, Located):
        return tok
    return Located(scalar(tok), token_span(tok))


def _single(key: str):
    """The transformer method for a statement of one value: `version "1.0"` → ("version", value)."""
    def build(self, meta, children):
        return (key, _loc(children[0]))
    return build


@v_args(meta=True)
class PolicyBuilder(Transformer):
    """Builds typed nodes bottom-up; statements become (keyword, node) pairs for `policy`."""

    def __init__(self) -> None:
        super().__init__()
        self.diagnostics: list[Diagnostic] = []

    # ---- tokens ------------------------------------------------------------------------------
    def _finite(self, tok: Token) -> Token:
        if not math.isfinite(float(tok)):
            self.diagnostics.append(error(f"the number {tok} is too large", token_span(tok),
                                          hint="numbers must be finite", code="number-range"))
        return tok

    SIGNED_NUMBER = NUMBER = _finite

    # ---- small shapes ------------------------------------------------------------------------
    def column(self, meta, children):
        return _loc(children[0])

    def value(self, meta, children):
        return _loc(children[0])

    def yes_no(self, meta, children):
        return Located(str(children[0]) in {"yes", "true"}, token_span(children[0]))

    def _keyword(self, meta, children):
        return Located(str(children[0]), token_span(children[0]))

    target_op = compare = feature_mode = mode = goal_sense = choose_sense = _keyword

    def _list(self, meta, children):
        return Located([_loc(c) for c in children], meta_span(meta))

    column_list = value_list = number_list = string_list = _list

    # ---- metadata and data -------------------------------------------------------------------
    version = _single("version")
    owner = _single("owner")
    description = _single("description")
    seed = _single("seed")
    audit = _single("audit")
    missing = _single("missing")

    def dataset(self, meta, children):
        name = _loc(children[0])
        return ("data", ast.DataSource(kind="dataset", name=name.value, span=meta_span(meta),
                                         spans={"name": name.span}))

    def data_file(self, meta, children):
        name = _loc(children[0])
        return ("data", ast.DataSource(kind="file", name=name.value, span=meta_span(meta),
                                         spans={"name": name.span}))

    def target(self, meta, children):
        col = children[0]
        spans = {"column": col.span}
        if len(children) == 1:
            return ("target", ast.Target(column=str(col.value), span=meta_span(meta), spans=spans))
        if len(children) == 2:  # `in [...]`
            values = tuple(v.value for v in children[1].value)
            return ("target", ast.Target(column=str(col.value), op="in", values=values,
                                         span=meta_span(meta), spans=spans))
        op, val = children[1], children[2]
        spans.update(op=op.span, value=val.span)
        return ("target", ast.Target(column=str(col.value), op=op.value, values=(val.value,),
                                     span=meta_span(meta), spans=spans))

    def features(self, meta, children):
        mode, cols = children
        return ("features", ast.Features(mode=mode.value, columns=tuple(str(c.value) for c in cols.value),
                                         span=meta_span(meta), spans={"mode": mode.span}))

    def holdout_fraction(self, meta, children):
        frac = _loc(children[0])
        seed = _loc(children[1]) if len(children) > 1 else None
        spans = {"fraction": frac.span}
        if seed is not None:
            spans["seed"] = seed.span
        return ("holdout", ast.Holdout(kind="fraction", fraction=float(frac.value),
                                       seed=None if seed is None else int(seed.value),
                                       span=meta_span(meta), spans=spans))

    def holdout_file(self, meta, children):
        path = _loc(children[0])
        return ("holdout", ast.Holdout(kind="file", path=path.value, span=meta_span(meta),
                                       spans={"path": path.span}))

    def holdout_test(self, meta, children):
        return ("holdout", ast.Holdout(kind="test", span=meta_span(meta)))

    # ---- protected attributes, groups, intersections ----------------------------------------
    def protected(self, meta, children):
        name, col, *transforms = children
        name = _loc(name)
        return ("protected", ast.Protected(name=name.value, column=str(col.value),
                                           transforms=tuple(transforms), span=meta_span(meta),
                                           spans={"name": name.span, "column": col.span}))

    def merge(self, meta, children):
        values, label = children
        label = _loc(label)
        return ast.Merge(values=tuple(v.value for v in values.value), label=label.value,
                         span=meta_span(meta), spans={"values": values.span, "label": label.span})

    def bins(self, meta, children):
        edges = children[0]
        labels = children[1] if len(children) > 1 else None
        spans = {"edges": edges.span}
        if labels is not None:
            spans["labels"] = labels.span
        return ast.Bins(edges=tuple(float(e.value) for e in edges.value),
                        labels=None if labels is None else tuple(l.value for l in labels.value),
                        span=meta_span(meta), spans=spans)

    def mapping(self, meta, children):
        return (children[0].value, _loc(children[1]).value)

    def value_map(self, meta, children):
        return ast.ValueMap(entries=tuple(children), span=meta_span(meta))

    def use_in_model(self, meta, children):
        name, flag = _loc(children[0]), children[1]
        return ("use_in_model", ast.UseInModel(attribute=name.value, value=flag.value,
                                               span=meta_span(meta), spans={"attribute": name.span}))

    def condition_eq(self, meta, children):
        name, val = _loc(children[0]), children[1]
        return ast.Condition(attribute=name.value, values=(val.value,), span=meta_span(meta),
                             spans={"attribute": name.span})

    def condition_in(self, meta, children):
        name, vals = _loc(children[0]), children[1]
        return ast.Condition(attribute=name.value, values=tuple(v.value for v in vals.value),
                             span=meta_span(meta), spans={"attribute": name.span})

    def group(self, meta, children):
        name, *conditions = children
        name = _loc(name)
        return ("group", ast.Group(name=name.value, conditions=tuple(conditions), span=meta_span(meta),
                                   spans={"name": name.span}))

    def min_support(self, meta, children):
        return ("min_support", _loc(children[0]))

    def small(self, meta, children):
        return ("small", _loc(children[0]))

    def intersect(self, meta, children):
        name = _loc(children[0])
        attrs = [_loc(c) for c in children[1:] if not isinstance(c, tuple)]
        extras = dict(c for c in children[1:] if isinstance(c, tuple))
        spans = {"name": name.span}
        spans.update({f"attribute.{i}": a.span for i, a in enumerate(attrs)})
        kwargs: dict[str, Any] = {}
        for key, loc in extras.items():
            spans[key] = loc.span
            kwargs[key] = loc.value
        return ("intersect", ast.Intersection(name=name.value, attributes=tuple(a.value for a in attrs),
                                              span=meta_span(meta), spans=spans, **kwargs))

    # ---- model -------------------------------------------------------------------------------
    def param_list(self, meta, children):
        return Located([_loc(c).value for c in children], meta_span(meta))

    def param(self, meta, children):
        name, val = _loc(children[0]), _loc(children[1])
        return ast.Param(name=name.value, value=val.value, span=meta_span(meta),
                         spans={"name": name.span, "value": val.span})

    def params(self, meta, children):
        return tuple(children)

    def model(self, meta, children):
        family = _loc(children[0])
        estimator, params = None, ()
        spans = {"family": family.span}
        for child in children[1:]:
            if isinstance(child, tuple):
                params = child
            else:
                estimator = _loc(child)
                spans["estimator"] = estimator.span
        return ("model", ast.Model(family=family.value, estimator=None if estimator is None else estimator.value,
                                   params=params, span=meta_span(meta), spans=spans))

    # ---- requirements ------------------------------------------------------------------------
    def metric_ref(self, meta, children):
        metric, attr = _loc(children[0]), _loc(children[1])
        overall = len(children) > 2
        spans = {"metric": metric.span, "attribute": attr.span}
        if overall:
            spans["reference"] = token_span(children[2])
        return ast.MetricRef(metric=metric.value, attribute=attr.value,
                             reference="overall" if overall else "pairwise",
                             span=meta_span(meta), spans=spans)

    def comparison(self, meta, children):
        op, bound = children[0], _loc(children[1])
        return ("comparison", op, bound)

    def weight_entry(self, meta, children):
        return (_loc(children[0]).value, float(_loc(children[1]).value))

    def weight_map(self, meta, children):
        return Located(dict(children), meta_span(meta))

    def option(self, meta, children):
        name = _loc(children[0])
        spans = {"name": name.span}
        value = None
        if len(children) > 1:
            loc = _loc(children[1])
            value, spans["value"] = loc.value, loc.span
        return ast.Option(name=name.value, value=value, span=meta_span(meta), spans=spans)

    def because(self, meta, children):
        return ("because", _loc(children[0]))

    def requirement(self, meta, children):
        rid = _loc(children[0])
        fields: dict[str, Any] = {"id": rid.value}
        spans = {"id": rid.span}
        options = []
        for child in children[1:]:
            if isinstance(child, ast.MetricRef):
                fields["target"] = child
            elif isinstance(child, ast.Option):
                options.append(child)
            elif isinstance(child, tuple) and child[0] == "comparison":
                fields["op"], fields["bound"] = child[1].value, float(child[2].value)
                spans["op"], spans["bound"] = child[1].span, child[2].span
            elif isinstance(child, tuple) and child[0] == "because":
                fields["because"] = child[1].value
                spans["because"] = child[1].span
            elif isinstance(child, Located):
                fields["mode"], spans["mode"] = child.value, child.span
            else:  # the title string
                title = _loc(child)
                fields["title"], spans["title"] = title.value, title.span
        return ("require", ast.Requirement(options=tuple(options), span=meta_span(meta), spans=spans,
                                           **fields))

    # ---- objectives --------------------------------------------------------------------------
    def objective_target(self, meta, children):
        child = children[0]
        if isinstance(child, ast.MetricRef):
            return child
        loc = _loc(child)
        return ast.MetricRef(metric=loc.value, span=loc.span, spans={"metric": loc.span})

    def goal(self, meta, children):
        sense, target = children
        return ast.Goal(sense=sense.value, target=target, span=meta_span(meta), spans={"sense": sense.span})

    def method(self, meta, children):
        name = _loc(children[0])
        points = _loc(children[1]) if len(children) > 1 else None
        spans = {"method": name.span}
        if points is not None:
            spans["points"] = points.span
        return ("method", name.value, None if points is None else int(points.value), spans)

    def choice_bound(self, meta, children):
        target, op, bound = children[0], children[1], _loc(children[2])
        return ast.ChoiceBound(target=target, op=op.value, bound=float(bound.value), span=meta_span(meta),
                               spans={"op": op.span, "bound": bound.span})

    def choose(self, meta, children):
        sense, target, *where = children
        return ast.Choice(sense=sense.value, target=target, where=tuple(where), span=meta_span(meta),
                          spans={"sense": sense.span})

    def objective(self, meta, children):
        name = _loc(children[0])
        goals, spans = [], {"name": name.span}
        fields: dict[str, Any] = {}
        for item in children[1:]:
            if isinstance(item, ast.Goal):
                goals.append(item)
            elif isinstance(item, ast.Choice):
                fields["choose"] = item
            else:
                _, fields["method"], fields["points"], method_spans = item
                spans.update(method_spans)
        return ("objective", ast.Objective(name=name.value, goals=tuple(goals), span=meta_span(meta),
                                           spans=spans, **fields))

    # ---- the policy --------------------------------------------------------------------------
    def policy(self, meta, children):
        name = _loc(children[0])
        rest = children[1:]
        fields: dict[str, Any] = {"name": name.value}
        spans = {"name": name.span}
        if rest and not isinstance(rest[0], tuple):
            title = _loc(rest[0])
            fields["title"], spans["title"] = title.value, title.span
            rest = rest[1:]
        lists: dict[str, list] = {"protected": [], "use_in_model": [], "group": [], "intersect": [],
                                  "require": [], "objective": []}
        seen: dict[str, ast.Span | None] = {}
        singles = {"version": "version", "owner": "owner", "description": "description", "seed": "seed",
                   "data": "data", "target": "target", "features": "features", "holdout": "holdout",
                   "missing": "missing", "model": "model", "audit": "audit"}
        for key, item in rest:
            if key in lists:
                lists[key].append(item)
                continue
            span = item.span
            if key in seen:
                where = f" (first at line {seen[key].line})" if seen[key] else ""
                self.diagnostics.append(error(
                    f"duplicate '{_statement_word(key)}' statement{where}", span,
                    hint="a policy states this once; remove one of them", code="duplicate-statement"))
                continue
            seen[key] = span
            fields[singles[key]] = item.value if isinstance(item, Located) else item
            if isinstance(item, Located):
                spans[key] = item.span
        return ast.Policy(protected=tuple(lists["protected"]), use_in_model=tuple(lists["use_in_model"]),
                          groups=tuple(lists["group"]), intersections=tuple(lists["intersect"]),
                          requirements=tuple(lists["require"]), objectives=tuple(lists["objective"]),
                          span=meta_span(meta), spans=spans, **fields)

    def start(self, meta, children):
        return children[0]


def _statement_word(key: str) -> str:
    return {"data": "dataset/data"}.get(key, key)


def parse(text: str, path: str = "<policy>") -> tuple[ast.Policy, list[Diagnostic]]:
    """Parse policy text; raise `PolicyError` with every syntax error, else return the policy and notes."""
    tree = _parse_reporting_all(text, path)
    builder = PolicyBuilder()
    policy = builder.transform(tree)
    comments = _comments(text)
    source = ast.SourceInfo(path=path, text=text, sha256=hashlib.sha256(text.encode("utf-8")).hexdigest())
    policy = policy.model_copy(update={"comments": tuple(comments), "origin": source})
    return policy, builder.diagnostics


_MAX_SYNTAX_ERRORS = 20
_STATEMENT_START = re.compile(r"[ \t]*(?:" + "|".join(STATEMENT_KEYWORDS) + r"|\})(?![A-Za-z0-9_])")


def _parse_reporting_all(text: str, path: str):
    """Parse; on a syntax error, blank out the statement that holds it (spaces keep every position)
    and parse again, so that one run reports each broken statement once."""
    diagnostics: list[Diagnostic] = []
    working = text
    while True:
        try:
            tree = _lark().parse(working)
        except UnexpectedInput as exc:
            found = syntax_diagnostic(exc, working)
            diagnostics.append(found)
            blanked = _blank_statement(working, found)
            if blanked is None or len(diagnostics) >= _MAX_SYNTAX_ERRORS:
                raise PolicyError(diagnostics, text, path) from None
            working = blanked
            continue
        if diagnostics:
            raise PolicyError(diagnostics, text, path)
        return tree


def _blank_statement(text: str, found: Diagnostic) -> str | None:
    """`text` with the statement around the error replaced by spaces; None when nothing can be skipped
    (an unclosed block, an error in the policy header, or at the end of the file)."""
    if found.span is None or found.code == "unclosed-block":
        return None
    lines = text.split("\n")
    error_line = found.span.line - 1
    if not 0 <= error_line < len(lines):
        return None
    first = error_line
    while first > 0 and not _STATEMENT_START.match(lines[first]):
        first -= 1
    if first == 0 or lines[first].strip() == "}":
        return None
    last = error_line
    while last + 1 < len(lines) and not _STATEMENT_START.match(lines[last + 1]):
        last += 1
    blanked = [" " * len(line) if first <= i <= last else line for i, line in enumerate(lines)]
    result = "\n".join(blanked)
    return None if result == text else result


def _comments(text: str) -> list[ast.Comment]:
    """Comments with their positions, for the formatter (the parser itself ignores them)."""
    found = []
    for tok in _lark().lex(text, dont_ignore=True):
        if tok.type == "COMMENT":
            found.append(ast.Comment(text=str(tok), span=token_span(tok)))
    return found


# ---- syntax errors ----------------------------------------------------------------------------

_TOKEN_WORDS = {
    "NAME": "a name", "STRING": 'a "string"', "SIGNED_NUMBER": "a number", "NUMBER": "a number",
    "INT": "a whole number", "LBRACE": "'{'", "RBRACE": "'}'", "LPAR": "'('", "RPAR": "')'",
    "LSQB": "'['", "RSQB": "']'", "COLON": "':'", "COMMA": "','", "EQUAL": "'='", "STAR": "'*'",
    "VS_OVERALL": "'vs overall'", "$END": "the end of the file",
}


def _describe_terminal(name: str) -> str:
    if name in _TOKEN_WORDS:
        return _TOKEN_WORDS[name]
    try:
        pattern = _lark().get_terminal(name).pattern
    except KeyError:
        return name.lower()
    return f"'{pattern.value}'" if pattern.type == "str" else name.lower()


def _describe_token(tok: Token) -> str:
    if tok.type == "$END":
        return "end of file"
    if tok.type in {"NAME", "STRING", "SIGNED_NUMBER", "NUMBER", "INT"}:
        return f"{_TOKEN_WORDS[tok.type].split(' ', 1)[-1]} {str(tok)!r}" if tok.type == "NAME" else repr(str(tok))
    return f"'{tok}'"


def _unclosed_brace(text: str) -> ast.Span | None:
    """The span of the first '{' (outside strings and comments) that is never closed."""
    stack: list[tuple[int, int, int]] = []
    line, col, i = 1, 1, 0
    in_string = in_comment = False
    while i < len(text):
        ch = text[i]
        if in_comment:
            in_comment = ch != "\n"
        elif in_string:
            if ch == "\\":
                i, col = i + 1, col + 1
            elif ch in {'"', "\n"}:
                in_string = False
        elif ch == "#":
            in_comment = True
        elif ch == '"':
            in_string = True
        elif ch == "{":
            stack.append((line, col, i))
        elif ch == "}" and stack:
            stack.pop()
        if ch == "\n":
            line, col = line + 1, 1
        else:
            col += 1
        i += 1
    if not stack:
        return None
    ln, cl, pos = stack[0] if len(stack) == 1 else stack[-1]
    return ast.Span(line=ln, column=cl, end_line=ln, end_column=cl + 1, start=pos, end=pos + 1)


def syntax_diagnostic(exc: UnexpectedInput, text: str) -> Diagnostic:
    """One located, hinted diagnostic for a Lark syntax error."""
    if isinstance(exc, UnexpectedCharacters):
        ch = text[exc.pos_in_stream] if exc.pos_in_stream < len(text) else ""
        span = ast.Span(line=exc.line, column=exc.column, end_line=exc.line, end_column=exc.column + 1,
                        start=exc.pos_in_stream, end=exc.pos_in_stream + 1)
        hint = "strings are written in double quotes" if ch == "'" else _expected_hint(exc.allowed)
        return error(f"unexpected character {ch!r}", span, hint=hint, code="syntax")
    token = getattr(exc, "token", None)
    at_end = isinstance(exc, UnexpectedEOF) or (token is not None and token.type == "$END")
    if at_end:
        brace = _unclosed_brace(text)
        if brace is not None:
            return error("unclosed '{': this block is never closed", brace,
                         hint="add a matching '}' (every '{' needs one)", code="unclosed-block")
        last = text.rstrip().split("\n") or [""]
        n = len(last)
        span = ast.Span(line=n, column=max(1, len(last[-1])), end_line=n, end_column=len(last[-1]) + 1)
        return error("unexpected end of file", span, hint=_expected_hint(exc.expected), code="syntax")
    assert isinstance(exc, UnexpectedToken)
    span = token_span(token)
    expected = set(exc.expected)
    hint = _expected_hint(expected)
    if token.type == "NAME":
        keywords = [k for k in STATEMENT_KEYWORDS if k.upper() in expected]
        if keywords:
            hint = did_you_mean(str(token), keywords, fallback=hint)
        if "RBRACE" in expected and not keywords and "COLON" not in expected:
            hint = hint
    if token.type == "RBRACE" and "COLON" in expected:
        hint = "a requirement reads `require NAME: metric(attribute) <= bound mode`"
    return error(f"unexpected {_describe_token(token)}", span, hint=hint, code="syntax")


def _expected_hint(expected: Any) -> str | None:
    if not expected:
        return None
    words = sorted({_describe_terminal(name) for name in expected})
    if len(words) > 10:
        words = words[:10] + ["..."]
    return "expected " + ", ".join(words)
