"""Semantic checks of a parsed policy: every name resolves, every number is in range, every mode fits.

`check(policy)` returns the policy with shorthands expanded and the list of diagnostics (errors and
warnings), never raising: all of a file's problems are reported together.
"""

from __future__ import annotations

import difflib
from typing import Iterator

from fairspec.language import ast
from fairspec.language.diagnostics import Diagnostic, did_you_mean, error, warning
from fairspec.language.vocabulary import (BUNDLED_DATASETS, MISSING_POLICIES, MODE_OPTIONS, MODEL_FAMILIES,
                                          MODEL_PARAMS, MODES, OBJECTIVE_METHODS, REQUIRED_OPTIONS,
                                          SKLEARN_ESTIMATORS, SMALL_CELL_POLICIES)
from fairspec.metrics.catalog import METRICS, MetricInfo


def check(policy: ast.Policy) -> tuple[ast.Policy, list[Diagnostic]]:
    policy = expand_shorthands(policy)
    diagnostics: list[Diagnostic] = []
    for rule in (_check_data, _check_names, _check_protected, _check_groups, _check_model,
                 _check_requirements, _check_objectives, _check_combinations):
        diagnostics.extend(rule(policy))
    return policy, diagnostics


def expand_shorthands(policy: ast.Policy) -> ast.Policy:
    """`adversarial(race) weight λ` is `demographic_parity(race) adversarial weight λ`."""
    changed = []
    for req in policy.requirements:
        if req.target.metric == "adversarial" and req.mode is None:
            target = req.target.model_copy(update={"metric": "demographic_parity"})
            spans = dict(req.spans, mode=req.target.span_of("metric"))
            req = req.model_copy(update={"target": target, "mode": "adversarial", "spans": spans})
        changed.append(req)
    return policy.model_copy(update={"requirements": tuple(changed)})


def task_of(policy: ast.Policy) -> str:
    """binary when the target compares against values, regression when it is a bare column."""
    return "regression" if policy.target is not None and policy.target.op is None else "binary"


# ---- data ------------------------------------------------------------------------------------

def _check_data(policy: ast.Policy) -> Iterator[Diagnostic]:
    head = policy.span_of("name")
    if policy.data is None:
        yield error("the policy names no data", head, hint="add `dataset adult` or `data \"rows.csv\"`",
                    code="missing-data")
    elif policy.data.kind == "dataset" and policy.data.name not in BUNDLED_DATASETS:
        yield error(f"unknown bundled data set '{policy.data.name}'", policy.data.span_of("name"),
                    hint=did_you_mean(policy.data.name, BUNDLED_DATASETS), code="unknown-dataset")
    elif policy.data.kind == "file" and not policy.data.name.endswith((".csv", ".parquet", ".csv.gz")):
        yield error(f"cannot tell the format of '{policy.data.name}'", policy.data.span_of("name"),
                    hint="data files end in .csv, .csv.gz or .parquet", code="data-format")
    if policy.target is None:
        yield error("the policy names no target", head, hint='add e.g. `target income == ">50K"`',
                    code="missing-target")
    if policy.model is None:
        yield error("the policy declares no model", head, hint="add e.g. `model logistic`",
                    code="missing-model")
    if policy.holdout is not None and policy.holdout.kind == "fraction":
        frac = policy.holdout.fraction or 0.0
        if not 0.0 < frac < 1.0:
            yield error(f"holdout fraction {frac:g} is not between 0 and 1", policy.holdout.span_of("fraction"),
                        hint="e.g. `holdout 0.3 seed 7`", code="bound-range")
    if policy.holdout is not None and policy.holdout.kind == "test" and policy.data is not None \
            and policy.data.kind == "dataset" and policy.data.name != "adult":
        yield error(f"data set '{policy.data.name}' has no published test split", policy.holdout.span,
                    hint="use `holdout 0.3 seed 7`", code="no-test-split")
    if policy.missing is not None and policy.missing not in MISSING_POLICIES:
        yield error(f"unknown missing-value policy '{policy.missing}'", policy.span_of("missing"),
                    hint=did_you_mean(policy.missing, MISSING_POLICIES), code="unknown-word")


def _check_names(policy: ast.Policy) -> Iterator[Diagnostic]:
    """Attributes, groups and intersections share one namespace; requirements and objectives another."""
    seen: dict[str, ast.Span | None] = {}
    for node in (*policy.protected, *policy.groups, *policy.intersections):
        if node.name in seen:
            yield error(f"'{node.name}' is defined twice", node.span_of("name"),
                        hint=f"first defined at line {seen[node.name].line}" if seen[node.name] else None,
                        code="duplicate-name")
        seen.setdefault(node.name, node.span)
    ids: dict[str, ast.Span | None] = {}
    for node in (*policy.requirements, *policy.objectives):
        name = node.id if isinstance(node, ast.Requirement) else node.name
        if name in ids:
            yield error(f"requirement or objective '{name}' is defined twice", node.span_of("id") or node.span_of("name"),
                        hint="give each requirement its own name", code="duplicate-name")
        ids.setdefault(name, node.span)


def _check_protected(policy: ast.Policy) -> Iterator[Diagnostic]:
    for prot in policy.protected:
        for tr in prot.transforms:
            if isinstance(tr, ast.Bins):
                if list(tr.edges) != sorted(set(tr.edges)) or not tr.edges:
                    yield error("bin edges must be distinct and increasing", tr.span_of("edges"),
                                hint="e.g. `bins [25, 45]` makes <25, 25–44, 45+", code="bins")
                if tr.labels is not None and len(tr.labels) != len(tr.edges) + 1:
                    yield error(f"{len(tr.edges)} edges make {len(tr.edges) + 1} bins but "
                                f"{len(tr.labels)} labels are given", tr.span_of("labels"),
                                hint="give one label per bin", code="bins")
            if isinstance(tr, ast.Merge) and len(tr.values) < 1:
                yield error("merge needs at least one value", tr.span_of("values"),
                            hint='e.g. `merge ["Amer-Indian-Eskimo", "Other"] as "Other"`', code="merge")
    names = {p.name for p in policy.protected}
    for use in policy.use_in_model:
        if use.attribute not in names:
            yield _undefined(use.attribute, use.span_of("attribute"), names, "protected attribute")


def _check_groups(policy: ast.Policy) -> Iterator[Diagnostic]:
    attributes = {p.name for p in policy.protected}
    for group in policy.groups:
        for cond in group.conditions:
            if cond.attribute not in attributes:
                yield _undefined(cond.attribute, cond.span_of("attribute"), attributes, "protected attribute")
    for inter in policy.intersections:
        for i, attr in enumerate(inter.attributes):
            span = inter.spans.get(f"attribute.{i}", inter.span)
            if attr not in attributes:
                yield _undefined(attr, span, attributes, "protected attribute")
            elif attr in inter.attributes[:i]:
                yield error(f"'{attr}' appears twice in intersection '{inter.name}'", span,
                            hint="an intersection crosses different attributes, e.g. `sex * race`",
                            code="intersection")
        if inter.small not in SMALL_CELL_POLICIES:
            yield error(f"unknown small-cell policy '{inter.small}'", inter.span_of("small"),
                        hint=did_you_mean(inter.small, SMALL_CELL_POLICIES), code="unknown-word")


def _check_model(policy: ast.Policy) -> Iterator[Diagnostic]:
    model = policy.model
    if model is None:
        return
    if model.family not in MODEL_FAMILIES:
        yield error(f"unknown model '{model.family}'", model.span_of("family"),
                    hint=did_you_mean(model.family, MODEL_FAMILIES), code="unknown-model")
        return
    if model.family == "sklearn" and not model.estimator:
        yield error("model sklearn needs the estimator class", model.span_of("family"),
                    hint='e.g. `model sklearn "sklearn.ensemble.HistGradientBoostingClassifier"`',
                    code="sklearn-estimator")
    if model.family == "sklearn" and model.estimator and model.estimator not in SKLEARN_ESTIMATORS:
        yield error(f"'{model.estimator}' is not an allowed scikit-learn estimator",
                    model.span_of("estimator"),
                    hint=did_you_mean(model.estimator, SKLEARN_ESTIMATORS,
                                      "a policy may name only these classifiers: "
                                      + ", ".join(SKLEARN_ESTIMATORS)),
                    code="sklearn-estimator")
    if model.family != "sklearn" and model.estimator:
        yield error(f"model {model.family} takes no estimator string", model.span_of("estimator"),
                    hint="only `model sklearn \"...\"` names an estimator class", code="unknown-model")
    known = MODEL_PARAMS[model.family]
    seen = set()
    for param in model.params:
        if param.name in seen:
            yield error(f"parameter '{param.name}' is set twice", param.span_of("name"), code="duplicate-name")
        seen.add(param.name)
        if model.family == "sklearn":
            continue
        if param.name not in known:
            yield error(f"model {model.family} has no parameter '{param.name}'", param.span_of("name"),
                        hint=did_you_mean(param.name, known), code="unknown-parameter")
            continue
        problem = known[param.name].check(param.value)
        if problem:
            yield error(f"parameter '{param.name}' {problem}", param.span_of("value"),
                        hint=f"{param.name}: {known[param.name].summary}", code="parameter-value")


def _check_requirements(policy: ast.Policy) -> Iterator[Diagnostic]:
    partitions = policy.partition_names()
    task = task_of(policy)
    for req in policy.requirements:
        yield from _check_requirement(req, partitions, task)


def _check_requirement(req: ast.Requirement, partitions: dict[str, str], task: str) -> Iterator[Diagnostic]:
    info = yield from _check_metric_ref(req.target, partitions, task, group_only=True)
    misspelt = next((o for o in req.options if o.value is None
                     and difflib.get_close_matches(o.name, MODES, n=1, cutoff=0.6)), None)
    if req.mode is None and misspelt is not None:      # `hrad` parses as an option with no value
        yield error(f"unknown mode '{misspelt.name}'", misspelt.span_of("name"),
                    hint=did_you_mean(misspelt.name, MODES), code="unknown-mode")
    elif req.mode is None:
        yield error(f"requirement '{req.id}' has no mode", req.target.span,
                    hint="end it with hard, soft weight λ, adversarial weight λ or monitor", code="missing-mode")
    elif req.mode not in MODES:
        yield error(f"unknown mode '{req.mode}'", req.span_of("mode"), hint=did_you_mean(req.mode, MODES),
                    code="unknown-mode")
    if req.mode in MODE_OPTIONS:
        yield from _check_options(req)
    if info is None:
        return
    yield from _check_bound(req, info)
    if req.mode in MODES and req.mode not in info.modes:
        yield error(f"{info.name} cannot be a {req.mode} requirement", req.span_of("mode"),
                    hint=_mode_hint(info), code="mode-not-allowed")


def _check_metric_ref(ref: ast.MetricRef, partitions: dict[str, str], task: str, *, group_only: bool):
    """Check `metric(attribute)`; return the catalog entry when the metric is known."""
    info = METRICS.get(ref.metric)
    if info is None:
        yield error(f"unknown metric '{ref.metric}'", ref.span_of("metric"),
                    hint=did_you_mean(ref.metric, METRICS), code="unknown-metric")
        return None
    if task not in info.tasks:
        yield error(f"{info.name} is defined for a {' or '.join(info.tasks)} target, and this policy's target "
                    f"is {task}", ref.span_of("metric"), hint=_task_hint(task), code="metric-task")
    if info.group_metric:
        if ref.attribute is None:
            yield error(f"{info.name} needs an attribute: {info.name}(attribute)", ref.span_of("metric"),
                        hint="name a protected attribute, a group or an intersection", code="missing-attribute")
        elif ref.attribute not in partitions:
            yield _undefined(ref.attribute, ref.span_of("attribute"), partitions,
                             "protected attribute, group or intersection")
        if ref.reference == "overall" and info.family == "group_loss":
            yield error(f"'vs overall' does not apply to {info.name}", ref.span_of("reference"),
                        hint="bounded_group_loss bounds each group's loss on its own", code="vs-overall")
    elif group_only:
        yield error(f"{info.name} is a performance metric, not a fairness requirement", ref.span_of("metric"),
                    hint="use it in an objective block, e.g. `maximize accuracy`", code="not-a-group-metric")
    elif ref.attribute is not None:
        yield error(f"{info.name} takes no attribute", ref.span_of("attribute"),
                    hint=f"write `{info.name}` alone: it is measured over all rows", code="metric-attribute")
    return info


def _check_bound(req: ast.Requirement, info: MetricInfo) -> Iterator[Diagnostic]:
    if req.op is None:
        if req.mode == "hard":
            yield error(f"hard requirement '{req.id}' has no bound", req.target.span,
                        hint=f"e.g. {info.name}({req.target.attribute}) {info.direction} "
                             f"{0.8 if info.direction == '>=' else 0.05}", code="missing-bound")
        return
    if req.op not in ("<=", ">="):
        yield error(f"'{req.op}' cannot bound a metric", req.span_of("op"),
                    hint=f"{info.name} is bounded with '{info.direction}'", code="operator")
    elif req.op != info.direction:
        good = "small" if info.direction == "<=" else "large"
        yield error(f"{info.name} is fair when it is {good}: bound it with '{info.direction}', not '{req.op}'",
                    req.span_of("op"), hint=f"{info.name}({req.target.attribute}) {info.direction} {req.bound:g}",
                    code="direction")
    bound = req.bound if req.bound is not None else 0.0
    if bound < info.lower or (info.upper is not None and bound > info.upper):
        upper = "∞" if info.upper is None else f"{info.upper:g}"
        yield error(f"bound {bound:g} is outside the range of {info.name}, [{info.lower:g}, {upper}]",
                    req.span_of("bound"), hint=f"{info.name} is {info.summary}", code="bound-range")


def _check_options(req: ast.Requirement) -> Iterator[Diagnostic]:
    allowed = MODE_OPTIONS[req.mode]
    seen = set()
    for opt in req.options:
        if opt.name in seen:
            yield error(f"option '{opt.name}' is given twice", opt.span_of("name"), code="duplicate-name")
        seen.add(opt.name)
        if opt.name == "weight" and req.mode == "hard":
            yield error("a hard requirement takes no weight", opt.span_of("name"),
                        hint="hard requirements are constraints; for a penalty write `soft weight λ`",
                        code="weight-on-hard")
            continue
        if opt.name in MODES:
            yield error(f"'{opt.name}' is a second mode; a requirement has one", opt.span_of("name"),
                        hint="keep one of hard, soft, adversarial, monitor", code="two-modes")
            continue
        if opt.name not in allowed:
            hint = did_you_mean(opt.name, [*allowed, *MODES],
                                fallback=f"{req.mode} takes no options" if not allowed else None)
            yield error(f"{req.mode} requirements have no option '{opt.name}'", opt.span_of("name"),
                        hint=hint, code="unknown-option")
            continue
        if opt.value is None:
            yield error(f"option '{opt.name}' needs a value", opt.span_of("name"),
                        hint=allowed[opt.name].summary, code="option-value")
            continue
        problem = allowed[opt.name].check(opt.value)
        if problem:
            yield error(f"option '{opt.name}' {problem}", opt.span_of("value"),
                        hint=f"{opt.name}: {allowed[opt.name].summary}", code="option-value")
    for name in REQUIRED_OPTIONS.get(req.mode, ()):
        if name not in seen:
            yield error(f"a {req.mode} requirement needs a {name}", req.span_of("mode"),
                        hint=f"e.g. `{req.mode} {name} 1.0`", code="missing-option")


def _check_objectives(policy: ast.Policy) -> Iterator[Diagnostic]:
    partitions = policy.partition_names()
    task = task_of(policy)
    for obj in policy.objectives:
        if not obj.goals:
            yield error(f"objective '{obj.name}' has nothing to optimise", obj.span_of("name"),
                        hint="add at least two lines such as `maximize accuracy` and "
                             "`minimize demographic_parity(sex)`", code="empty-objective")
        elif len(obj.goals) < 2:
            yield error(f"objective '{obj.name}' has one goal; a trade-off needs two or more",
                        obj.goals[0].span, hint="add e.g. `minimize demographic_parity(sex)`",
                        code="empty-objective")
        goal_keys = set()
        for goal in obj.goals:
            yield from _check_metric_ref(goal.target, partitions, task, group_only=False)
            goal_keys.add(str(goal.target))
        if obj.method is not None and obj.method not in OBJECTIVE_METHODS:
            yield error(f"unknown method '{obj.method}'", obj.span_of("method"),
                        hint=did_you_mean(obj.method, OBJECTIVE_METHODS), code="unknown-word")
        if obj.points is not None and obj.points < 2:
            yield error("a frontier needs at least 2 points", obj.span_of("points"), code="bound-range")
        if obj.choose is not None:
            for ref in (obj.choose.target, *(b.target for b in obj.choose.where)):
                if str(ref) not in goal_keys:
                    yield error(f"'{ref}' is not one of objective '{obj.name}''s goals", ref.span,
                                hint="choose among: " + ", ".join(sorted(goal_keys)), code="choose")


def _check_combinations(policy: ast.Policy) -> Iterator[Diagnostic]:
    """Warnings for requirements that no classifier can meet together when base rates differ."""
    by_attr: dict[str, dict[str, ast.Requirement]] = {}
    for req in policy.requirements:
        if req.target.attribute and req.mode in ("hard", "soft"):
            by_attr.setdefault(req.target.attribute, {})[req.target.metric] = req
    for attr, reqs in by_attr.items():
        if "predictive_parity" in reqs and ("equalized_odds" in reqs or "fpr_parity" in reqs):
            other = reqs.get("equalized_odds") or reqs["fpr_parity"]
            yield warning(f"{other.target.metric}({attr}) and predictive_parity({attr}) cannot both hold "
                          f"when the base rates of '{attr}' differ (Chouldechova 2017; Kleinberg et al. 2016)",
                          reqs["predictive_parity"].span_of("id"),
                          hint="keep one as hard/soft and make the other a monitor", code="impossible-pair")
    for req in policy.requirements:
        if req.mode == "hard" and req.bound == 0.0 and req.op == "<=":
            yield warning(f"requirement '{req.id}' asks for a gap of exactly 0", req.span_of("bound"),
                          hint="a deterministic model rarely reaches an exact tie; consider a small bound",
                          code="zero-bound")


# ---- helpers ---------------------------------------------------------------------------------

def _undefined(name: str, span: ast.Span | None, known, what: str) -> Diagnostic:
    fallback = f"no {what}s are defined" if not known else None
    return error(f"undefined {what} '{name}'", span, hint=did_you_mean(name, known, fallback=fallback),
                 code="undefined-name")


def _mode_hint(info: MetricInfo) -> str:
    if info.name == "predictive_parity":
        return "precision conditions on the prediction itself, so no constraint on rates can fix it; " \
               "use soft or monitor"
    return f"{info.name} takes: {', '.join(info.modes)}"


def _task_hint(task: str) -> str:
    if task == "regression":
        return "the target has no `== value`: it is a regression target; use mean_prediction_parity or " \
               "bounded_group_loss"
    return "for a regression target write `target COLUMN` without a comparison"
