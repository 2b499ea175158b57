"""``@fromContext`` arguments (join v0.5 ``contextArguments``) as the planner sees them.

A field with a context argument takes that argument's value from the nearest object above it
in the response whose type sets the context (``@context(name:)`` on the type). The client
never gives it: the argument is not in the API schema. The field is fetched by an entity fetch
whose request carries the value as a variable named as Apollo's query planner names it,
``contextualArgument_<subgraph number>_<argument number>``: subgraphs numbered from 1 in the
supergraph's order, arguments numbered in the sorted order of their coordinates
(``Type.field(argument:)``) within the subgraph.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from router.planner.normalize import NormalizedSelection
from router.planner.plan import ContextValue, FieldSelection, InlineFragment, Selection
from router.supergraph.model import ContextArgument, NamedType, Supergraph

_CONTEXT_NAME = re.compile(r'name:\s*"([^"]*)"')

ContextKey = tuple[str, str, str, str]  # (subgraph, type, field, argument)


def contexts_by_type(supergraph: Supergraph) -> dict[str, tuple[str, ...]]:
    """For every type setting a context: the (subgraph-qualified) context names it sets. A
    type sets the contexts ``@context`` names on it, on an interface it implements, or on a
    union it is a member of."""
    own = {named.name: _own_contexts(named) for named in supergraph.types.values()}
    unions_of: dict[str, list[str]] = {}
    for union in supergraph.types.values():
        if own[union.name]:
            for member in union.members:
                unions_of.setdefault(member, []).append(union.name)
    found: dict[str, tuple[str, ...]] = {}
    for named in supergraph.types.values():
        names = list(own[named.name])
        for interface in named.interfaces:
            names.extend(own.get(interface, ()))
        for union_name in unions_of.get(named.name, ()):
            names.extend(own[union_name])
        if names:
            found[named.name] = tuple(dict.fromkeys(names))
    return found


def _own_contexts(named: NamedType) -> tuple[str, ...]:
    return tuple(
        match.group(1)
        for directive in named.directives
        if directive.name == "context"
        for match in [_CONTEXT_NAME.search(directive.arguments)]
        if match is not None
    )


def context_variable_names(supergraph: Supergraph) -> dict[ContextKey, str]:
    by_subgraph: dict[str, list[tuple[str, ContextKey]]] = {}
    for named in supergraph.types.values():
        for field_def in named.fields.values():
            for subgraph, source in field_def.sources.items():
                for argument in source.context_arguments:
                    coordinate = f"{named.name}.{field_def.name}({argument.name}:)"
                    key = (subgraph, named.name, field_def.name, argument.name)
                    by_subgraph.setdefault(subgraph, []).append((coordinate, key))
    names: dict[ContextKey, str] = {}
    for number, subgraph in enumerate(supergraph.subgraphs, start=1):
        for index, (_, key) in enumerate(sorted(by_subgraph.get(subgraph, []))):
            names[key] = f"contextualArgument_{number}_{index}"
    return names


def contextual_arguments(
    supergraph: Supergraph, type_name: str, field_name: str, subgraph: str
) -> list[ContextArgument]:
    named = supergraph.types.get(type_name)
    field_def = named.fields.get(field_name) if named is not None else None
    source = field_def.sources.get(subgraph) if field_def is not None else None
    return list(source.context_arguments) if source is not None else []


def selection_text(argument: ContextArgument) -> str:
    """The argument's selection as a field set: without the enclosing braces."""
    text = argument.selection.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    return text


def with_context_arguments(arguments: str, values: Iterable[tuple[str, str]]) -> str:
    """A printed argument list with ``name:$variable`` appended for each context argument."""
    added = ",".join(f"{name}:${variable}" for name, variable in values)
    if not added:
        return arguments
    return f"{arguments},{added}" if arguments else added


def levels_between(setter_path: tuple[str, ...], path: tuple[str, ...]) -> int:
    """How many fields below the setter's position ``path`` is (list markers not counted)."""
    return sum(1 for element in path[len(setter_path) :] if element != "@")


def value_selection(
    selection: NormalizedSelection, response_key: dict[str, str | None]
) -> tuple[Selection, ...]:
    """The plan form of the selection read at the setter, under the response keys it is
    fetched with (``response_key``: field name -> alias, None when fetched by its name)."""
    items: list[Selection] = []
    for item in selection.fields.values():
        nested = value_selection(item.selection, {}) if item.selection is not None else ()
        items.append(FieldSelection(item.name, nested, response_key.get(item.name)))
    for condition, fragment in selection.fragments.items():
        items.append(InlineFragment(condition, value_selection(fragment, response_key)))
    return tuple(items)


def context_value(
    variable: str,
    argument: ContextArgument,
    levels_up: int,
    setter_types: tuple[str, ...],
    selection: tuple[Selection, ...],
) -> ContextValue:
    return ContextValue(variable, argument.type, levels_up, setter_types, selection)


def context_variable_definitions(values: Iterable[ContextValue]) -> list[str]:
    """``$name:Type`` for each distinct variable (several setter types may share one)."""
    seen: dict[str, str] = {}
    for value in values:
        seen.setdefault(value.variable, value.type)
    return [f"${name}:{type_}" for name, type_ in seen.items()]
