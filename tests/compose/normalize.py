"""Normalises a supergraph SDL so that two composers' outputs compare by meaning, not layout.

Order never carries meaning in these places, so each is sorted: definitions (by kind, then
name), fields, arguments, enum values, union members, implemented interfaces, directive
applications (by printed text), operation types, directive locations and object-value fields.
Descriptions keep their words with whitespace collapsed, and field-set strings of directive
arguments (`key`, `requires`, `provides`, `fields`) are re-printed in one spacing, so
"address{country}" equals "address { country }". Everything else (types, default values, other
directive argument values, list order, the fields a field set selects) is printed as it is, so
real differences stay.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any

from graphql import GraphQLSyntaxError, parse, print_ast
from graphql.language import ast

_WHITESPACE = re.compile(r"\s+")

_DEFINITION_KIND_ORDER: tuple[type[ast.Node], ...] = (
    ast.SchemaDefinitionNode,
    ast.SchemaExtensionNode,
    ast.DirectiveDefinitionNode,
    ast.ScalarTypeDefinitionNode,
    ast.EnumTypeDefinitionNode,
    ast.InputObjectTypeDefinitionNode,
    ast.InterfaceTypeDefinitionNode,
    ast.ObjectTypeDefinitionNode,
    ast.UnionTypeDefinitionNode,
    ast.ScalarTypeExtensionNode,
    ast.EnumTypeExtensionNode,
    ast.InputObjectTypeExtensionNode,
    ast.InterfaceTypeExtensionNode,
    ast.ObjectTypeExtensionNode,
    ast.UnionTypeExtensionNode,
)

_UNORDERED_CHILDREN = frozenset(
    {
        "fields",
        "arguments",
        "types",
        "interfaces",
        "directives",
        "operation_types",
        "locations",
    }
)
_ENUM_NODES = (ast.EnumTypeDefinitionNode, ast.EnumTypeExtensionNode)
_FIELD_SET_ARGUMENTS = frozenset({"key", "requires", "provides", "fields"})


def _printed(node: ast.Node) -> str:
    return print_ast(node)


def _definition_sort_key(node: ast.Node) -> tuple[int, str, str]:
    kind_rank = next(
        (rank for rank, kind in enumerate(_DEFINITION_KIND_ORDER) if isinstance(node, kind)),
        len(_DEFINITION_KIND_ORDER),
    )
    name_node = getattr(node, "name", None)
    name = name_node.value if isinstance(name_node, ast.NameNode) else ""
    return (kind_rank, name, _printed(node))


def _normalize_description(node: ast.StringValueNode) -> ast.StringValueNode:
    text = _WHITESPACE.sub(" ", node.value).strip()
    return ast.StringValueNode(value=text, block=False)


def _normalize_field_set(node: ast.ArgumentNode) -> ast.ArgumentNode:
    """A field-set string argument re-printed with canonical spacing, when it parses as one."""
    if node.name.value not in _FIELD_SET_ARGUMENTS or not isinstance(
        node.value, ast.StringValueNode
    ):
        return node
    try:
        document = parse("{" + node.value.value + "}", no_location=True)
    except GraphQLSyntaxError:
        return node
    operation = document.definitions[0]
    assert isinstance(operation, ast.OperationDefinitionNode)
    printed = _WHITESPACE.sub(" ", print_ast(operation.selection_set)).strip()
    canonical = printed.removeprefix("{").removesuffix("}").strip()
    return ast.ArgumentNode(name=node.name, value=ast.StringValueNode(value=canonical, block=False))


def _normalize_children(
    children: tuple[ast.Node, ...], sort_key: Callable[[ast.Node], object] | None
) -> tuple[ast.Node, ...]:
    normalized = tuple(_normalize_node(child) for child in children)
    if sort_key is None:
        return normalized
    return tuple(sorted(normalized, key=sort_key))  # type: ignore[arg-type]


def _normalize_node(node: ast.Node) -> ast.Node:
    changes: dict[str, Any] = {}
    for field in dataclasses.fields(node):
        if field.name == "loc":
            changes["loc"] = None
            continue
        value = getattr(node, field.name)
        if field.name == "description" and isinstance(value, ast.StringValueNode):
            changes[field.name] = _normalize_description(value)
        elif isinstance(value, ast.Node):
            changes[field.name] = _normalize_node(value)
        elif isinstance(value, tuple) and all(isinstance(item, ast.Node) for item in value):
            unordered = field.name in _UNORDERED_CHILDREN or (
                field.name == "values" and isinstance(node, _ENUM_NODES)
            )
            changes[field.name] = _normalize_children(value, _printed if unordered else None)
    normalized = dataclasses.replace(node, **changes)
    if isinstance(normalized, ast.ArgumentNode):
        return _normalize_field_set(normalized)
    return normalized


def normalize_document(document: ast.DocumentNode) -> ast.DocumentNode:
    normalized = _normalize_node(document)
    assert isinstance(normalized, ast.DocumentNode)
    definitions = sorted(normalized.definitions, key=_definition_sort_key)
    return dataclasses.replace(normalized, definitions=tuple(definitions))


def normalize_supergraph_sdl(sdl: str) -> str:
    """The SDL re-printed in a canonical order, for comparing two supergraphs."""
    return print_ast(normalize_document(parse(sdl, no_location=True))) + "\n"
