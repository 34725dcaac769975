"""The typed policy: frozen pydantic nodes built from the parse tree, each with its source span.

Every node has `span` (the whole construct) and `spans` (the span of individual fields, so a check
can put its caret under the offending token: `node.spans["attribute"]`). Spans are positional
detail, not meaning: two policies that differ only in layout compare equal under `meaning()`.
"""

from __future__ import annotations

from typing import Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr

Scalar = Union[StrictBool, StrictInt, StrictFloat, StrictStr]
ParamValue = Union[Scalar, list[Scalar]]
OptionValue = Union[Scalar, dict[str, float]]


class Span(BaseModel):
    """A region of the source: 1-based line/column of its first and last character, and offsets."""

    model_config = ConfigDict(frozen=True)
    line: int
    column: int
    end_line: int
    end_column: int
    start: int = 0
    end: int = 0


class Node(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    span: Span | None = None
    spans: dict[str, Span] = Field(default_factory=dict)

    def span_of(self, field: str) -> Span | None:
        """The span of one field's token, falling back to the node's own span."""
        return self.spans.get(field, self.span)


class DataSource(Node):
    kind: Literal["dataset", "file"]
    name: str


class Target(Node):
    column: str
    op: Literal["==", "!=", "in"] | None = None
    values: tuple[Scalar, ...] = ()


class Features(Node):
    mode: Literal["include", "exclude"]
    columns: tuple[str, ...]


class Holdout(Node):
    kind: Literal["fraction", "file", "test"]
    fraction: float | None = None
    seed: int | None = None
    path: str | None = None


class Merge(Node):
    kind: Literal["merge"] = "merge"
    values: tuple[Scalar, ...]
    label: str


class Bins(Node):
    kind: Literal["bins"] = "bins"
    edges: tuple[float, ...]
    labels: tuple[str, ...] | None = None


class ValueMap(Node):
    kind: Literal["map"] = "map"
    entries: tuple[tuple[Scalar, str], ...]


Transform = Union[Merge, Bins, ValueMap]


class Protected(Node):
    name: str
    column: str
    transforms: tuple[Transform, ...] = ()


class UseInModel(Node):
    attribute: str
    value: bool


class Condition(Node):
    attribute: str
    values: tuple[Scalar, ...]


class Group(Node):
    name: str
    conditions: tuple[Condition, ...]


class Intersection(Node):
    name: str
    attributes: tuple[str, ...]
    min_support: int = 0
    small: str = "merge"


class Param(Node):
    name: str
    value: ParamValue


class Model(Node):
    family: str
    estimator: str | None = None
    params: tuple[Param, ...] = ()

    def param_dict(self) -> dict[str, Any]:
        return {p.name: p.value for p in self.params}


class MetricRef(Node):
    """`metric(attribute)` with an optional `vs overall`; a bare name (`accuracy`) has no attribute."""

    metric: str
    attribute: str | None = None
    reference: Literal["pairwise", "overall"] = "pairwise"

    def __str__(self) -> str:
        text = self.metric if self.attribute is None else f"{self.metric}({self.attribute})"
        return text + (" vs overall" if self.reference == "overall" else "")


class Option(Node):
    name: str
    value: OptionValue | None = None


class Requirement(Node):
    id: str
    title: str | None = None
    target: MetricRef
    op: str | None = None
    bound: float | None = None
    mode: str | None = None
    options: tuple[Option, ...] = ()
    because: str | None = None

    def option(self, name: str, default: Any = None) -> Any:
        for opt in self.options:
            if opt.name == name:
                return opt.value
        return default


class Goal(Node):
    sense: Literal["maximize", "minimize"]
    target: MetricRef


class ChoiceBound(Node):
    target: MetricRef
    op: str
    bound: float


class Choice(Node):
    sense: Literal["max", "min"]
    target: MetricRef
    where: tuple[ChoiceBound, ...] = ()


class Objective(Node):
    name: str
    goals: tuple[Goal, ...] = ()
    method: str | None = None
    points: int | None = None
    choose: Choice | None = None


class Comment(Node):
    text: str


class SourceInfo(BaseModel):
    """Where a policy was read from: its path, text and sha256 (for the audit record)."""

    model_config = ConfigDict(frozen=True)
    path: str
    text: str
    sha256: str


class Policy(Node):
    """A parsed policy. After `check` it is also a *checked* policy: every reference resolves."""

    name: str
    title: str | None = None
    version: str | None = None
    owner: str | None = None
    description: str | None = None
    seed: int | None = None
    data: DataSource | None = None
    target: Target | None = None
    features: Features | None = None
    holdout: Holdout | None = None
    missing: str | None = None
    protected: tuple[Protected, ...] = ()
    use_in_model: tuple[UseInModel, ...] = ()
    groups: tuple[Group, ...] = ()
    intersections: tuple[Intersection, ...] = ()
    model: Model | None = None
    requirements: tuple[Requirement, ...] = ()
    objectives: tuple[Objective, ...] = ()
    audit: str | None = None
    comments: tuple[Comment, ...] = Field(default=(), repr=False)
    origin: SourceInfo | None = Field(default=None, repr=False)

    def partition_names(self) -> dict[str, str]:
        """Every name a requirement may refer to, mapped to its kind."""
        names = {p.name: "attribute" for p in self.protected}
        names.update({g.name: "group" for g in self.groups})
        names.update({i.name: "intersection" for i in self.intersections})
        return names

    def meaning(self) -> dict[str, Any]:
        """The policy without positions or comments: equal for policies that mean the same."""
        return _strip(self.model_dump(exclude={"comments", "origin"}))


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in {"span", "spans"}}
    if isinstance(value, (list, tuple)):
        return [_strip(v) for v in value]
    return value
