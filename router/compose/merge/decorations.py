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
    merged.directives = _combine_requirements(merged.directives)
    return merged


# Directives whose argument is a list of alternatives, each a list of requirements: applied in
# several subgraphs, every subgraph's condition must hold, so the alternatives multiply.
_REQUIREMENT_ARGUMENTS = {"requiresScopes": "scopes", "policy": "policies"}


def _combine_requirements(directives: list[AppliedDirective]) -> list[AppliedDirective]:
    result: list[AppliedDirective] = []
    combined: dict[str, list[list[str]]] = {}
    for directive in directives:
        argument = _REQUIREMENT_ARGUMENTS.get(directive.name)
        alternatives = _alternatives(directive, argument) if argument else None
        if alternatives is None:
            result.append(directive)
            continue
        if directive.name not in combined:
            combined[directive.name] = alternatives
            result.append(directive)
            continue
        combined[directive.name] = [
            sorted({*left, *right}) for left in combined[directive.name] for right in alternatives
        ]
    for index, directive in enumerate(result):
        if directive.name in combined:
            argument = _REQUIREMENT_ARGUMENTS[directive.name]
            printed = ", ".join(
                "[" + ", ".join(print_ast(StringValueNode(value=item)) for item in group) + "]"
                for group in combined[directive.name]
            )
            result[index] = AppliedDirective(directive.name, f"{argument}: [{printed}]")
    return result


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
