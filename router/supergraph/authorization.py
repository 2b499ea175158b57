"""Access requirements of a supergraph: ``@authenticated``, ``@requiresScopes``, ``@policy``.

The three directives come from their own specs (``https://specs.apollo.dev/authenticated/v0.1``,
``requiresScopes/v0.1``, ``policy/v0.1``), linked on the supergraph; ``as:`` and ``import:`` decide
their local names. They apply to objects, interfaces, fields, scalars and enums. A directive of an
unlinked spec is not an access requirement (it may be any composed directive of that name).

``scopes: [["a", "b"], ["c"]]`` reads "(a AND b) OR c"; ``policies:`` has the same shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import GraphQLError, parse_value, value_from_ast_untyped

from router.supergraph.links import FeatureNames
from router.supergraph.model import AppliedDirective, Link, Supergraph, TypeKind
from router.supergraph.reader import SupergraphError

AUTHENTICATED_FEATURE = "authenticated"
SCOPES_FEATURE = "requiresScopes"
POLICY_FEATURE = "policy"

# Alternatives (OR) of conjunctions (AND): ``[["a", "b"], ["c"]]``.
Alternatives = tuple[frozenset[str], ...]


@dataclass(frozen=True, slots=True)
class Requirement:
    """What a schema element demands of the caller; every part must hold (AND)."""

    authenticated: bool = False
    scopes: tuple[Alternatives, ...] = ()  # each application: one of its alternatives
    policies: tuple[Alternatives, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.authenticated or self.scopes or self.policies)

    def __and__(self, other: Requirement) -> Requirement:
        if other.empty:
            return self
        if self.empty:
            return other
        return Requirement(
            authenticated=self.authenticated or other.authenticated,
            scopes=_merge(self.scopes, other.scopes),
            policies=_merge(self.policies, other.policies),
        )

    def satisfied_by(
        self, authenticated: bool, scopes: frozenset[str], policies: frozenset[str]
    ) -> bool:
        if self.authenticated and not authenticated:
            return False
        if not all(any(option <= scopes for option in group) for group in self.scopes):
            return False
        return all(any(option <= policies for option in group) for group in self.policies)


NO_REQUIREMENT = Requirement()


def _merge(
    left: tuple[Alternatives, ...], right: tuple[Alternatives, ...]
) -> tuple[Alternatives, ...]:
    return left + tuple(group for group in right if group not in left)


@dataclass(frozen=True, slots=True)
class AuthorizationIndex:
    """Requirements by type name and by ``(type, field)``; only elements that have some."""

    types: dict[str, Requirement] = field(default_factory=dict)
    fields: dict[tuple[str, str], Requirement] = field(default_factory=dict)
    scopes: frozenset[str] = frozenset()  # every scope some requirement names
    policies: frozenset[str] = frozenset()  # every policy some requirement names

    @property
    def empty(self) -> bool:
        return not self.types and not self.fields

    def type_requirement(self, name: str) -> Requirement:
        return self.types.get(name, NO_REQUIREMENT)

    def field_requirement(self, type_name: str, field_name: str) -> Requirement:
        return self.fields.get((type_name, field_name), NO_REQUIREMENT)


class RequirementError(SupergraphError):
    """An authorization directive whose arguments do not read."""


@dataclass(frozen=True, slots=True)
class _DirectiveNames:
    authenticated: str | None
    scopes: str | None
    policy: str | None

    @classmethod
    def from_links(cls, links: list[Link]) -> _DirectiveNames:
        names = FeatureNames(links)

        def local(feature: str) -> str | None:
            return names.directive(feature, feature) if names.has(feature) else None

        return cls(local(AUTHENTICATED_FEATURE), local(SCOPES_FEATURE), local(POLICY_FEATURE))


def read_requirements(supergraph: Supergraph) -> AuthorizationIndex:
    """The access requirements of every type and field of ``supergraph``."""
    names = _DirectiveNames.from_links(supergraph.links)
    if names.authenticated is None and names.scopes is None and names.policy is None:
        return AuthorizationIndex()
    types: dict[str, Requirement] = {}
    fields: dict[tuple[str, str], Requirement] = {}
    for named in supergraph.types.values():
        requirement = _requirement(names, named.directives, named.name)
        if not requirement.empty:
            types[named.name] = requirement
        for field_ in named.fields.values():
            coordinate = f"{named.name}.{field_.name}"
            requirement = _requirement(names, field_.directives, coordinate)
            if not requirement.empty:
                fields[(named.name, field_.name)] = requirement
    _lift_to_interfaces(supergraph, types, fields)
    every = [*types.values(), *fields.values()]
    return AuthorizationIndex(
        types=types,
        fields=fields,
        scopes=frozenset(
            s for r in every for group in r.scopes for option in group for s in option
        ),
        policies=frozenset(
            p for r in every for group in r.policies for option in group for p in option
        ),
    )


def _lift_to_interfaces(
    supergraph: Supergraph,
    types: dict[str, Requirement],
    fields: dict[tuple[str, str], Requirement],
) -> None:
    """An interface demands what any of its implementations demands, type and fields alike.

    Reading an interface (or one of its fields) may read any implementation, so the
    implementations' requirements hold for it. @apollo/composition writes these onto the
    interface in the supergraph; reading them here gives the same rules for a supergraph
    whose composer did not.
    """
    for interface in supergraph.types.values():
        if interface.kind is not TypeKind.INTERFACE:
            continue
        type_requirement = types.get(interface.name, NO_REQUIREMENT)
        for implementation in supergraph.possible_types(interface.name):
            type_requirement = type_requirement & types.get(implementation, NO_REQUIREMENT)
            for name in interface.fields:
                implemented = fields.get((implementation, name))
                if implemented is not None:
                    key = (interface.name, name)
                    fields[key] = fields.get(key, NO_REQUIREMENT) & implemented
        if not type_requirement.empty:
            types[interface.name] = type_requirement


def _requirement(
    names: _DirectiveNames, directives: list[AppliedDirective], coordinate: str
) -> Requirement:
    requirement = NO_REQUIREMENT
    for directive in directives:
        if directive.name == names.authenticated:
            requirement = requirement & Requirement(authenticated=True)
        elif directive.name == names.scopes:
            group = _alternatives(directive, "scopes", coordinate)
            requirement = requirement & Requirement(scopes=(group,))
        elif directive.name == names.policy:
            group = _alternatives(directive, "policies", coordinate)
            requirement = requirement & Requirement(policies=(group,))
    return requirement


def _alternatives(directive: AppliedDirective, argument: str, coordinate: str) -> Alternatives:
    try:
        value = value_from_ast_untyped(parse_value(f"{{{directive.arguments}}}"))
    except GraphQLError as error:
        raise RequirementError(f"@{directive.name} on {coordinate}: {error.message}") from None
    options = value.get(argument) if isinstance(value, dict) else None
    if not isinstance(options, list) or not all(
        isinstance(option, list) and all(isinstance(item, str) for item in option)
        for option in options
    ):
        raise RequirementError(
            f"@{directive.name} on {coordinate}: {argument} must be a list of lists of strings"
        )
    return tuple(frozenset(option) for option in options)
