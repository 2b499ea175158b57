"""Input and output rewrites (``ValueSetter``, ``KeyRenamer``) applied to fetched objects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from router.executor.type_conditions import TypeConditions, fragment_condition
from router.planner.plan import KeyRenamer, Rewrite, ValueSetter


@dataclass(frozen=True, slots=True)
class PathStep:
    key: str | None  # a key to descend into
    typenames: frozenset[str] | None  # or a type condition the object must satisfy


@dataclass(frozen=True, slots=True)
class CompiledRewrite:
    steps: tuple[PathStep, ...]  # every element of the path but the last
    last: str  # the key set or renamed
    set_value: object
    rename_to: str | None  # None: a value setter


def compile_rewrites(
    rewrites: tuple[Rewrite, ...], conditions: TypeConditions
) -> tuple[CompiledRewrite, ...]:
    compiled: list[CompiledRewrite] = []
    for rewrite in rewrites:
        if not rewrite.path:
            continue
        steps: list[PathStep] = []
        for element in rewrite.path[:-1]:
            condition = fragment_condition(element)
            if condition is None:
                steps.append(PathStep(element, None))
            else:
                steps.append(PathStep(None, conditions.matching(condition)))
        last = rewrite.path[-1]
        if isinstance(rewrite, ValueSetter):
            compiled.append(CompiledRewrite(tuple(steps), last, rewrite.set_value_to, None))
        elif isinstance(rewrite, KeyRenamer):
            compiled.append(CompiledRewrite(tuple(steps), last, None, rewrite.rename_key_to))
    return tuple(compiled)


def apply_rewrites(
    value: Any, rewrites: tuple[CompiledRewrite, ...], typename: str | None = None
) -> None:
    """Apply ``rewrites`` in place to ``value`` (an object, or a list of them).

    ``typename`` is the runtime type of ``value`` when the object itself does not say (an
    entity fetched without ``__typename`` has its representation's type).
    """
    for rewrite in rewrites:
        _apply(value, rewrite, 0, typename)


def _apply(value: Any, rewrite: CompiledRewrite, depth: int, typename: str | None = None) -> None:
    if type(value) is list:
        for item in value:
            _apply(item, rewrite, depth)
        return
    if type(value) is not dict:
        return
    if depth == len(rewrite.steps):
        if rewrite.rename_to is None:
            value[rewrite.last] = rewrite.set_value
        elif rewrite.last in value:
            value[rewrite.rename_to] = value.pop(rewrite.last)
        return
    step = rewrite.steps[depth]
    if step.typenames is not None:
        if value.get("__typename", typename) in step.typenames:
            _apply(value, rewrite, depth + 1, typename)
    elif step.key is not None and step.key in value:
        _apply(value[step.key], rewrite, depth + 1)
