"""@composeDirective: DIRECTIVE_COMPOSITION_ERROR for directives that cannot be composed."""

from __future__ import annotations

from router.compose.errors import Diagnostics
from router.compose.subgraph import SubgraphSchema


def _linked(subgraph: SubgraphSchema, directive: str) -> bool:
    for link in subgraph.links:
        if directive == link.prefix or directive.startswith(f"{link.prefix}__"):
            return True
        for entry in link.imports:
            original, _, local = entry.partition("=")
            if (local or original).lstrip("@") == directive:
                return True
    return False


def validate_compose_directives(subgraph: SubgraphSchema, diagnostics: Diagnostics) -> None:
    for name, node in subgraph.compose_directives:
        if name in subgraph.names.values():
            diagnostics.error(
                "DIRECTIVE_COMPOSITION_ERROR",
                f'Composing federation directive "@{name}" in subgraph "{subgraph.name}" is not '
                "supported",
                subgraph.name,
                node,
            )
        elif not _linked(subgraph, name):
            diagnostics.error(
                "DIRECTIVE_COMPOSITION_ERROR",
                f'Directive "@{name}" in subgraph "{subgraph.name}" cannot be composed because '
                "it is not a member of a core feature",
                subgraph.name,
                node,
            )
        elif name not in subgraph.directive_definitions:
            diagnostics.error(
                "DIRECTIVE_COMPOSITION_ERROR",
                f"Could not find matching directive definition for argument to @composeDirective "
                f'"@{name}" in subgraph "{subgraph.name}".',
                subgraph.name,
                node,
            )
