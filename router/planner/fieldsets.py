"""Parse ``@key``/``@requires``/``@provides`` field sets into normalised selections."""

from __future__ import annotations

from graphql import GraphQLError, OperationDefinitionNode, parse

from router.planner.errors import PlanningError
from router.planner.normalize import NormalizedSelection, Normalizer
from router.supergraph.model import Supergraph


class FieldSetReader:
    """Reads field sets relative to a type, caching each (type, text) once."""

    def __init__(self, supergraph: Supergraph) -> None:
        self.normalizer = Normalizer(supergraph)
        self._cache: dict[tuple[str, str], NormalizedSelection] = {}

    def read(self, type_name: str, field_set: str) -> NormalizedSelection:
        cache_key = (type_name, field_set)
        cached = self._cache.get(cache_key)
        if cached is not None:
            return cached
        try:
            document = parse("{" + field_set + "}", no_location=True)
        except GraphQLError as error:
            raise PlanningError(
                f"invalid field set {field_set!r} on {type_name}: {error}"
            ) from error
        operation = document.definitions[0]
        assert isinstance(operation, OperationDefinitionNode)
        selection = self.normalizer.selection(type_name, operation.selection_set)
        self._cache[cache_key] = selection
        return selection
