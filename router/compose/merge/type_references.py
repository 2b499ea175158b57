"""Merging the type of one element defined in several subgraphs.

Output positions (fields) take the most general type: nullable wins over non-null, an interface
or union over its implementations. Input positions (arguments, input fields) take the most
restrictive one. ``None`` means the types are incompatible.
"""

from __future__ import annotations

from collections.abc import Callable

from router.federation.type_refs import TypeRef, parse_type_ref

IsSubtype = Callable[[str, str], bool]


def is_subtype_reference(supertype: str, candidate: str, is_subtype: IsSubtype) -> bool:
    """Whether a value of type ``candidate`` is valid where ``supertype`` is expected."""
    return _is_subtype(parse_type_ref(supertype), parse_type_ref(candidate), is_subtype)


def _is_subtype(supertype: TypeRef, candidate: TypeRef, is_subtype: IsSubtype) -> bool:
    if supertype.non_null and not candidate.non_null:
        return False
    if supertype.item is not None and candidate.item is not None:
        return _is_subtype(supertype.item, candidate.item, is_subtype)
    if supertype.is_list or candidate.is_list:
        return False
    return is_subtype(supertype.named, candidate.named)


def merge_type_references(
    types: list[str], is_subtype: IsSubtype, *, input_position: bool
) -> str | None:
    """The merged type of ``types`` (one per subgraph), or None when they are incompatible."""
    merged = types[0]
    for candidate in types[1:]:
        if candidate == merged:
            continue
        if input_position:
            if is_subtype_reference(merged, candidate, _same):
                merged = candidate
            elif not is_subtype_reference(candidate, merged, _same):
                return None
        elif is_subtype_reference(candidate, merged, is_subtype):
            merged = candidate
        elif not is_subtype_reference(merged, candidate, is_subtype):
            return None
    return merged


def _same(supertype: str, candidate: str) -> bool:
    return supertype == candidate
