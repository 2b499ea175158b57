"""``@fromContext`` values: read per entity from the object above it that sets the context,
and the entities grouped by the values they need; several groups share one subgraph request
(``batched_operation``: an aliased ``_entities`` per group)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import orjson

from router.executor.flatten import ResponseKeyPath, Target
from router.planner.plan import ContextValue, InlineFragment, Selection

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
    """Each variable's value for the entity at ``path``, from its nearest setter: of the
    values planned for a variable, the one fewest levels up whose object is there and of one
    of its setter types (null when there is none)."""
    chosen: dict[str, tuple[int, Any]] = {}
    for value in values:
        known = chosen.get(value.variable)
        if known is not None and known[0] <= value.levels_up:
            continue
        setter = _object_at(data, _ancestor_path(path, value.levels_up))
        if setter is None:
            continue
        typename = setter.get("__typename")
        if typename is not None and typename not in value.setter_types:
            continue
        chosen[value.variable] = (value.levels_up, read_context_value(setter, value.selection))
    return {
        value.variable: chosen[value.variable][1] if value.variable in chosen else None
        for value in values
    }


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


def read_context_value(obj: dict[str, Any], selection: tuple[Selection, ...]) -> Any:
    """The value a context selection names at its setter: the leaf at the end of the first
    of its field paths, in selection order, that the object has (type conditions matched
    against ``__typename``). Through a list the value is the list of each item's value, so
    its shape is the one composition gives the selection (``[String]`` for ``{ items { x } }``).
    Null when no path is there."""
    return _leaf(obj, selection)[1]


def _leaf(value: Any, selection: tuple[Selection, ...]) -> tuple[bool, Any]:
    """(whether one of the selection's paths is in ``value``, the leaf it reaches)."""
    if isinstance(value, list):
        return True, [_leaf(item, selection)[1] for item in value]
    if not isinstance(value, dict):
        return False, None
    typename = value.get("__typename")
    for item in selection:
        if isinstance(item, InlineFragment):
            if item.type_condition not in (None, typename) and typename is not None:
                continue
            found, leaf = _leaf(value, item.selections)
        else:
            if item.response_key not in value:
                continue
            field_value = value[item.response_key]
            if not item.selections:
                return True, field_value
            found, leaf = _leaf(field_value, item.selections)
        if found:
            return True, leaf
    return False, None


_ENTITIES = "_entities(representations:$representations)"
_CONTEXT_VARIABLE = re.compile(r"\$(contextualArgument_\d+_\d+)(?![_0-9A-Za-z])")
_REPRESENTATIONS_DEFINITION = "$representations:[_Any!]!"


@dataclass(frozen=True, slots=True)
class BatchedOperation:
    """One subgraph operation answering several groups of entities, each with its own context
    values: ``_0: _entities(representations: $representations_0) {…$contextualArgument_1_0_0…}``
    and so on, so all of them cost one request."""

    text: str
    groups: int

    @staticmethod
    def variables_of(
        group: int, representations: list[Any], context: ContextVariables
    ) -> dict[str, Any]:
        variables: dict[str, Any] = {f"representations_{group}": representations}
        variables.update({f"{name}_{group}": value for name, value in context.items()})
        return variables


def batched_operation(operation: str, groups: int) -> BatchedOperation:
    """The entity fetch's operation text rewritten for ``groups`` groups of entities."""
    start = operation.index(_ENTITIES)
    header, body = operation[:start], operation[start + len(_ENTITIES) :]
    selection = body[:-1]  # the operation's closing brace
    open_at = header.index("(")
    close_at = header.rindex(")")
    definitions = _split_definitions(header[open_at + 1 : close_at])
    shared = [d for d in definitions if d != _REPRESENTATIONS_DEFINITION and not _is_context(d)]
    contextual = [d for d in definitions if _is_context(d)]
    parts: list[str] = []
    batched_definitions = list(shared)
    for group in range(groups):
        suffix = f"_{group}"
        batched_definitions.append(f"$representations{suffix}:[_Any!]!")
        batched_definitions.extend(_suffixed(d, suffix) for d in contextual)
        renamed = _suffixed(selection, suffix)
        parts.append(f"_{group}:_entities(representations:$representations_{group}){renamed}")
    text = header[:open_at] + "(" + ",".join(batched_definitions) + "){" + " ".join(parts) + "}"
    return BatchedOperation(text, groups)


@lru_cache(maxsize=512)
def cached_batched_operation(operation: str, groups: int) -> BatchedOperation:
    return batched_operation(operation, groups)


def _suffixed(text: str, suffix: str) -> str:
    """Every context variable of ``text`` renamed with ``suffix``."""
    return _CONTEXT_VARIABLE.sub(lambda match: f"${match.group(1)}{suffix}", text)


def _is_context(definition: str) -> bool:
    return definition.startswith("$contextualArgument_")


def _split_definitions(text: str) -> list[str]:
    """``$a:T,$b:[U!]=[1,2]`` split at the commas that start a new ``$`` definition."""
    found: list[str] = []
    depth = 0
    current = ""
    for char in text:
        if char in "[({":
            depth += 1
        elif char in "])}":
            depth -= 1
        if char == "," and depth == 0:
            found.append(current)
            current = ""
            continue
        current += char
    if current:
        found.append(current)
    return found


def split_batched_response(response: dict[str, Any], groups: int) -> list[tuple[Any, list[Any]]]:
    """Each group's ``{"_entities": [...]}`` data and errors (paths rewritten to ``_entities``);
    an error of no group goes to the first."""
    data = response.get("data")
    errors = response.get("errors")
    per_group: list[tuple[Any, list[Any]]] = []
    for index in range(groups):
        entities = data.get(f"_{index}") if isinstance(data, dict) else None
        per_group.append(({"_entities": entities} if entities is not None else None, []))
    if isinstance(errors, list):
        for error in errors:
            path = error.get("path") if isinstance(error, dict) else None
            owner = _group_of(path, groups)
            if owner is None or not isinstance(path, list):
                per_group[0][1].append(error)
            else:
                per_group[owner][1].append({**error, "path": ["_entities", *path[1:]]})
    return per_group


def _group_of(path: Any, groups: int) -> int | None:
    if not isinstance(path, list) or not path or not isinstance(path[0], str):
        return None
    head = path[0]
    if not head.startswith("_") or not head[1:].isdigit():
        return None
    group = int(head[1:])
    return group if group < groups else None
