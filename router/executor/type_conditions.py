"""Which runtime object types satisfy a type condition, from the supergraph."""

from __future__ import annotations

from router.supergraph.model import Supergraph, TypeKind

FRAGMENT_PREFIX = "... on "


class TypeConditions:
    """Answers "is an object of runtime type X a T?" with cached possible-type sets."""

    __slots__ = ("_cache", "_supergraph")

    def __init__(self, supergraph: Supergraph) -> None:
        self._supergraph = supergraph
        self._cache: dict[str, frozenset[str]] = {}

    def matching(self, condition: str) -> frozenset[str]:
        """Type names an object's ``__typename`` may have to satisfy ``condition``.

        The condition itself is included: an ``@interfaceObject`` subgraph reports its
        interface as ``__typename``.
        """
        cached = self._cache.get(condition)
        if cached is None:
            names = {condition}
            if condition in self._supergraph.types:
                names.update(self._supergraph.possible_types(condition))
            cached = frozenset(names)
            self._cache[condition] = cached
        return cached

    def abstract_types(self) -> frozenset[str]:
        return frozenset(
            name
            for name, named in self._supergraph.types.items()
            if named.kind in (TypeKind.INTERFACE, TypeKind.UNION)
        )


def fragment_condition(element: str) -> str | None:
    """``"... on User"`` → ``"User"``; any other path element → ``None``."""
    if element.startswith(FRAGMENT_PREFIX):
        return element[len(FRAGMENT_PREFIX) :].strip()
    return None
