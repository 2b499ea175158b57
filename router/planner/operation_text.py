"""The document a fetch sends to its subgraph, and its representation selection."""

from __future__ import annotations

from router.planner.context_arguments import context_variable_definitions
from router.planner.fetch_graph import FetchGroup
from router.planner.field_conflicts import alias_conflicting_fields
from router.planner.normalize import NO_CONDITIONS, NormalizedOperation
from router.planner.plan import FetchNode, FieldSelection, InlineFragment, Selection
from router.planner.selection_set import SelectionToFetch
from router.supergraph.model import Supergraph

REPRESENTATIONS = "representations"


def fetch_node(
    group: FetchGroup, operation: NormalizedOperation, index: int, supergraph: Supergraph
) -> FetchNode:
    top_type = None if group.is_entity else operation.root_type
    selection = SelectionToFetch()  # aliased for the subgraph; the group keeps its own
    selection.merge(group.selection)
    renames = alias_conflicting_fields(supergraph, group.subgraph, selection, top_type)
    implied = group.conditions or NO_CONDITIONS  # the plan only runs the fetch when they hold
    used = group.variables | selection.variables(implied)
    usages = tuple(name for name in operation.variables if name in used)
    definitions = [operation.variables[name].text for name in usages]
    kind = "query" if group.is_entity else operation.kind
    definitions += context_variable_definitions(group.context_values)
    if group.is_entity:
        definitions.insert(0, f"${REPRESENTATIONS}:[_Any!]!")
        body = f"{{_entities({REPRESENTATIONS}:${REPRESENTATIONS}){selection.print(implied)}}}"
    else:
        body = selection.print(implied)
    name = f"{operation.name}__{group.subgraph}__{index}" if operation.name else None
    header = kind + (f" {name}" if name else "")
    if definitions:
        header += "(" + ",".join(definitions) + ")"
    return FetchNode(
        service_name=group.subgraph,
        operation=header + body,
        operation_kind=kind,
        operation_name=name,
        variable_usages=usages,
        requires=to_selections(group.requires) if group.is_entity else (),
        input_rewrites=tuple(group.input_rewrites),
        output_rewrites=renames,
        id=str(group.id),
        context_values=tuple(group.context_values),
    )


def to_selections(selection: SelectionToFetch) -> tuple[Selection, ...]:
    items: list[Selection] = []
    for item in selection.fields.values():
        nested = to_selections(item.selection) if item.selection is not None else ()
        items.append(FieldSelection(item.name, nested, item.alias))
    for condition, fragment in selection.fragments.items():
        if not fragment.is_empty():
            items.append(InlineFragment(condition, to_selections(fragment)))
    return tuple(items)
