"""Shaping merged subgraph data into the client's response, with GraphQL null propagation."""

from __future__ import annotations

from collections.abc import Iterable, Set
from typing import Any, Final, Literal

from router.executor.errors import GraphQLErrorDict, completion_error
from router.executor.object_shapers import object_shaper
from router.executor.shape import OutputType, SelectionShape

# A linked path: (parent, key) pairs, turned into a list only when an error needs it.
LinkedPath = tuple[Any, str | int] | None


class _Null:
    """Marks a null that must propagate to the nearest nullable parent."""


_BUBBLE: Final = _Null()


def _path_list(path: LinkedPath) -> list[str | int]:
    keys: list[str | int] = []
    while path is not None:
        path, key = path
        keys.append(key)
    keys.reverse()
    return keys


class ResponseShaper:
    """Builds the response data from merged data and a compiled selection shape."""

    __slots__ = ("_error_paths", "_explained_nulls", "_introspection", "completion", "errors")

    def __init__(
        self,
        errors: list[GraphQLErrorDict],
        introspection: dict[str, Any] | None = None,
        explained_nulls: Set[tuple[str | int, ...]] = frozenset(),
        completion: list[GraphQLErrorDict] | None = None,
    ) -> None:
        """``errors`` are the errors met so far (a null below one of their paths is explained
        by it); the shaper's own value-completion errors (a value the API schema does not
        allow there, a null no error explains) go to ``completion``, or to ``errors`` when
        it is None."""
        self.errors = errors
        self.completion = errors if completion is None else completion
        self._introspection = introspection or {}
        self._error_paths: set[tuple[str | int, ...]] | None = None
        self._explained_nulls = explained_nulls

    def shape(self, data: dict[str, Any], shape: SelectionShape) -> dict[str, Any] | None:
        result = self._object(data, shape, None)
        return None if result is _BUBBLE else result  # type: ignore[return-value]

    def shape_at(
        self, data: dict[str, Any], shape: SelectionShape, path: Iterable[str | int]
    ) -> dict[str, Any] | None:
        """The object at response ``path`` (errors name paths below it); None when a null
        propagates up to it."""
        linked: LinkedPath = None
        for key in path:
            linked = (linked, key)
        result = self._object(data, shape, linked)
        return None if result is _BUBBLE else result  # type: ignore[return-value]

    def _null_error(self, path: LinkedPath, coordinate: str) -> None:
        keys = _path_list(path)
        if self._error_paths is None:
            # an error at this path or below it already explains the null
            self._error_paths = set()
            known = self.errors
            if self.completion is not known:
                known = [*known, *self.completion]
            for error in known:
                error_path = error.get("path")
                if isinstance(error_path, list):
                    for end in range(1, len(error_path) + 1):
                        self._error_paths.add(tuple(error_path[:end]))
        as_tuple = tuple(keys)
        if as_tuple in self._error_paths:
            return
        explained = self._explained_nulls
        if explained and any(as_tuple[:end] in explained for end in range(1, len(as_tuple) + 1)):
            return  # a fetch left it null and reported why
        for end in range(1, len(as_tuple) + 1):
            self._error_paths.add(as_tuple[:end])
        self.completion.append(
            completion_error(f"Cannot return null for non-nullable field {coordinate}.", keys)
        )

    def _object(
        self, data: dict[str, Any], shape: SelectionShape, path: LinkedPath
    ) -> dict[str, Any] | _Null:
        if shape.abstract:
            runtime = data.get("__typename")
            if type(runtime) is not str or runtime not in shape.by_type:
                runtime = None
        else:
            runtime = shape.type_name
        shaper = shape.compiled.get(runtime)
        if shaper is None:
            shaper = object_shaper(shape, runtime, _BUBBLE)
        result: dict[str, Any] | _Null = shaper(self, data, path, runtime)
        return result

    def _value(self, value: Any, type_: OutputType, path: LinkedPath, coordinate: str) -> Any:
        """A non-null ``value`` completed to ``type_``; ``_BUBBLE`` makes it null."""
        item_type = type_.item
        if item_type is not None:
            if type(value) is not list:
                return self._invalid(path, coordinate, "a list")
            items: list[Any] = []
            leaf_items = item_type.item is None and item_type.selection is None
            allowed = item_type.enum_values
            for index, item in enumerate(value):
                if item is None:
                    if item_type.non_null:
                        self._null_error((path, index), coordinate)
                        return _BUBBLE
                    items.append(None)
                elif leaf_items:
                    if allowed is not None and item not in allowed:
                        self._error(
                            (path, index),
                            f"Invalid value found for array element of type "
                            f"{item_type.enum_name} at index {index}.",
                        )
                        if item_type.non_null:
                            return _BUBBLE
                        item = None
                    items.append(item)
                else:
                    completed = self._value(item, item_type, (path, index), coordinate)
                    if completed is _BUBBLE:
                        if item_type.non_null:
                            return _BUBBLE
                        completed = None
                    items.append(completed)
            return items
        selection = type_.selection
        if selection is not None:
            if type(value) is not dict:
                return self._invalid(path, coordinate, "an object")
            if selection.abstract:
                runtime = value.get("__typename")
                if (
                    type(runtime) is str
                    and runtime not in selection.by_type
                    and runtime not in selection.abstract_names
                ):
                    return self._invalid_typename(path, coordinate, selection.type_name)
            return self._object(value, selection, path)
        return value

    def _invalid_typename(self, path: LinkedPath, coordinate: str, abstract: str) -> _Null:
        """An object whose runtime type the API schema does not have (e.g. @inaccessible)."""
        assert path is not None
        index = path[1]
        if type(index) is int:
            where = f"array element of type {abstract} at index {index}"
        else:
            where = f"field {coordinate}"
        self._error(path, f"Invalid __typename found for object at {where}.")
        return _BUBBLE

    def _error(self, path: LinkedPath, message: str) -> None:
        keys = _path_list(path)
        if self._error_paths is not None:
            for end in range(1, len(keys) + 1):
                self._error_paths.add(tuple(keys[:end]))
        self.completion.append(completion_error(message, keys))

    def _invalid(self, path: LinkedPath, coordinate: str, expected: str) -> _Null:
        self.completion.append(
            completion_error(
                f"Invalid value for {coordinate}: expected {expected}.", _path_list(path)
            )
        )
        return _BUBBLE


# Where the router reports the values it nulled while completing the response (a value of
# a subgraph the API schema does not allow there, a null no error explains): under
# ``extensions.valueCompletion``, as Apollo Router and @apollo/gateway do (clients and
# tooling see no error for data the router corrected), or as ordinary ``errors``.
ValueCompletionMode = Literal["extensions", "errors"]
VALUE_COMPLETION_KEY: Final = "valueCompletion"


def shape_response(
    data: dict[str, Any],
    shape: SelectionShape,
    errors: list[GraphQLErrorDict],
    introspection: dict[str, Any] | None = None,
    explained_nulls: Set[tuple[str | int, ...]] = frozenset(),
    completion: list[GraphQLErrorDict] | None = None,
) -> dict[str, Any] | None:
    """The client's ``data``: exactly its selection; nulls propagated, errors appended (to
    ``completion`` when given, see ``ResponseShaper``).

    A null at or below a path in ``explained_nulls`` (left null by a fetch that reported errors
    about it) is not reported again as a non-null field completed with null.
    """
    return ResponseShaper(errors, introspection, explained_nulls, completion).shape(data, shape)


def add_errors(
    response: dict[str, Any],
    errors: list[GraphQLErrorDict],
    completion: list[GraphQLErrorDict],
    mode: ValueCompletionMode,
) -> dict[str, Any]:
    """``response`` (data first) with its ``errors`` and value-completion errors as ``mode``
    says; keys only for what is not empty."""
    if mode == "errors" and completion:
        errors = [*errors, *completion]
        completion = []
    if errors:
        response["errors"] = errors
    if completion:
        extensions = response.setdefault("extensions", {})
        extensions[VALUE_COMPLETION_KEY] = completion
    return response
