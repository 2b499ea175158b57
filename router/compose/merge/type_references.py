"""Merging the type of one element defined in several subgraphs.

Output positions (fields) take the most general type: nullable wins over non-null, an interface
or union over its implementations. Input positions (arguments, input fields) take the most
restrictive one. ``None`` means the types are incompatible.
"""

from __future__ import annotations

from collections.abc import Callable

IsSubtype = Callable[[str, str], bool]


def _strip_non_null(type_string: str) -> tuple[str, bool]:
    if type_string.endswith("!"):
        return type_string[:-1], True
    return type_string, False


def _strip_list(type_string: str) -> str | None:
    if type_string.startswith("[") and type_string.endswith("]"):
        return type_string[1:-1]
    return None


def is_subtype_reference(supertype: str, candidate: str, is_subtype: IsSubtype) -> bool:
    """Whether a value of type ``candidate`` is valid where ``supertype`` is expected."""
    super_inner, super_non_null = _strip_non_null(supertype)
    candidate_inner, candidate_non_null = _strip_non_null(candidate)
    if super_non_null and not candidate_non_null:
        return False
    super_list = _strip_list(super_inner)
    candidate_list = _strip_list(candidate_inner)
    if (super_list is None) != (candidate_list is None):
        return False
    if super_list is not None and candidate_list is not None:
        return is_subtype_reference(super_list, candidate_list, is_subtype)
    return is_subtype(super_inner, candidate_inner)


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


def named_type(type_string: str) -> str:
    return type_string.replace("[", "").replace("]", "").replace("!", "")
