"""Hypothesis strategies that write valid policies as text, each with what the parser must read from it.

`policies()` draws a `Generated`: the policy text (statements in random order, random layout, comments
between tokens) and `expected`, the facts the text states, built while writing it and independent of
the parser. `observed(policy)` reads the same facts back from a parsed `Policy`, so a test can compare
the two. Names are any identifier, grammar keywords included (the contextual lexer allows them).
`property_settings(n)` is the hypothesis configuration every property test of tests/language uses.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, Callable

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from fairspec.language import ast
from fairspec.language.parser import grammar_text
from fairspec.language.vocabulary import (BUNDLED_DATASETS, MISSING_POLICIES, MODE_OPTIONS, MODEL_PARAMS, MODES,
                                          OBJECTIVE_METHODS, REQUIRED_OPTIONS, SKLEARN_ESTIMATORS,
                                          SMALL_CELL_POLICIES)
from fairspec.metrics.catalog import METRICS

KEYWORDS = tuple(sorted(set(re.findall(r'"([a-z_]+)"', grammar_text()))))

plain_identifiers = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,9}", fullmatch=True).filter(lambda n: n not in KEYWORDS)
identifiers = st.one_of(plain_identifiers, st.sampled_from(KEYWORDS))
texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=10)
finite_floats = st.floats(allow_nan=False, allow_infinity=False)
positive = st.one_of(st.integers(1, 10**6), st.floats(0, 1e6, exclude_min=True))
non_negative = st.one_of(st.integers(0, 10**6), st.floats(0, 1e6))
unit_open_low = st.floats(0, 1, exclude_min=True)


def property_settings(examples: int) -> settings:
    """`examples` fixed examples per run, the same every run; FAIRSPEC_FUZZ_EXAMPLES=N runs N random ones."""
    deep = os.environ.get("FAIRSPEC_FUZZ_EXAMPLES")
    return settings(max_examples=int(deep) if deep else examples, derandomize=not deep, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@dataclass(frozen=True)
class Generated:
    text: str
    expected: dict[str, Any]


# ---- spelling values as tokens -----------------------------------------------------------------

def quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'


def number(value: int | float) -> str:
    return str(value) if isinstance(value, int) else repr(value)


@st.composite
def string_or_name(draw) -> tuple[str, str]:
    """(token, value): a string literal, or a bare name, both read as a Python str."""
    if draw(st.booleans()):
        name = draw(identifiers)
        return name, name
    text = draw(texts)
    return quoted(text), text


@st.composite
def value_tokens(draw) -> tuple[str, Any]:
    """A `value` of the grammar (string, number or name) and the Python value it reads as."""
    kind = draw(st.sampled_from(["string", "int", "float"]))
    if kind == "string":
        return draw(string_or_name())
    value = draw(st.integers(-10**6, 10**6) if kind == "int" else finite_floats)
    return number(value), value


def listing(items: list[str], trailing_comma: bool) -> str:
    return "[" + ", ".join(items) + ("," if items and trailing_comma else "") + "]"


@st.composite
def value_list(draw, min_size: int = 0) -> tuple[str, tuple]:
    pairs = draw(st.lists(value_tokens(), min_size=min_size, max_size=3))
    return listing([t for t, _ in pairs], draw(st.booleans())), tuple(v for _, v in pairs)


# ---- statements: each returns (kind, tokens, expected fact) ------------------------------------

@st.composite
def data_statement(draw):
    if draw(st.booleans()):
        name = draw(st.sampled_from(BUNDLED_DATASETS))
        return "data", ["dataset", name], ("dataset", name)
    path = draw(texts) + draw(st.sampled_from([".csv", ".parquet", ".csv.gz"]))
    return "data", ["data", quoted(path)], ("file", path)


@st.composite
def target_statement(draw, task: str):
    token, column = draw(string_or_name())
    if task == "regression":
        return "target", ["target", token], (column, None, ())
    how = draw(st.sampled_from(["==", "!=", "in"]))
    if how == "in":
        items, values = draw(value_list())
        return "target", ["target", token, "in", items], (column, "in", values)
    value_token, value = draw(value_tokens())
    return "target", ["target", token, how, value_token], (column, how, (value,))


@st.composite
def holdout_statement(draw, dataset: str | None):
    kinds = ["fraction", "file"] + (["test"] if dataset == "adult" else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "test":
        return "holdout", ["holdout", "test"], ("test", None, None, None)
    if kind == "file":
        path = draw(texts)
        return "holdout", ["holdout", "file", quoted(path)], ("file", None, None, path)
    fraction = draw(st.floats(0, 1, exclude_min=True, exclude_max=True))
    seed = draw(st.none() | st.integers(0, 2**40))
    tokens = ["holdout", repr(fraction)] + ([] if seed is None else ["seed", str(seed)])
    return "holdout", tokens, ("fraction", fraction, seed, None)


@st.composite
def transform(draw):
    kind = draw(st.sampled_from(["merge", "bins", "map"]))
    if kind == "merge":
        items, values = draw(value_list(min_size=1))
        label = draw(texts)
        return ["merge", items, "as", quoted(label)], ("merge", values, label)
    if kind == "bins":
        edges = sorted(set(draw(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=4))))
        tokens = ["bins", listing([repr(e) for e in edges], draw(st.booleans()))]
        labels = None
        if draw(st.booleans()):
            labels = tuple(draw(st.lists(texts, min_size=len(edges) + 1, max_size=len(edges) + 1)))
            tokens += ["labels", listing([quoted(l) for l in labels], draw(st.booleans()))]
        return tokens, ("bins", tuple(edges), labels)
    pairs = draw(st.lists(st.tuples(value_tokens(), texts), min_size=1, max_size=3))
    body = ", ".join(f"{t}: {quoted(label)}" for (t, _), label in pairs)
    closing = ", }" if draw(st.booleans()) else " }"
    return ["map", "{ " + body + closing], ("map", tuple((v, label) for (_, v), label in pairs))


@st.composite
def protected_statement(draw, name: str):
    column_token, column = draw(string_or_name())
    pieces = draw(st.lists(transform(), max_size=3))
    tokens = ["protected", name, "=", "column", column_token] + [t for tokens, _ in pieces for t in tokens]
    return "protected", tokens, (name, column, tuple(fact for _, fact in pieces))


@st.composite
def group_statement(draw, name: str, attributes: list[str]):
    tokens, conditions = ["group", name, "="], []
    for i in range(draw(st.integers(1, 3))):
        attribute = draw(st.sampled_from(attributes))
        if draw(st.booleans()):
            value_token, value = draw(value_tokens())
            tokens += ([] if i == 0 else ["and"]) + [attribute, "==", value_token]
            conditions.append((attribute, (value,)))
        else:
            items, values = draw(value_list())
            tokens += ([] if i == 0 else ["and"]) + [attribute, "in", items]
            conditions.append((attribute, values))
    return "group", tokens, (name, tuple(conditions))


@st.composite
def intersect_statement(draw, name: str, attributes: list[str]):
    chosen = draw(st.lists(st.sampled_from(attributes), min_size=2, max_size=3, unique=True))
    tokens = ["intersect", name, "=", " * ".join(chosen)]
    support = draw(st.none() | st.integers(0, 10**6))
    small = draw(st.none() | st.sampled_from(SMALL_CELL_POLICIES))
    if support is not None:
        tokens += ["min_support", str(support)]
    if small is not None:
        tokens += ["small", small]
    return "intersect", tokens, (name, tuple(chosen), support or 0, small or "merge")


# ---- the model ---------------------------------------------------------------------------------

PARAM_VALUES: dict[str, st.SearchStrategy] = {
    "l2": non_negative, "weight_decay": non_negative, "lr": positive,
    "max_iter": st.integers(1, 10**4), "epochs": st.integers(1, 500), "batch_size": st.integers(1, 4096),
    "patience": st.integers(0, 50), "dropout": st.floats(0, 1),
    "hidden": st.lists(st.integers(1, 512), min_size=1, max_size=3),
    "backend": st.sampled_from(["auto", "cvxpy", "torch", "sklearn"]),
    "device": st.sampled_from(["auto", "cpu", "cuda"]),
}
any_param_value = st.one_of(st.booleans(), st.integers(-10**6, 10**6), finite_floats, texts,
                            st.lists(st.one_of(st.integers(-99, 99), texts), max_size=3))


def param_token(draw, value: Any) -> str:
    """The text of a parameter value; strings that are plain names are sometimes written bare."""
    if isinstance(value, bool):
        return draw(st.sampled_from(["yes", "true"] if value else ["no", "false"]))
    if isinstance(value, (int, float)):
        return number(value)
    if isinstance(value, list):
        return listing([param_token(draw, v) for v in value], draw(st.booleans()))
    bare = re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value) and value not in KEYWORDS
    return value if bare and draw(st.booleans()) else quoted(value)


@st.composite
def model_statement(draw, family: str):
    tokens, estimator = ["model", family], None
    if family == "sklearn":
        estimator = draw(st.sampled_from(SKLEARN_ESTIMATORS))   # any other name is a check error
        tokens.append(quoted(estimator))
        # A keyword as a parameter name needs the comma before it after a yes/no value (LALR merges
        # that state with `use_in_model`'s), so the generator keeps estimator parameters to plain names.
        names = draw(st.lists(plain_identifiers, max_size=3, unique=True))
        params = {n: draw(any_param_value) for n in names}
    else:
        known = sorted(set(MODEL_PARAMS[family]) & set(PARAM_VALUES))
        names = draw(st.lists(st.sampled_from(known), max_size=4, unique=True))
        params = {n: draw(PARAM_VALUES[n]) for n in names}
    if params or draw(st.booleans()):
        items = [f"{n} = {param_token(draw, v)}" for n, v in params.items()]
        separator = draw(st.sampled_from([", ", " ", ",\n"]))
        tokens.append("{ " + separator.join(items) + (",\n" if items and draw(st.booleans()) else " ") + "}")
    return "model", tokens, (family, estimator, params)


# ---- requirements and objectives ----------------------------------------------------------------

OPTION_VALUES: dict[str, st.SearchStrategy] = {
    "confidence": unit_open_low, "safety": unit_open_low, "weight": positive,
    "group_weights": st.dictionaries(st.one_of(identifiers, texts), non_negative.map(float), max_size=3),
    "warmup": st.integers(0, 100), "ramp": st.integers(0, 100), "steps": st.integers(1, 20),
    "adversary_lr": positive, "clip": positive,
    "source": st.sampled_from(["logit", "logit_label", "representation"]),
    "projection": st.booleans(),
    "heads": st.sampled_from(["per_attribute", "per_cell"]),
}


def option_token(draw, value: Any) -> str:
    if isinstance(value, dict):
        entries = []
        for key, weight in value.items():
            bare = re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key) and draw(st.booleans())
            entries.append(f"{key if bare else quoted(key)}: {number(weight)}")
        return "{ " + ", ".join(entries) + " }"
    if isinstance(value, str):
        return quoted(value)
    return param_token(draw, value)


@st.composite
def mode_options(draw, mode: str) -> dict[str, Any]:
    allowed = sorted(set(MODE_OPTIONS[mode]) & set(OPTION_VALUES))
    names = set(draw(st.lists(st.sampled_from(allowed), max_size=3, unique=True))) if allowed else set()
    names |= set(REQUIRED_OPTIONS.get(mode, ()))
    ordered = draw(st.permutations(sorted(names)))
    return {n: draw(OPTION_VALUES[n]) for n in ordered}


def group_metrics(task: str) -> list[str]:
    return [n for n, info in METRICS.items() if info.group_metric and task in info.tasks]


@st.composite
def metric_target(draw, task: str, partitions: list[str]) -> tuple[str, str, str]:
    metric = draw(st.sampled_from(group_metrics(task)))
    overall = METRICS[metric].family != "group_loss" and draw(st.booleans())
    return metric, draw(st.sampled_from(partitions)), "overall" if overall else "pairwise"


def metric_ref_text(metric: str, attribute: str, reference: str, gap: str = " ") -> str:
    return f"{metric}({attribute})" + (f"{gap}vs{gap}overall" if reference == "overall" else "")


@st.composite
def requirement_statement(draw, rid: str, task: str, partitions: list[str], modes_allowed: tuple[str, ...]):
    metric, attribute, reference = draw(metric_target(task, partitions))
    info = METRICS[metric]
    modes = [m for m in info.modes if m in MODES and m in modes_allowed]
    if not modes:  # e.g. a performance-free family: every group metric takes monitor
        modes = ["monitor"]
    mode = draw(st.sampled_from(modes))
    shorthand = mode == "adversarial" and "binary" in METRICS["demographic_parity"].tasks and task == "binary" \
        and draw(st.booleans())
    if shorthand:
        metric = "demographic_parity"
        info = METRICS[metric]
    title = draw(st.none() | texts)
    tokens = ["require", rid] + ([] if title is None else [quoted(title)]) + [":"]
    gap = draw(st.sampled_from([" ", "  ", "\n\t"]))
    tokens.append(metric_ref_text("adversarial" if shorthand else metric, attribute, reference, gap))
    op = bound = None
    if mode == "hard" or draw(st.booleans()):
        upper = 1e6 if info.upper is None else info.upper
        op, bound = info.direction, draw(st.floats(info.lower, upper))
        tokens += [op, number(bound)]
    if not shorthand:
        tokens.append(mode)
    options = draw(mode_options(mode))
    for name, value in options.items():
        tokens += [name, option_token(draw, value)]
    because = draw(st.none() | texts)
    if because is not None:
        tokens += ["because", quoted(because)]
    fact = (rid, title, metric, attribute, reference, op, bound, mode, options, because)
    return "require", tokens, fact


@st.composite
def objective_target(draw, task: str, partitions: list[str]) -> tuple[str, str]:
    """(text, key): a performance metric by name, or a group metric with its attribute."""
    performance = [n for n, i in METRICS.items() if not i.group_metric and task in i.tasks]
    if draw(st.booleans()):
        name = draw(st.sampled_from(performance))
        return name, name
    text = metric_ref_text(*draw(metric_target(task, partitions)))
    return text, text


@st.composite
def objective_statement(draw, name: str, task: str, partitions: list[str]):
    goals = draw(st.lists(st.tuples(st.sampled_from(["maximize", "minimize"]), objective_target(task, partitions)),
                          min_size=2, max_size=3))
    items = [f"{sense} {text}" for sense, (text, _) in goals]
    method = points = choose = None
    if draw(st.booleans()):
        method = draw(st.sampled_from(OBJECTIVE_METHODS))
        points = draw(st.none() | st.integers(2, 100))
        items.insert(draw(st.integers(0, len(items))), f"method {method}" + ("" if points is None else f" points {points}"))
    if draw(st.booleans()):
        keys = [key for _, (_, key) in goals]
        sense = draw(st.sampled_from(["max", "min"]))
        target = draw(st.sampled_from(keys))
        bounds = draw(st.lists(st.tuples(st.sampled_from(keys), st.sampled_from(["<=", ">=", "<", ">", "=="]),
                                         finite_floats), max_size=2))
        text = f"choose {sense} {target}"
        if bounds:
            text += " where " + " and ".join(f"{k} {op} {number(b)}" for k, op, b in bounds)
        items.insert(draw(st.integers(0, len(items))), text)
        choose = (sense, target, tuple(bounds))
    goal_keys = tuple((sense, key) for sense, (_, key) in goals)
    return "objective", ["objective", name, ":"] + items, (name, goal_keys, method, points, choose)


# ---- the whole policy --------------------------------------------------------------------------

SINGLE_KINDS = ("version", "owner", "description", "seed", "data", "target", "features", "holdout", "missing",
                "model", "audit")
LIST_KINDS = ("protected", "use_in_model", "group", "intersect", "require", "objective")


@st.composite
def layout(draw, tokens: list[str], comments: list[str]) -> str:
    """Join tokens with random whitespace, sometimes a comment (which then needs its newline)."""
    out = []
    for i, token in enumerate(tokens):
        out.append(token)
        if i == len(tokens) - 1:
            break
        if draw(st.integers(0, 9)) == 0:
            comment = "#" + draw(st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\n\r"),
                                         max_size=8))
            comments.append(comment)
            out.append(" " + comment + "\n    ")
        else:
            out.append(draw(st.sampled_from([" ", " ", "  ", "\n    ", "\t"])))
    return "".join(out)


@st.composite
def policies(draw, modes_for_family: Callable[[str], tuple[str, ...]] = lambda family: MODES) -> Generated:
    """A valid policy; `modes_for_family` narrows the modes its requirements use for the drawn model."""
    task = draw(st.sampled_from(["binary", "binary", "regression"]))
    names = draw(st.lists(identifiers, min_size=8, max_size=8, unique=True))
    attributes = names[:draw(st.integers(1, 4))]
    groups = names[4:4 + draw(st.integers(0, 2))]
    intersections = names[6:6 + (draw(st.integers(0, 2)) if len(attributes) > 1 else 0)]
    partitions = attributes + groups + intersections
    family = draw(st.sampled_from(sorted(MODEL_PARAMS)))
    statements = [draw(data_statement()), draw(target_statement(task)), draw(model_statement(family))]
    dataset = statements[0][2][1] if statements[0][2][0] == "dataset" else None
    for key in ("version", "owner", "description", "audit"):
        if draw(st.booleans()):
            value = draw(texts)
            statements.append((key, [key, quoted(value)], value))
    if draw(st.booleans()):
        mode = draw(st.sampled_from(["include", "exclude"]))
        columns = draw(st.lists(string_or_name(), max_size=3))
        statements.append(("features", ["features", mode, listing([t for t, _ in columns], draw(st.booleans()))],
                           (mode, tuple(v for _, v in columns))))
    holdout = draw(st.none() | holdout_statement(dataset))
    if holdout is not None:
        statements.append(holdout)
    # `holdout 0.3` followed by `seed 7` reads as `holdout 0.3 seed 7`; the formatter can put them in that
    # order, so such policies are left to test_lang_formatter's test of that case.
    ambiguous_seed = holdout is not None and holdout[2][0] == "fraction" and holdout[2][2] is None
    if not ambiguous_seed and draw(st.booleans()):
        seed = draw(st.integers(0, 2**40))
        statements.append(("seed", ["seed", str(seed)], seed))
    if draw(st.booleans()):
        missing = draw(st.sampled_from(MISSING_POLICIES))
        statements.append(("missing", ["missing", missing], missing))
    statements += [draw(protected_statement(name)) for name in attributes]
    for name in draw(st.lists(st.sampled_from(attributes), unique=True, max_size=2)):
        flag = draw(st.sampled_from(["yes", "no", "true", "false"]))
        statements.append(("use_in_model", ["use_in_model", name, flag], (name, flag in ("yes", "true"))))
    statements += [draw(group_statement(name, attributes)) for name in groups]
    statements += [draw(intersect_statement(name, attributes)) for name in intersections]
    ids = draw(st.lists(identifiers, max_size=5, unique=True))
    n_requirements = draw(st.integers(0, len(ids)))
    modes = modes_for_family(family)
    statements += [draw(requirement_statement(rid, task, partitions, modes)) for rid in ids[:n_requirements]]
    statements += [draw(objective_statement(name, task, partitions)) for name in ids[n_requirements:][:2]]
    return _assemble(draw, names, statements)


def _assemble(draw, names, statements) -> Generated:
    policy_name = draw(identifiers)
    title = draw(st.none() | texts)
    comments: list[str] = []
    order = draw(st.permutations(statements))
    body = [draw(layout(tokens, comments)) for _, tokens, _ in order]
    header = ["policy", policy_name] + ([] if title is None else [quoted(title)]) + ["{"]
    text = draw(layout(header, comments)) + "\n" + "".join("  " + s + "\n" for s in body) + "}\n"
    expected: dict[str, Any] = {"name": policy_name, "title": title}
    expected.update({kind: None for kind in SINGLE_KINDS})
    expected.update({kind: [] for kind in LIST_KINDS})
    for kind, _, fact in order:
        if kind in LIST_KINDS:
            expected[kind].append(fact)
        else:
            expected[kind] = fact
    expected = {k: tuple(v) if isinstance(v, list) else v for k, v in expected.items()}
    expected["comments"] = tuple(sorted(comments))
    return Generated(text, expected)


# ---- reading the same facts back from a parsed policy -------------------------------------------

def _transform_fact(tr: ast.Transform):
    if isinstance(tr, ast.Merge):
        return ("merge", tr.values, tr.label)
    if isinstance(tr, ast.Bins):
        return ("bins", tr.edges, tr.labels)
    return ("map", tr.entries)


def observed(p: ast.Policy) -> dict[str, Any]:
    """The facts of `expected` as the parser read them (shorthands already expanded by the checker)."""
    h = p.holdout
    return {
        "name": p.name, "title": p.title, "version": p.version, "owner": p.owner, "description": p.description,
        "seed": p.seed, "audit": p.audit, "missing": p.missing,
        "data": None if p.data is None else (p.data.kind, p.data.name),
        "target": None if p.target is None else (p.target.column, p.target.op, p.target.values),
        "features": None if p.features is None else (p.features.mode, p.features.columns),
        "holdout": None if h is None else (h.kind, h.fraction, h.seed, h.path),
        "model": None if p.model is None else (p.model.family, p.model.estimator, p.model.param_dict()),
        "protected": tuple((x.name, x.column, tuple(_transform_fact(t) for t in x.transforms))
                           for x in p.protected),
        "use_in_model": tuple((u.attribute, u.value) for u in p.use_in_model),
        "group": tuple((g.name, tuple((c.attribute, c.values) for c in g.conditions)) for g in p.groups),
        "intersect": tuple((i.name, i.attributes, i.min_support, i.small) for i in p.intersections),
        "require": tuple((r.id, r.title, r.target.metric, r.target.attribute, r.target.reference, r.op, r.bound,
                          r.mode, {o.name: o.value for o in r.options}, r.because) for r in p.requirements),
        "objective": tuple((o.name, tuple((g.sense, str(g.target)) for g in o.goals), o.method, o.points,
                            None if o.choose is None else
                            (o.choose.sense, str(o.choose.target),
                             tuple((str(b.target), b.op, b.bound) for b in o.choose.where)))
                           for o in p.objectives),
        "comments": tuple(sorted(c.text for c in p.comments)),
    }
