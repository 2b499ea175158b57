"""Incremental delivery (``@defer``): the primary part first, then each deferred part.

Payloads follow the format Apollo Router speaks (``deferSpec=20220824``): the initial payload
``{"data", "errors"?, "hasNext": true}``, then ``{"incremental": [{"data", "path", "label"?,
"errors"?}], "hasNext"}`` as parts complete, the last with ``"hasNext": false``. A deferred part
runs once the part it is nested in has been delivered, on the same merged data; it yields one
item per object at its path (list items each get their own path). A non-null field of a part
that is null makes that item's ``data`` null; errors of a part's fetches go to its items.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import DirectiveNode

from router.executor.compiled_plan import CompiledPlan
from router.executor.complete import (
    VALUE_COMPLETION_KEY,
    ResponseShaper,
    ValueCompletionMode,
    add_errors,
)
from router.executor.errors import GraphQLErrorDict
from router.executor.run import PlanExecution
from router.executor.shape import FieldKind, SelectionShape, is_included
from router.planner.plan import LIST_MARKER

ResponsePath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class CompiledDeferredPart:
    label: str | None
    path: tuple[str, ...]  # response keys, "@" for list items
    plan: CompiledPlan | None  # None: the enclosing part fetched everything it delivers
    shape: SelectionShape
    directives: tuple[DirectiveNode, ...]  # the fragment's own, for @skip / @include
    children: tuple[CompiledDeferredPart, ...] = ()
    # Per step of ``path``: the object types its field was selected on (None: any).
    owners: tuple[frozenset[str] | None, ...] = ()


@dataclass(frozen=True, slots=True)
class IncrementalPlan:
    primary: CompiledPlan | None
    primary_shape: SelectionShape
    parts: tuple[CompiledDeferredPart, ...]
    fetch_count: int = 0

    @property
    def has_deferred(self) -> bool:
        return bool(self.parts)


@dataclass(slots=True)
class _Ready:
    """A part to run: where its objects are, and errors reported before it ran."""

    part: CompiledDeferredPart
    paths: list[ResponsePath]
    errors: list[GraphQLErrorDict] = field(default_factory=list)


class IncrementalExecution:
    """One incremental run; iterate ``payloads()`` once."""

    def __init__(
        self,
        plan: IncrementalPlan,
        make_execution: Callable[[], PlanExecution],
        *,
        condition_values: Mapping[str, Any],
        errors: list[GraphQLErrorDict],
        introspection: dict[str, Any] | None,
        value_completion: ValueCompletionMode = "extensions",
    ) -> None:
        self.plan = plan
        self._value_completion: ValueCompletionMode = value_completion
        self._make_execution = make_execution  # a fresh execution sharing nothing yet
        self._values = condition_values
        self._errors = errors
        self._introspection = introspection

    async def payloads(self) -> AsyncGenerator[dict[str, Any], None]:
        primary = self._make_execution()
        if self.plan.primary is not None:
            await primary.run(self.plan.primary)
        errors = [*self._errors, *primary.errors]
        early = _route_errors(errors, self.plan.parts)
        completion: list[GraphQLErrorDict] = []
        shaper = ResponseShaper(errors, self._introspection, primary.explained_nulls, completion)
        data = shaper.shape(primary.data, self.plan.primary_shape)
        initial = add_errors({"data": data}, errors, completion, self._value_completion)
        ready = (
            self._ready(self.plan.parts, data, (), primary.data, early) if data is not None else []
        )
        initial["hasNext"] = bool(ready)
        yield initial
        # by task, the order it was started in: parts finished together are delivered in
        # document order (a set of tasks would deliver them in any order)
        tasks: dict[asyncio.Task[tuple[list[dict[str, Any]], list[_Ready]]], int] = {}
        for item in ready:
            tasks[asyncio.ensure_future(self._run_part(item, primary))] = len(tasks)
        started = len(tasks)
        try:
            while tasks:
                done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
                incremental: list[dict[str, Any]] = []
                for task in sorted(done, key=tasks.__getitem__):
                    del tasks[task]
                    items, nested = task.result()
                    incremental.extend(items)
                    for item in nested:
                        tasks[asyncio.ensure_future(self._run_part(item, primary))] = started
                        started += 1
                payload: dict[str, Any] = {}
                if incremental:
                    payload["incremental"] = incremental
                payload["hasNext"] = bool(tasks)
                yield payload
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    def _ready(
        self,
        parts: Iterable[CompiledDeferredPart],
        shaped: dict[str, Any],
        base: ResponsePath,
        raw: dict[str, Any],
        early: Mapping[int, list[GraphQLErrorDict]],
    ) -> list[_Ready]:
        """The parts to run below an object delivered at ``base`` (``shaped`` as delivered,
        ``raw`` the merged data it came from), each with the paths of its objects."""
        ready: list[_Ready] = []
        depth = len(base)  # a plan path has one element per response path element
        for part in parts:
            if not is_included(part.directives, self._values):
                continue
            paths = [
                path
                for path in _paths_at(shaped, part.path[depth:], base)
                if _applies(part.shape, _raw_at(raw, path)) and _on_its_branch(part, raw, path)
            ]
            if paths:
                ready.append(_Ready(part, paths, list(early.get(id(part), ()))))
        return ready

    async def _run_part(
        self, item: _Ready, primary: PlanExecution
    ) -> tuple[list[dict[str, Any]], list[_Ready]]:
        part = item.part
        execution = self._make_execution()
        execution.data = primary.data
        if part.plan is not None:
            await execution.run(part.plan)
        explained = execution.explained_nulls | primary.explained_nulls
        by_path = _errors_by_item(execution.errors, item.paths)
        payloads: list[dict[str, Any]] = []
        nested: list[_Ready] = []
        for index, path in enumerate(item.paths):
            errors = by_path[index]
            if index == 0:
                errors = [*item.errors, *errors]
            completion: list[GraphQLErrorDict] = []
            shaper = ResponseShaper(errors, None, explained, completion)
            raw = _raw_at(primary.data, path)
            data = shaper.shape_at(raw, part.shape, path) if type(raw) is dict else None
            payload: dict[str, Any] = {"data": data, "path": list(path)}
            if part.label is not None:
                payload["label"] = part.label
            add_errors(payload, errors, completion, self._value_completion)
            payloads.append(payload)
            if data is not None and part.children:
                nested.extend(self._ready(part.children, data, path, primary.data, {}))
        return payloads, _merge_ready(nested)


def _merge_ready(items: list[_Ready]) -> list[_Ready]:
    """One run per nested part, for the objects of every item it is below."""
    merged: dict[int, _Ready] = {}
    for item in items:
        known = merged.get(id(item.part))
        if known is None:
            merged[id(item.part)] = item
        else:
            known.paths.extend(item.paths)
    return list(merged.values())


def _paths_at(value: Any, steps: Sequence[str], base: ResponsePath) -> list[ResponsePath]:
    """Response paths (list indices filled in) of the objects at ``steps`` below ``value``."""
    if not steps:
        return [base] if type(value) is dict else []
    step, rest = steps[0], steps[1:]
    if step == LIST_MARKER:
        if type(value) is not list:
            return []
        found: list[ResponsePath] = []
        for index, item in enumerate(value):
            found.extend(_paths_at(item, rest, (*base, index)))
        return found
    if type(value) is not dict:
        return []
    return _paths_at(value.get(step), rest, (*base, step))


def _raw_at(data: Any, path: ResponsePath) -> Any:
    value = data
    for key in path:
        if type(key) is int:
            value = value[key] if type(value) is list and key < len(value) else None
        else:
            value = value.get(key) if type(value) is dict else None
    return value


def _on_its_branch(part: CompiledDeferredPart, raw: dict[str, Any], path: ResponsePath) -> bool:
    """Whether every object along ``path`` is of a type the part's fields were selected on:
    parts at one path under sibling type conditions (``... on A { x { ... @defer } }`` and
    ``... on B { x { ... @defer } }``) each go to their own branch's objects."""
    value: Any = raw
    for index, key in enumerate(path):
        owners = part.owners[index] if index < len(part.owners) else None
        if owners is not None and type(value) is dict:
            runtime = value.get("__typename")
            if type(runtime) is str and runtime not in owners:
                return False
        if type(key) is int:
            value = value[key] if type(value) is list and key < len(value) else None
        else:
            value = value.get(key) if type(value) is dict else None
    return True


def _applies(shape: SelectionShape, value: Any) -> bool:
    """Whether a fragment on ``shape``'s type applies to the object ``value``."""
    if type(value) is not dict:
        return False
    runtime = value.get("__typename")
    if type(runtime) is not str or runtime in shape.by_type:
        return True
    # an interface object's answer names the interface: its runtime type is not known here
    return shape.abstract and (runtime == shape.type_name or runtime in shape.abstract_names)


def _errors_by_item(
    errors: list[GraphQLErrorDict], paths: list[ResponsePath]
) -> list[list[GraphQLErrorDict]]:
    """The errors of a part's fetches, by the item whose path they are below (the first item
    takes those below none)."""
    grouped: list[list[GraphQLErrorDict]] = [[] for _ in paths]
    index_of = {path: index for index, path in enumerate(paths)}
    for error in errors:
        path = error.get("path")
        target = 0
        if isinstance(path, list):
            for end in range(len(path), -1, -1):
                found = index_of.get(tuple(path[:end]))
                if found is not None:
                    target = found
                    break
        grouped[target].append(error)
    return grouped


def _route_errors(
    errors: list[GraphQLErrorDict], parts: Sequence[CompiledDeferredPart]
) -> dict[int, list[GraphQLErrorDict]]:
    """Move errors about fields of deferred parts that never run (authorization removed them)
    out of ``errors`` to those parts: by ``id`` of the part, the deepest part first."""
    routed: dict[int, list[GraphQLErrorDict]] = {}
    flat: list[CompiledDeferredPart] = []
    stack = list(parts)
    while stack:
        part = stack.pop()
        flat.append(part)
        stack.extend(part.children)
    flat.sort(key=lambda part: -len(part.path))
    kept: list[GraphQLErrorDict] = []
    for error in errors:
        path = error.get("path")
        owner = None
        if isinstance(path, list):
            keys = [key for key in path if type(key) is str and key != LIST_MARKER]
            for part in flat:
                steps = [step for step in part.path if step != LIST_MARKER]
                if len(keys) > len(steps) and keys[: len(steps)] == steps:
                    key = keys[len(steps)]
                    if _unauthorized_key(part.shape, key):
                        owner = part
                        break
        if owner is None:
            kept.append(error)
        else:
            routed.setdefault(id(owner), []).append(error)
    errors[:] = kept
    return routed


def _unauthorized_key(shape: SelectionShape, key: str) -> bool:
    return any(
        field_shape.key == key and field_shape.kind is FieldKind.UNAUTHORIZED
        for fields in (shape.fallback, *shape.by_type.values())
        for field_shape in fields
    )


def merge_incremental(payloads: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The one response the payloads amount to: every part's data merged at its path, all
    errors and value-completion errors (what a client that does not defer gets, up to the
    order of the errors)."""
    result: dict[str, Any] = {}
    errors: list[Any] = []
    completion: list[Any] = []

    def collect(part: Mapping[str, Any]) -> None:
        errors.extend(part.get("errors") or ())
        completion.extend((part.get("extensions") or {}).get(VALUE_COMPLETION_KEY) or ())

    for payload in payloads:
        if "data" in payload:
            result["data"] = payload["data"]
        collect(payload)
        for item in payload.get("incremental") or ():
            collect(item)
            _merge_at(result, ("data", *item["path"]), item.get("data"))
    if errors:
        result["errors"] = errors
    if completion:
        result["extensions"] = {VALUE_COMPLETION_KEY: completion}
    return result


def _child(parent: Any, key: str | int) -> Any:
    if type(parent) is list:
        return parent[key] if type(key) is int and key < len(parent) else None
    return parent.get(key) if type(parent) is dict else None


def _merge_at(root: dict[str, Any], path: Sequence[str | int], data: Any) -> None:
    parent: Any = root
    for key in path[:-1]:
        parent = _child(parent, key)
    last = path[-1]
    if type(parent) is list and type(last) is int and last < len(parent):
        target = parent[last]
        if data is None:
            parent[last] = None
            return
    elif type(parent) is dict and type(last) is str:
        target = parent.get(last)
        if data is None:
            parent[last] = None
            return
    else:
        return
    if type(target) is dict:
        _deep_merge(target, data)


def _deep_merge(target: dict[str, Any], source: Mapping[str, Any]) -> None:
    for key, value in source.items():
        existing = target.get(key)
        if type(existing) is dict and isinstance(value, Mapping):
            _deep_merge(existing, value)
        elif type(existing) is list and type(value) is list and len(existing) == len(value):
            for index, item in enumerate(value):
                if type(existing[index]) is dict and isinstance(item, Mapping):
                    _deep_merge(existing[index], item)
                else:
                    existing[index] = item
        else:
            target[key] = value
