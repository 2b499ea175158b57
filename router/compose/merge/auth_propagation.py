"""Authorization requirements of an interface's implementations, carried up to the interface.

A client selecting through an interface may reach any implementation, so the supergraph puts
on the interface (and on each of its fields) every requirement its implementations (and their
fields of that name) have: @authenticated when one of them has it, and the combination of
their @requiresScopes and @policy alternatives (every one of them must hold).
"""

from __future__ import annotations

from collections.abc import Iterable

from router.compose.merge.decorations import combine_requirements
from router.supergraph.model import AppliedDirective, NamedType, TypeKind

AUTHORIZATION_DIRECTIVES = frozenset({"authenticated", "requiresScopes", "policy"})


def propagate_requirements_to_interfaces(types: dict[str, NamedType]) -> None:
    for interface in types.values():
        if interface.kind is not TypeKind.INTERFACE:
            continue
        implementations = [
            named
            for named in types.values()
            if named.kind is TypeKind.OBJECT and interface.name in named.interfaces
        ]
        interface.directives = _with_requirements(
            interface.directives, (named.directives for named in implementations)
        )
        for name, merged in interface.fields.items():
            merged.directives = _with_requirements(
                merged.directives,
                (
                    named.fields[name].directives
                    for named in implementations
                    if name in named.fields
                ),
            )


def _with_requirements(
    own: list[AppliedDirective], implementations: Iterable[list[AppliedDirective]]
) -> list[AppliedDirective]:
    directives = list(own)
    added = False
    for applied in implementations:
        for directive in applied:
            if directive.name in AUTHORIZATION_DIRECTIVES and directive not in directives:
                directives.append(directive)
                added = True
    return combine_requirements(directives) if added else own
