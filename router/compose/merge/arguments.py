"""Merging a field's arguments: the intersection, with matching types and defaults."""

from __future__ import annotations

from router.compose.merge.context import MergeContext, mismatch_description, subgraph_list
from router.compose.merge.decorations import merge_decorations
from router.compose.merge.type_references import merge_type_references
from router.compose.subgraph import SubgraphField, SubgraphInputValue
from router.supergraph.model import InputValue


def merge_arguments(
    context: MergeContext, coordinate: str, sources: list[tuple[str, SubgraphField]]
) -> dict[str, InputValue]:
    """The arguments of field ``coordinate`` (``Type.field``) defined in ``sources``."""
    names: list[str] = []
    for _, subgraph_field in sources:
        for name, value in subgraph_field.arguments.items():
            if name not in names and value.from_context is None:
                names.append(name)
    merged: dict[str, InputValue] = {}
    for name in names:
        present = [
            (subgraph, subgraph_field.arguments[name])
            for subgraph, subgraph_field in sources
            if name in subgraph_field.arguments
        ]
        missing = [
            subgraph for subgraph, subgraph_field in sources if name not in subgraph_field.arguments
        ]
        argument = f"{coordinate}({name}:)"
        if missing:
            required = [(subgraph, value) for subgraph, value in present if value.required]
            if not required:
                context.diagnostics.hint(
                    "INCONSISTENT_ARGUMENT_PRESENCE",
                    f'Optional argument "{argument}" will not be included in the supergraph as it '
                    f"does not appear in all subgraphs: it is defined in "
                    f"{subgraph_list([s for s, _ in present])} but not in "
                    f"{subgraph_list(missing)}.",
                    present[0][0],
                    present[0][1].node,
                )
            if required:
                context.diagnostics.error(
                    "REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH",
                    f'Argument "{argument}" is required in some subgraphs but does not appear '
                    f"in all subgraphs: it is required in "
                    f"{subgraph_list([s for s, _ in required])} but does not appear in "
                    f"{subgraph_list(missing)}",
                    required[0][0],
                    required[0][1].node,
                )
            continue
        merged_value = merge_input_value(context, argument, "argument", present, kind="Argument")
        if merged_value is not None:
            merged[name] = merged_value
    return merged


def merge_input_value(
    context: MergeContext,
    coordinate: str,
    element: str,
    present: list[tuple[str, SubgraphInputValue]],
    *,
    kind: str,
) -> InputValue | None:
    """Merge one argument or input field defined in every subgraph of ``present``."""
    types = [value.type for _, value in present]
    merged_type = merge_type_references(types, context.is_subtype, input_position=True)
    if merged_type is None:
        groups: dict[str, list[str]] = {}
        for subgraph, value in present:
            groups.setdefault(value.type, []).append(subgraph)
        code = "FIELD_ARGUMENT_TYPE_MISMATCH" if element == "argument" else "FIELD_TYPE_MISMATCH"
        prefix = "Type of argument" if element == "argument" else "Type of field"
        context.diagnostics.error(
            code,
            f'{prefix} "{coordinate}" is incompatible across subgraphs: '
            + mismatch_description(groups, "type"),
            present[0][0],
            present[0][1].node,
        )
        return None
    defaults = {value.default_value for _, value in present}
    default_value = present[0][1].default_value
    if len(defaults) > 1 and None in defaults and len(defaults) == 2:
        default_value = None
        without = [subgraph for subgraph, value in present if value.default_value is None]
        with_default = [(s, v) for s, v in present if v.default_value is not None]
        context.diagnostics.hint(
            "INCONSISTENT_DEFAULT_VALUE_PRESENCE",
            f'{kind} "{coordinate}" has a default value in only some subgraphs: will not use a '
            f"default in the supergraph (there is no default in {subgraph_list(without)}) but "
            f'"{coordinate}" has default value {with_default[0][1].default_value} in '
            f"{subgraph_list([s for s, _ in with_default])}.",
            present[0][0],
            present[0][1].node,
        )
    elif len(defaults) > 1:
        groups = {}
        for subgraph, value in present:
            groups.setdefault(value.default_value or "", []).append(subgraph)
        code = (
            "FIELD_ARGUMENT_DEFAULT_MISMATCH"
            if element == "argument"
            else "INPUT_FIELD_DEFAULT_MISMATCH"
        )
        parts = [
            (f"default value {value}" if value else "no default value")
            + f" in {subgraph_list(names)}"
            for value, names in groups.items()
        ]
        context.diagnostics.error(
            code,
            f'{kind} "{coordinate}" has incompatible default values across subgraphs: '
            f"it has {parts[0]} but " + " and ".join(parts[1:]),
            present[0][0],
            present[0][1].node,
        )
        return None
    decorations = merge_decorations([value.decorations for _, value in present])
    return InputValue(
        name=present[0][1].name,
        type=merged_type,
        default_value=default_value,
        description=decorations.description,
        deprecated=decorations.deprecated,
        deprecation_reason=decorations.deprecation_reason,
        inaccessible=decorations.inaccessible,
        tags=decorations.tags,
        directives=decorations.directives,
        graphs={subgraph for subgraph, _ in present},
        graph_types={subgraph: value.type for subgraph, value in present},
    )
