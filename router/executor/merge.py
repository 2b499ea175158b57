"""Deep merge of subgraph results into the response data, in place."""

from __future__ import annotations

from typing import Any


class DeepMerger:
    """Merges subgraph objects into response objects.

    Objects are merged key by key, lists of the same length item by item; anything else is
    replaced. ``__typename`` keeps the concrete type: a later value naming an abstract type (an
    ``@interfaceObject`` subgraph reports its interface) never replaces an object type.
    """

    __slots__ = ("_abstract_types",)

    def __init__(self, abstract_types: frozenset[str]) -> None:
        self._abstract_types = abstract_types

    def merge(self, target: dict[str, Any], source: dict[str, Any]) -> None:
        if target is source:
            return
        abstract_types = self._abstract_types
        for key, value in source.items():
            existing = target.get(key)
            if existing is None:
                target[key] = value
            elif type(existing) is dict:
                if type(value) is dict:
                    self.merge(existing, value)
                else:
                    target[key] = value
            elif type(existing) is list:
                if type(value) is list and len(value) == len(existing):
                    self.merge_lists(existing, value)
                else:
                    target[key] = value
            elif key == "__typename":
                if value not in abstract_types:
                    target[key] = value
            else:
                target[key] = value

    def merge_lists(self, target: list[Any], source: list[Any]) -> None:
        for index, value in enumerate(source):
            existing = target[index]
            if type(existing) is dict and type(value) is dict:
                self.merge(existing, value)
            elif type(existing) is list and type(value) is list and len(existing) == len(value):
                self.merge_lists(existing, value)
            else:
                target[index] = value
