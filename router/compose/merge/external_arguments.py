"""EXTERNAL_ARGUMENT_MISSING, EXTERNAL_ARGUMENT_TYPE_MISMATCH and
EXTERNAL_ARGUMENT_DEFAULT_MISMATCH: an @external field declares the merged field's arguments."""

from __future__ import annotations

from router.compose.merge.context import MergeContext, subgraph_list
from router.compose.merge.type_references import is_subtype_reference
from router.compose.subgraph import SubgraphField
from router.supergraph.model import InputValue


def _described(groups: dict[str, list[str]]) -> str:
    parts = [f"{value} in {subgraph_list(names)}" for value, names in groups.items()]
    return f"it has {parts[0]} but " + " and ".join(parts[1:])


def validate_external_arguments(
    context: MergeContext,
    coordinate: str,
    arguments: dict[str, InputValue],
    sources: list[tuple[str, SubgraphField]],
) -> None:
    external = [(s, f) for s, f in sources if f.external]
    for name, merged in arguments.items():
        argument = f"{coordinate}({name}:)"
        missing = [s for s, f in external if name not in f.arguments]
        present = [(s, f.arguments[name]) for s, f in sources if name in f.arguments]
        first_subgraph, first_field = external[0] if external else sources[0]
        if missing:
            context.diagnostics.error(
                "EXTERNAL_ARGUMENT_MISSING",
                f'Field "{coordinate}" is missing argument "{argument}" in some subgraphs where '
                f'it is marked @external: argument "{argument}" is declared in '
                f"{subgraph_list([s for s, _ in present])} but not in {subgraph_list(missing)} "
                f'(where "{coordinate}" is @external).',
                first_subgraph,
                first_field.node,
            )
        declared = [(s, f.arguments[name]) for s, f in external if name in f.arguments]
        if any(
            value.type != merged.type
            and not is_subtype_reference(value.type, merged.type, context.is_subtype)
            for _, value in declared
        ):
            groups: dict[str, list[str]] = {f'type "{merged.type}"': []}
            for subgraph, value in present:
                groups.setdefault(f'type "{value.type}"', []).append(subgraph)
            context.diagnostics.error(
                "EXTERNAL_ARGUMENT_TYPE_MISMATCH",
                f'Type of argument "{argument}" is incompatible across subgraphs (where '
                f'"{coordinate}" is marked @external): ' + _described(_non_empty(groups)),
                first_subgraph,
                first_field.node,
            )
        if any(value.default_value != merged.default_value for _, value in declared):
            groups = {_default(merged.default_value): []}
            for subgraph, value in present:
                groups.setdefault(_default(value.default_value), []).append(subgraph)
            context.diagnostics.error(
                "EXTERNAL_ARGUMENT_DEFAULT_MISMATCH",
                f'Argument "{argument}" has incompatible defaults across subgraphs (where '
                f'"{coordinate}" is marked @external): ' + _described(_non_empty(groups)),
                first_subgraph,
                first_field.node,
            )


def _default(value: str | None) -> str:
    return "no default value" if value is None else f"default value {value}"


def _non_empty(groups: dict[str, list[str]]) -> dict[str, list[str]]:
    return {value: names for value, names in groups.items() if names}
