"""Composed directives (``@composeDirective``): their definitions and ``@link``s."""

from __future__ import annotations

from graphql import print_ast

from router.compose.subgraph import SubgraphSchema
from router.supergraph.model import DirectiveDefinition, Link


def _link_of(subgraph: SubgraphSchema, directive: str) -> Link | None:
    for link in subgraph.links:
        for entry in link.imports:
            original, _, local = entry.partition("=")
            if (local or original).lstrip("@") == directive:
                return Link(url=link.url, imports=(entry,))
        if directive == link.prefix or directive.startswith(f"{link.prefix}__"):
            return Link(url=link.url, alias=link.alias)
    return None


def composed_directives(
    subgraphs: list[SubgraphSchema],
) -> tuple[list[DirectiveDefinition], list[Link]]:
    """Definitions of the composed directives, and the feature links they come from."""
    definitions: dict[str, DirectiveDefinition] = {}
    links: list[Link] = []
    for subgraph in subgraphs:
        for name, _ in subgraph.compose_directives:
            definition = subgraph.directive_definitions.get(name)
            if name in definitions:
                continue
            if definition is not None:
                definitions[name] = DirectiveDefinition(name=name, sdl=print_ast(definition))
            link = _link_of(subgraph, name)
            if link is None:
                continue
            existing = next((item for item in links if item.url == link.url), None)
            if existing is None:
                links.append(link)
            elif link.imports and link.imports[0] not in existing.imports:
                merged = Link(
                    existing.url, existing.alias, existing.purpose, existing.imports + link.imports
                )
                links[links.index(existing)] = merged
    return list(definitions.values()), links
