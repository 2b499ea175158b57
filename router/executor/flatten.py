"""Finding the objects at a ``FlattenNode`` path."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from router.executor.type_conditions import TypeConditions, fragment_condition
from router.planner.plan import LIST_MARKER

ResponseKeyPath = tuple[str | int, ...]
Target = tuple[dict[str, Any], ResponseKeyPath]  # an object and its path in the response


@dataclass(frozen=True, slots=True)
class FlattenStep:
    key: str | None  # descend into this key; None with typenames=None: every list item
    typenames: frozenset[str] | None = None  # keep only objects of these runtime types


def compile_flatten_path(
    path: tuple[str, ...], conditions: TypeConditions
) -> tuple[FlattenStep, ...]:
    steps: list[FlattenStep] = []
    for element in path:
        if element == LIST_MARKER:
            steps.append(FlattenStep(None))
            continue
        condition = fragment_condition(element)
        if condition is not None:
            steps.append(FlattenStep(None, conditions.matching(condition)))
        else:
            steps.append(FlattenStep(element))
    return tuple(steps)


def objects_at(targets: list[Target], steps: tuple[FlattenStep, ...]) -> list[Target]:
    """Every object reached from ``targets`` by ``steps``; nulls and missing values skipped.

    Lists met where a key is expected are entered item by item, so nested lists work with or
    without an explicit list marker for each level.
    """
    found: list[Target] = []
    for obj, path in targets:
        _walk(obj, path, steps, 0, found)
    return found


def _walk(
    value: Any,
    path: ResponseKeyPath,
    steps: tuple[FlattenStep, ...],
    depth: int,
    found: list[Target],
) -> None:
    if value is None:
        return
    if type(value) is list:
        if depth < len(steps):
            step = steps[depth]
            if step.key is None and step.typenames is None:
                depth += 1
        for index, item in enumerate(value):
            _walk(item, (*path, index), steps, depth, found)
        return
    if type(value) is not dict:
        return
    if depth == len(steps):
        found.append((value, path))
        return
    step = steps[depth]
    if step.key is not None:
        _walk(value.get(step.key), (*path, step.key), steps, depth + 1, found)
    elif step.typenames is not None:
        if value.get("__typename") in step.typenames:
            _walk(value, path, steps, depth + 1, found)
    else:  # a list marker on an object: the planner's list level was already entered
        _walk(value, path, steps, depth + 1, found)
