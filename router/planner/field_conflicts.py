"""Aliases for fields a subgraph would reject as conflicting, and the renames that undo them.

GraphQL validation (OverlappingFieldsCanBeMerged) rejects one response name selected with two
different types, e.g. ``... on Book { id }`` (``ID!``) beside ``... on Film { id }`` (``ID``).
The client's operation is valid against the API schema where both types agree, or where the
selections sit under different object types; the subgraph's own types may still differ. Such a
fetch aliases every occurrence but the first type's (``id__alias_0``) and carries a
``KeyRenamer`` per alias so the executor stores the value under its response name again.
"""

from __future__ import annotations

from dataclasses import dataclass

from router.federation.type_refs import named_type
from router.planner.plan import KeyRenamer
from router.planner.selection_set import FieldToFetch, SelectionToFetch
from router.supergraph.model import Supergraph, TypeKind

ALIAS_INFIX = "__alias_"
FRAGMENT_PREFIX = "... on "
COMPOSITE = frozenset({TypeKind.OBJECT, TypeKind.INTERFACE, TypeKind.UNION})
COMPOSITE_MARK = "*"


@dataclass(slots=True)
class _Occurrence:
    owner: SelectionToFetch  # the selection whose ``fields`` holds it
    item: FieldToFetch
    path: tuple[str, ...]  # rewrite path of the selection that holds it
    field_type: str | None  # its shape in the subgraph (see ``_shape``)
    type_name: str | None  # the named type it returns


@dataclass(slots=True)
class _Scope:
    """One set of fields the subgraph merges into one response object."""

    parts: list[tuple[SelectionToFetch, str | None, tuple[str, ...]]]


def alias_conflicting_fields(
    supergraph: Supergraph, subgraph: str, selection: SelectionToFetch, type_name: str | None
) -> tuple[KeyRenamer, ...]:
    """Alias conflicting fields of ``selection`` in place; the renames that restore them."""
    renames: list[KeyRenamer] = []
    counter = [0]
    _resolve(supergraph, subgraph, _Scope([(selection, type_name, ())]), renames, counter)
    return tuple(renames)


def _field_type(
    supergraph: Supergraph, subgraph: str, type_name: str | None, field_name: str
) -> str | None:
    if type_name is None:
        return None
    named = supergraph.types.get(type_name)
    if named is None:
        return None
    definition = named.fields.get(field_name)
    if definition is None:
        return None
    source = definition.sources.get(subgraph)
    return source.type if source is not None and source.type is not None else definition.type


def _shape(supergraph: Supergraph, field_type: str) -> str:
    """What validation compares: list and non-null wrappers, and the name of a leaf type
    (the fields below two composite types are compared instead of their names)."""
    name = _named(field_type)
    assert name is not None
    named = supergraph.types.get(name)
    if named is not None and named.kind in COMPOSITE:
        return field_type.replace(name, COMPOSITE_MARK)
    return field_type


def _collect(
    supergraph: Supergraph,
    subgraph: str,
    selection: SelectionToFetch,
    type_name: str | None,
    path: tuple[str, ...],
    into: dict[str, list[_Occurrence]],
) -> None:
    for item in selection.fields.values():
        if item.name == "__typename":
            continue
        full_type = _field_type(supergraph, subgraph, type_name, item.name)
        into.setdefault(item.response_key, []).append(
            _Occurrence(
                selection,
                item,
                path,
                None if full_type is None else _shape(supergraph, full_type),
                _named(full_type),
            )
        )
    for condition, fragment in selection.fragments.items():
        _collect(
            supergraph, subgraph, fragment, condition, (*path, FRAGMENT_PREFIX + condition), into
        )


def _resolve(
    supergraph: Supergraph,
    subgraph: str,
    scope: _Scope,
    renames: list[KeyRenamer],
    counter: list[int],
) -> None:
    by_key: dict[str, list[_Occurrence]] = {}
    for selection, type_name, path in scope.parts:
        _collect(supergraph, subgraph, selection, type_name, path, by_key)
    own: list[KeyRenamer] = []
    for key, occurrences in by_key.items():
        types = [o.field_type for o in occurrences if o.field_type is not None]
        first_type = types[0] if types else None
        groups: dict[str, list[_Occurrence]] = {}
        for occurrence in occurrences:
            same = occurrence.field_type is None or occurrence.field_type == first_type
            if same:
                groups.setdefault(key, []).append(occurrence)
                continue
            assert occurrence.field_type is not None
            alias = _alias_of(groups, occurrence.field_type, key, counter)
            _rename(occurrence, alias)
            groups.setdefault(alias, []).append(occurrence)
            own.append(KeyRenamer((*occurrence.path, alias), key))
        for response_key, members in groups.items():
            nested = [
                (o.item.selection, o.type_name, (*o.path, response_key))
                for o in members
                if o.item.selection is not None
            ]
            if len(nested) > 1 or any(selection.fragments for selection, _, _ in nested):
                _resolve(supergraph, subgraph, _Scope(nested), renames, counter)
    renames.extend(own)


def _alias_of(
    groups: dict[str, list[_Occurrence]], field_type: str, key: str, counter: list[int]
) -> str:
    for response_key, members in groups.items():
        if response_key != key and members[0].field_type == field_type:
            return response_key
    alias = f"{key}{ALIAS_INFIX}{counter[0]}"
    counter[0] += 1
    return alias


def _rename(occurrence: _Occurrence, alias: str) -> None:
    owner = occurrence.owner
    old_key = occurrence.item.response_key
    occurrence.item.alias = alias
    owner.fields = {
        (alias if response_key == old_key else response_key): item
        for response_key, item in owner.fields.items()
    }


def _named(field_type: str | None) -> str | None:
    return None if field_type is None else named_type(field_type)
