"""@context and @fromContext in one subgraph: CONTEXT_NAME_INVALID, CONTEXT_NOT_SET,
NO_CONTEXT_IN_SELECTION and CONTEXT_NO_RESOLVABLE_KEY (CONTEXT_INVALID_SELECTION: in
context_selection)."""

from __future__ import annotations

import re
from typing import cast

from graphql import ConstDirectiveNode, Node, StringValueNode

from router.compose.errors import Diagnostics
from router.compose.subgraph import SubgraphInputValue, SubgraphSchema, SubgraphType
from router.compose.validate.context_selection import validate_context_selection
from router.supergraph.model import TypeKind

_IGNORED = r"(?:[\n\r\t ,]|#[^\n\r]*)*"
_REFERENCE = re.compile(rf"^{_IGNORED}\$(?:{_IGNORED})([A-Za-z_]\w*)(?!\w)(.*)$", re.DOTALL)
_NAME = re.compile(r"^[A-Za-z]\w*$")


def validate_contexts(subgraph: SubgraphSchema, diagnostics: Diagnostics) -> None:
    names: set[str] = set()
    for subgraph_type in subgraph.types.values():
        for name in subgraph_type.contexts:
            names.add(name)
            if "_" in name:
                message = f'Context name "{name}" may not contain an underscore.'
            elif not _NAME.match(name):
                message = (
                    f'Context name "{name}" is invalid. It should have only alphanumeric '
                    "characters."
                )
            else:
                continue
            diagnostics.error(
                "CONTEXT_NAME_INVALID",
                f"[{subgraph.name}] {message}",
                subgraph.name,
                _application(subgraph_type.node, "name", name) or subgraph_type.node,
            )
    for subgraph_type in subgraph.types.values():
        for subgraph_field in subgraph_type.fields.values():
            for argument in subgraph_field.arguments.values():
                if argument.from_context is not None:
                    coordinate = f"{subgraph_type.name}.{subgraph_field.name}({argument.name}:)"
                    _check(subgraph, subgraph_type, coordinate, argument, names, diagnostics)


def _check(
    subgraph: SubgraphSchema,
    parent: SubgraphType,
    coordinate: str,
    argument: SubgraphInputValue,
    names: set[str],
    diagnostics: Diagnostics,
) -> None:
    # located at the @fromContext application, as Apollo does
    application = _application(argument.node, "field", argument.from_context or "")

    def error(code: str, message: str) -> None:
        diagnostics.error(
            code, f"[{subgraph.name}] {message}", subgraph.name, application or argument.node
        )

    def selection_error(message: str) -> None:
        # located at the argument, as Apollo does
        diagnostics.error(
            "CONTEXT_INVALID_SELECTION",
            f"[{subgraph.name}] {message}",
            subgraph.name,
            argument.node,
        )

    if parent.kind is not TypeKind.OBJECT or parent.interface_object:
        error(
            "CONTEXT_NOT_SET",
            "@fromContext argument cannot be used on a field that exists on an abstract type "
            f'"{coordinate}".',
        )
        return
    field_name = coordinate.split(".", 1)[1].split("(", 1)[0]
    for interface_name in parent.interfaces:
        interface = subgraph.types.get(interface_name)
        if interface is not None and field_name in interface.fields:
            error(
                "CONTEXT_NOT_SET",
                "@fromContext argument cannot be used on a field implementing an interface "
                f'field "{interface_name}.{field_name}".',
            )
    if argument.default_value is not None:
        error(
            "CONTEXT_NOT_SET",
            f'@fromContext arguments may not have a default value: "{coordinate}".',
        )
    match = _REFERENCE.match(argument.from_context or "")
    if match is None or not match.group(2):
        error(
            "NO_CONTEXT_IN_SELECTION",
            f'@fromContext argument does not reference a context "{argument.from_context}".',
        )
        return
    if match.group(1) not in names:
        error(
            "CONTEXT_NOT_SET",
            f'Context "{match.group(1)}" is used at location "{coordinate}" but is never set.',
        )
    else:
        validate_context_selection(
            subgraph,
            match.group(1),
            coordinate,
            argument.type,
            match.group(2),
            [t for t in subgraph.types.values() if match.group(1) in t.contexts],
            selection_error,
        )
    if not any(key.resolvable for key in parent.keys):
        diagnostics.error(
            "CONTEXT_NO_RESOLVABLE_KEY",
            f'[{subgraph.name}] Object "{parent.name}" has no resolvable key but has a field '
            "with a contextual argument.",
            subgraph.name,
            parent.node,
        )


def _application(node: Node, argument: str, value: str) -> ConstDirectiveNode | None:
    """The directive on ``node`` whose string ``argument`` is ``value``."""
    for directive in getattr(node, "directives", None) or ():
        for item in directive.arguments or ():
            if (
                item.name.value == argument
                and isinstance(item.value, StringValueNode)
                and item.value.value == value
            ):
                return cast(ConstDirectiveNode, directive)
    return None
