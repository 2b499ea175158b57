"""Merging enums by how they are used.

Used only as output: the union of the values. Only as input: the intersection. As both: every
subgraph must define the same values (ENUM_VALUE_MISMATCH). An ``@inaccessible`` value is kept
wherever it is defined, however the enum is used (it is never in the API). The merged enum must
keep at least one value (EMPTY_MERGED_ENUM_TYPE).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import Node

from router.compose.merge.context import MergeContext, subgraph_list
from router.compose.merge.decorations import merge_decorations
from router.compose.merge.description_hints import hint_inconsistent_descriptions
from router.compose.subgraph import SubgraphEnumValue, SubgraphSchema, SubgraphType
from router.federation.type_refs import named_type
from router.supergraph.model import EnumValue, NamedType, TypeInSubgraph, TypeKind


@dataclass(slots=True)
class EnumUsage:
    """Where an enum first appears as an input and as an output type."""

    input_coordinate: str | None = None
    input_at: tuple[str, Node] | None = None
    output_coordinate: str | None = None
    output_at: tuple[str, Node] | None = None
    graphs: set[str] = field(default_factory=set)


def enum_usages(context: MergeContext) -> dict[str, EnumUsage]:
    usages: dict[str, EnumUsage] = {}
    for subgraph in context.subgraphs:
        for subgraph_type in subgraph.types.values():
            for subgraph_field in subgraph_type.fields.values():
                usage = usages.setdefault(named_type(subgraph_field.type), EnumUsage())
                if usage.output_coordinate is None:
                    usage.output_coordinate = f"{subgraph_type.name}.{subgraph_field.name}"
                    usage.output_at = (subgraph.name, subgraph_field.node)
                for argument in subgraph_field.arguments.values():
                    usage = usages.setdefault(named_type(argument.type), EnumUsage())
                    if usage.input_coordinate is None:
                        usage.input_coordinate = (
                            f"{subgraph_type.name}.{subgraph_field.name}({argument.name}:)"
                        )
                        usage.input_at = (subgraph.name, argument.node)
            for input_field in subgraph_type.input_fields.values():
                usage = usages.setdefault(named_type(input_field.type), EnumUsage())
                if usage.input_coordinate is None:
                    usage.input_coordinate = f"{subgraph_type.name}.{input_field.name}"
                    usage.input_at = (subgraph.name, input_field.node)
    return usages


def merge_enum(
    context: MergeContext,
    name: str,
    definitions: list[tuple[SubgraphSchema, SubgraphType]],
    usage: EnumUsage | None,
) -> NamedType:
    decorations = merge_decorations([t.decorations for _, t in definitions])
    named = NamedType(
        name=name,
        kind=TypeKind.ENUM,
        description=decorations.description,
        inaccessible=decorations.inaccessible,
        tags=decorations.tags,
        directives=decorations.directives,
    )
    graphs = [subgraph.name for subgraph, _ in definitions]
    hint_inconsistent_descriptions(
        context,
        name,
        [(s.name, t.decorations.description, t.node) for s, t in definitions],
        decorations.description,
    )
    for subgraph, _ in definitions:
        named.graphs[subgraph.name] = TypeInSubgraph(graph=subgraph.name)
    sources: dict[str, list[tuple[str, SubgraphEnumValue]]] = {}
    for subgraph, subgraph_type in definitions:
        for value_name, value in subgraph_type.values.items():
            sources.setdefault(value_name, []).append((subgraph.name, value))
    as_input = usage is not None and usage.input_coordinate is not None
    as_output = usage is not None and usage.output_coordinate is not None
    mismatched = False
    for value_name, present in sources.items():
        defined_in = [subgraph for subgraph, _ in present]
        missing = [graph for graph in graphs if graph not in defined_in]
        # an inaccessible value is never in the API: an input enum need not have it everywhere
        hidden = any(value.decorations.inaccessible for _, value in present)
        if missing and as_input and not hidden and as_output:
            assert usage is not None
            mismatched = True
            context.diagnostics.error(
                "ENUM_VALUE_MISMATCH",
                f'Enum type "{name}" is used as both input type (for example, as type of '
                f'"{usage.input_coordinate}") and output type (for example, as type of '
                f'"{usage.output_coordinate}"), but value "{value_name}" is not defined in all '
                f'the subgraphs defining "{name}": "{value_name}" is defined in '
                f"{subgraph_list(defined_in)} but not in {subgraph_list(missing)}",
                definitions[0][0].name,
                definitions[0][1].node,
            )
            continue
        if missing and as_input and not hidden:
            context.diagnostics.hint(
                "INCONSISTENT_ENUM_VALUE_FOR_INPUT_ENUM",
                f'Value "{value_name}" of enum type "{name}" will not be part of the '
                f'supergraph as it is not defined in all the subgraphs defining "{name}": '
                f'"{value_name}" is defined in {subgraph_list(defined_in)} but not in '
                f"{subgraph_list(missing)}.",
                definitions[0][0].name,
                definitions[0][1].node,
            )
            continue
        if missing and not as_input:
            context.diagnostics.hint(
                "INCONSISTENT_ENUM_VALUE_FOR_OUTPUT_ENUM",
                f'Value "{value_name}" of enum type "{name}" has been added to the supergraph but '
                f'is only defined in a subset of the subgraphs defining "{name}": '
                f'"{value_name}" is defined in {subgraph_list(defined_in)} but not in '
                f"{subgraph_list(missing)}.",
                definitions[0][0].name,
                definitions[0][1].node,
            )
        value_decorations = merge_decorations([value.decorations for _, value in present])
        named.values[value_name] = EnumValue(
            name=value_name,
            description=value_decorations.description,
            deprecated=value_decorations.deprecated,
            deprecation_reason=value_decorations.deprecation_reason,
            inaccessible=value_decorations.inaccessible,
            tags=value_decorations.tags,
            directives=value_decorations.directives,
            graphs=set(defined_in),
        )
    if not named.values and not mismatched:
        context.diagnostics.error(
            "EMPTY_MERGED_ENUM_TYPE",
            f'None of the values of enum type "{name}" are defined consistently in all the '
            "subgraphs defining that type. As only values common to all subgraphs are merged, "
            "this would result in an empty type.",
            definitions[0][0].name,
            definitions[0][1].node,
        )
    return named
