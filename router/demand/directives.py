"""``@cost`` and ``@listSize`` applications of a supergraph, read into plain lookup tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import FieldNode, OperationDefinitionNode, parse, value_from_ast_untyped

from router.supergraph.model import AppliedDirective, Supergraph

COST_NAMES = frozenset({"cost", "cost__cost"})
LIST_SIZE_NAMES = frozenset({"listSize", "cost__listSize"})


@dataclass(frozen=True, slots=True)
class ListSize:
    assumed_size: int | None = None
    slicing_arguments: tuple[str, ...] = ()
    sized_fields: tuple[str, ...] = ()
    require_one_slicing_argument: bool = True


@dataclass(slots=True)
class CostDirectives:
    type_weights: dict[str, int] = field(default_factory=dict)
    field_weights: dict[tuple[str, str], int] = field(default_factory=dict)
    argument_weights: dict[tuple[str, str, str], int] = field(default_factory=dict)
    list_sizes: dict[tuple[str, str], ListSize] = field(default_factory=dict)


def _arguments(directive: AppliedDirective) -> dict[str, Any]:
    if not directive.arguments:
        return {}
    document = parse(f"{{ f({directive.arguments}) }}")
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    node = operation.selection_set.selections[0]
    assert isinstance(node, FieldNode)
    return {arg.name.value: value_from_ast_untyped(arg.value) for arg in node.arguments or ()}


def _weight(directives: list[AppliedDirective]) -> int | None:
    for directive in directives:
        if directive.name in COST_NAMES:
            weight = _arguments(directive).get("weight")
            if isinstance(weight, int):
                return weight
    return None


def _list_size(directives: list[AppliedDirective]) -> ListSize | None:
    for directive in directives:
        if directive.name in LIST_SIZE_NAMES:
            args = _arguments(directive)
            assumed = args.get("assumedSize")
            return ListSize(
                assumed_size=assumed if isinstance(assumed, int) else None,
                slicing_arguments=tuple(args.get("slicingArguments") or ()),
                sized_fields=tuple(args.get("sizedFields") or ()),
                require_one_slicing_argument=args.get("requireOneSlicingArgument") is not False,
            )
    return None


def read_cost_directives(supergraph: Supergraph) -> CostDirectives:
    tables = CostDirectives()
    for type_name, named in supergraph.types.items():
        weight = _weight(named.directives)
        if weight is not None:
            tables.type_weights[type_name] = weight
        for field_name, definition in named.fields.items():
            weight = _weight(definition.directives)
            if weight is not None:
                tables.field_weights[type_name, field_name] = weight
            size = _list_size(definition.directives)
            if size is not None:
                tables.list_sizes[type_name, field_name] = size
            for argument_name, argument in definition.arguments.items():
                weight = _weight(argument.directives)
                if weight is not None:
                    tables.argument_weights[type_name, field_name, argument_name] = weight
    return tables
