"""Find where a policy mentions a name (an attribute, group, column), to point errors found later at it."""

from __future__ import annotations

from fairspec.language import ast


def span_of_name(policy: ast.Policy, name: str) -> ast.Span | None:
    """The span of the declaration of `name` (attribute, group, intersection) or of the column `name`."""
    for node in (*policy.protected, *policy.groups, *policy.intersections):
        if node.name == name:
            return node.span_of("name")
    for prot in policy.protected:
        if prot.column == name:
            return prot.span_of("column")
    if policy.target is not None and policy.target.column == name:
        return policy.target.span_of("column")
    if policy.features is not None and name in policy.features.columns:
        return policy.features.span
    if policy.data is not None and policy.data.name == name:
        return policy.data.span_of("name")
    return None
