"""Merging input object types: the intersection of their fields."""

from __future__ import annotations

from router.compose.merge.arguments import merge_input_value
from router.compose.merge.context import MergeContext, subgraph_list
from router.compose.merge.decorations import merge_decorations
from router.compose.merge.description_hints import hint_inconsistent_descriptions
from router.compose.subgraph import SubgraphInputValue, SubgraphSchema, SubgraphType
from router.supergraph.model import NamedType, TypeInSubgraph, TypeKind


def merge_input_object(
    context: MergeContext, name: str, definitions: list[tuple[SubgraphSchema, SubgraphType]]
) -> NamedType:
    decorations = merge_decorations([t.decorations for _, t in definitions])
    named = NamedType(
        name=name,
        kind=TypeKind.INPUT_OBJECT,
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
    for graph in graphs:
        named.graphs[graph] = TypeInSubgraph(graph=graph)
    sources: dict[str, list[tuple[str, SubgraphInputValue]]] = {}
    for subgraph, subgraph_type in definitions:
        for field_name, value in subgraph_type.input_fields.items():
            sources.setdefault(field_name, []).append((subgraph.name, value))
    errors_before = len(context.diagnostics.errors)
    for field_name, present in sources.items():
        coordinate = f"{name}.{field_name}"
        defined_in = [subgraph for subgraph, _ in present]
        missing = [graph for graph in graphs if graph not in defined_in]
        if missing:
            required = [(subgraph, value) for subgraph, value in present if value.required]
            if required:
                context.diagnostics.error(
                    "REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH",
                    f'Input object field "{coordinate}" is required in some subgraphs but does '
                    f"not appear in all subgraphs: it is required in "
                    f"{subgraph_list([s for s, _ in required])} but does not appear in "
                    f"{subgraph_list(missing)}",
                    required[0][0],
                    required[0][1].node,
                )
            else:
                context.diagnostics.hint(
                    "INCONSISTENT_INPUT_OBJECT_FIELD",
                    f'Input object field "{field_name}" will not be added to "{name}" in the '
                    f"supergraph as it does not appear in all subgraphs: it is defined in "
                    f"{subgraph_list(defined_in)} but not in {subgraph_list(missing)}.",
                    present[0][0],
                    present[0][1].node,
                )
            continue
        merged = merge_input_value(context, coordinate, "input field", present, kind="Input field")
        if merged is not None:
            named.input_fields[field_name] = merged
    if not named.input_fields and len(context.diagnostics.errors) == errors_before:
        context.diagnostics.error(
            "EMPTY_MERGED_INPUT_TYPE",
            f'None of the fields of input object type "{name}" are consistently defined in all '
            "the subgraphs defining that type. As only fields common to all subgraphs are "
            "merged, this would result in an empty type.",
            definitions[0][0].name,
            definitions[0][1].node,
        )
    return named
