"""``@key``/``@requires``/``@provides`` field sets as normalised selections, per type."""

from __future__ import annotations

from router.federation.field_sets import FieldSetError
from router.planner.errors import PlanningError
from router.planner.normalize import NormalizedSelection, Normalizer
from router.supergraph.model import Supergraph


class FieldSetReader:
    """Normalises the supergraph's parsed field sets relative to a type, each (type, text) once."""

    def __init__(self, supergraph: Supergraph) -> None:
        self.field_sets = supergraph.field_sets
        self.normalizer = Normalizer(supergraph)
        self._cache: dict[tuple[str, str], NormalizedSelection] = {}

    def read(self, type_name: str, field_set: str) -> NormalizedSelection:
        cache_key = (type_name, field_set)
        cached = self._cache.get(cache_key)
        if cached is not None:
            return cached
        try:
            parsed = self.field_sets.parse(field_set)
        except FieldSetError as error:
            raise PlanningError(
                f"invalid field set {field_set!r} on {type_name}: {error}"
            ) from error
        selection = self.normalizer.selection(type_name, parsed.selection_set)
        self._cache[cache_key] = selection
        return selection
