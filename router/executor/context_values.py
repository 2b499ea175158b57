"""``@fromContext`` values: read per entity from the object above it that sets the context,
and the entities grouped by the values they need (one subgraph request per distinct set)."""

from __future__ import annotations

from typing import Any

import orjson

from router.executor.flatten import ResponseKeyPath, Target
from router.planner.plan import ContextValue, FieldSelection, InlineFragment, Selection

ContextVariables = dict[str, Any]


def group_by_context(
    data: dict[str, Any], targets: list[Target], values: tuple[ContextValue, ...]
) -> list[tuple[ContextVariables, list[Target]]]:
    """The targets by the variables their context values make, in first-seen order."""
    groups: dict[bytes, tuple[ContextVariables, list[Target]]] = {}
    for target in targets:
        variables = context_variables(data, target[1], values)
        key = orjson.dumps(variables, option=orjson.OPT_SORT_KEYS)
        group = groups.get(key)
        if group is None:
            groups[key] = (variables, [target])
        else:
            group[1].append(target)
    return list(groups.values())


def context_variables(
    data: dict[str, Any], path: ResponseKeyPath, values: tuple[ContextValue, ...]
) -> ContextVariables:
    """Each variable's value for the entity at ``path`` (null when its setter is not there)."""
    variables: ContextVariables = {}
    for value in values:
        setter = _object_at(data, _ancestor_path(path, value.levels_up))
        if setter is None:
            variables.setdefault(value.variable, None)
            continue
        typename = setter.get("__typename")
        if typename is not None and typename != value.setter_type:
            variables.setdefault(value.variable, None)
            continue
        variables[value.variable] = _read(setter, value.selection)
    return variables


def _ancestor_path(path: ResponseKeyPath, levels_up: int) -> ResponseKeyPath:
    end = len(path)
    for _ in range(levels_up):
        while end and isinstance(path[end - 1], int):
            end -= 1
        end -= 1  # the field's response key
    return path[: max(end, 0)]


def _object_at(data: dict[str, Any], path: ResponseKeyPath) -> dict[str, Any] | None:
    current: Any = data
    for element in path:
        if isinstance(element, int):
            current = (
                current[element] if isinstance(current, list) and element < len(current) else None
            )
        else:
            current = current.get(element) if isinstance(current, dict) else None
        if current is None:
            return None
    return current if isinstance(current, dict) else None


def _read(obj: dict[str, Any], selection: tuple[Selection, ...]) -> Any:
    """The value a context selection names: its one field's value (an object projected to the
    field's own selection)."""
    fields = _fields_for(obj, selection)
    if not fields:
        return None
    first = fields[0]
    return _project(obj.get(first.response_key), first.selections)


def _fields_for(obj: dict[str, Any], selection: tuple[Selection, ...]) -> list[FieldSelection]:
    found: list[FieldSelection] = []
    typename = obj.get("__typename")
    for item in selection:
        if isinstance(item, FieldSelection):
            found.append(item)
        elif isinstance(item, InlineFragment) and item.type_condition in (None, typename):
            found.extend(_fields_for(obj, item.selections))
    return found


def _project(value: Any, selection: tuple[Selection, ...]) -> Any:
    if not selection or value is None:
        return value
    if isinstance(value, list):
        return [_project(item, selection) for item in value]
    if not isinstance(value, dict):
        return value
    return {
        item.name: _project(value.get(item.response_key), item.selections)
        for item in _fields_for(value, selection)
    }
