"""Merging descriptions, deprecations, @inaccessible, @tag and composed directives."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from graphql import GraphQLError, StringValueNode, parse_value, print_ast, value_from_ast_untyped

from router.compose.subgraph import Decorations
from router.supergraph.model import AppliedDirective


@dataclass(slots=True)
class MergedDecorations:
    description: str | None = None
    inaccessible: bool = False
    tags: list[str] = field(default_factory=list)
    deprecated: bool = False
    deprecation_reason: str | None = None
    directives: list[AppliedDirective] = field(default_factory=list)


def merge_decorations(sources: Sequence[Decorations]) -> MergedDecorations:
    merged = MergedDecorations()
    descriptions = [source.description for source in sources if source.description]
    if descriptions:
        counts = Counter(descriptions)
        best = max(counts.values())
        merged.description = next(text for text in descriptions if counts[text] == best)
    for source in sources:
        merged.inaccessible = merged.inaccessible or source.inaccessible
        for tag in source.tags:
            if tag not in merged.tags:
                merged.tags.append(tag)
        if source.deprecated and not merged.deprecated:
            merged.deprecated = True
            merged.deprecation_reason = source.deprecation_reason
        for directive in source.directives:
            if directive not in merged.directives:
                merged.directives.append(directive)
    merged.directives = combine_requirements(merged.directives)
    return merged


# Directives whose argument is a list of alternatives, each a list of requirements: applied in
# several subgraphs, every subgraph's condition must hold, so the alternatives multiply.
_REQUIREMENT_ARGUMENTS = {"requiresScopes": "scopes", "policy": "policies"}


def combine_requirements(directives: list[AppliedDirective]) -> list[AppliedDirective]:
    """``directives`` with the @requiresScopes (and @policy) applications combined into one."""
    result: list[AppliedDirective] = []
    sources: dict[str, list[list[list[str]]]] = {}
    for directive in directives:
        argument = _REQUIREMENT_ARGUMENTS.get(directive.name)
        alternatives = _alternatives(directive, argument) if argument else None
        if alternatives is None:
            result.append(directive)
            continue
        if directive.name not in sources:
            result.append(directive)
            sources[directive.name] = []
        sources[directive.name].append(alternatives)
    for index, directive in enumerate(result):
        values = sources.get(directive.name)
        if values is None or len(values) < 2:
            continue  # one subgraph's requirement is kept as written
        argument = _REQUIREMENT_ARGUMENTS[directive.name]
        printed = ", ".join(
            "[" + ", ".join(print_ast(StringValueNode(value=item)) for item in group) + "]"
            for group in conjunction(values)
        )
        result[index] = AppliedDirective(directive.name, f"{argument}: [{printed}]")
    return result


def conjunction(values: Sequence[list[list[str]]]) -> list[list[str]]:
    """Requirements that hold when every one of ``values`` holds.

    Each value is a disjunction of alternatives, each alternative a set of requirements that
    must all be met. The result has one alternative per way of picking one alternative from
    every value (their union, sorted), without repeats and without any alternative that
    includes another one (meeting the smaller one is then enough); shortest first.
    """
    combined: list[list[str]] = [[]]
    for value in values:
        alternatives = value or [[]]  # no alternatives: nothing more is required
        products: list[list[str]] = []
        for left in combined:
            for right in alternatives:
                candidate = sorted({*left, *right})
                if candidate not in products:
                    products.append(candidate)
        combined = [
            candidate
            for candidate in products
            if not any(other != candidate and set(other) <= set(candidate) for other in products)
        ]
    return sorted(combined, key=lambda alternative: (len(alternative), alternative))


def requirement_alternatives(directive: AppliedDirective) -> list[list[str]] | None:
    """The alternatives of a @requiresScopes or @policy application (None for others)."""
    argument = _REQUIREMENT_ARGUMENTS.get(directive.name)
    return _alternatives(directive, argument) if argument else None


def _alternatives(directive: AppliedDirective, argument: str) -> list[list[str]] | None:
    prefix = f"{argument}:"
    if not directive.arguments.startswith(prefix):
        return None
    try:
        value = value_from_ast_untyped(parse_value(directive.arguments[len(prefix) :]))
    except GraphQLError:
        return None
    if not isinstance(value, list):
        return None
    groups: list[list[str]] = []
    for group in value:
        items = group if isinstance(group, list) else [group]
        groups.append([str(item) for item in items])
    return groups
