"""The supergraph model: the one in-memory description every other part of the router reads.

A supergraph is a set of subgraphs plus the merged types. Every type, field, enum value, input
field, union member and interface implementation records which subgraphs define it and with which
federation facts (keys, external, requires, provides, override, ...). Type references are kept as
GraphQL type strings (``"[Product!]!"``); ``TypeRef`` helpers unwrap them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from graphql import GraphQLSchema

    from router.federation.field_sets import FieldSets
    from router.planner.planner import Planner
    from router.supergraph.authorization import AuthorizationIndex


class TypeKind(enum.Enum):
    SCALAR = "scalar"
    OBJECT = "type"
    INTERFACE = "interface"
    UNION = "union"
    ENUM = "enum"
    INPUT_OBJECT = "input"


BUILTIN_SCALARS = frozenset({"String", "Int", "Float", "Boolean", "ID"})


@dataclass(frozen=True, slots=True)
class Subgraph:
    """One subgraph: its name (``products``), its ``join__Graph`` enum value and routing URL."""

    name: str
    graph_id: str
    url: str


@dataclass(frozen=True, slots=True)
class Key:
    """A ``@key`` of an entity in one subgraph; ``fields`` is the FieldSet text."""

    fields: str
    resolvable: bool = True


@dataclass(frozen=True, slots=True)
class AppliedDirective:
    """A directive application kept as-is (composed directives, ``@specifiedBy`` …)."""

    name: str
    arguments: str = ""  # printed argument list without parentheses, "" when none

    def print(self) -> str:
        return f"@{self.name}({self.arguments})" if self.arguments else f"@{self.name}"


@dataclass(slots=True)
class TypeInSubgraph:
    """How one subgraph defines a type (``@join__type``)."""

    graph: str
    keys: list[Key] = field(default_factory=list)
    extension: bool = False
    is_interface_object: bool = False

    @property
    def resolvable_keys(self) -> list[Key]:
        return [key for key in self.keys if key.resolvable]


@dataclass(slots=True)
class FieldInSubgraph:
    """How one subgraph defines a field (``@join__field``)."""

    graph: str
    type: str | None = None  # the field's type in this subgraph when it differs
    external: bool = False
    requires: str | None = None
    provides: str | None = None
    override: str | None = None  # name of the subgraph this field was taken over from
    override_label: str | None = None
    used_overridden: bool = False
    context_arguments: list[ContextArgument] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ContextArgument:
    """A ``@fromContext`` argument (join v0.5)."""

    name: str
    type: str
    context: str
    selection: str


@dataclass(slots=True)
class InputValue:
    """An argument or an input object field."""

    name: str
    type: str
    default_value: str | None = None  # printed GraphQL value
    description: str | None = None
    deprecation_reason: str | None = None
    deprecated: bool = False
    inaccessible: bool = False
    tags: list[str] = field(default_factory=list)
    directives: list[AppliedDirective] = field(default_factory=list)
    graphs: set[str] = field(default_factory=set)  # input fields: subgraphs defining it
    # input fields: subgraph -> the field's type there, when some subgraph's type differs
    graph_types: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Field:
    name: str
    type: str
    arguments: dict[str, InputValue] = field(default_factory=dict)
    description: str | None = None
    deprecated: bool = False
    deprecation_reason: str | None = None
    inaccessible: bool = False
    tags: list[str] = field(default_factory=list)
    directives: list[AppliedDirective] = field(default_factory=list)
    # subgraph name -> how that subgraph defines the field. Filled for every subgraph that
    # defines it, including the implicit case of a field without @join__field.
    sources: dict[str, FieldInSubgraph] = field(default_factory=dict)
    # Some subgraph declares another type for the field (possibly one whose definition was
    # overridden away), so each @join__field states its subgraph's type.
    source_types_differ: bool = False

    def resolvable_in(self) -> list[str]:
        """Subgraphs that can resolve this field themselves (not external, not overridden)."""
        return [
            source.graph
            for source in self.sources.values()
            if not source.external and not source.used_overridden
        ]


@dataclass(slots=True)
class EnumValue:
    name: str
    description: str | None = None
    deprecated: bool = False
    deprecation_reason: str | None = None
    inaccessible: bool = False
    tags: list[str] = field(default_factory=list)
    directives: list[AppliedDirective] = field(default_factory=list)
    graphs: set[str] = field(default_factory=set)


@dataclass(slots=True)
class NamedType:
    name: str
    kind: TypeKind
    description: str | None = None
    inaccessible: bool = False
    tags: list[str] = field(default_factory=list)
    directives: list[AppliedDirective] = field(default_factory=list)
    # subgraph name -> how that subgraph defines the type
    graphs: dict[str, TypeInSubgraph] = field(default_factory=dict)
    # objects and interfaces
    fields: dict[str, Field] = field(default_factory=dict)
    interfaces: list[str] = field(default_factory=list)
    # interface name -> subgraphs in which this type implements it (@join__implements)
    implements: dict[str, set[str]] = field(default_factory=dict)
    # unions: member name -> subgraphs in which it is a member (@join__unionMember)
    members: dict[str, set[str]] = field(default_factory=dict)
    # enums
    values: dict[str, EnumValue] = field(default_factory=dict)
    # input objects
    input_fields: dict[str, InputValue] = field(default_factory=dict)
    # scalars
    specified_by_url: str | None = None

    @property
    def is_composite(self) -> bool:
        return self.kind in (TypeKind.OBJECT, TypeKind.INTERFACE, TypeKind.UNION)

    @property
    def is_abstract(self) -> bool:
        return self.kind in (TypeKind.INTERFACE, TypeKind.UNION)

    def is_entity_in(self, graph: str) -> bool:
        definition = self.graphs.get(graph)
        return definition is not None and bool(definition.keys)

    def keys_in(self, graph: str, *, resolvable_only: bool = True) -> list[Key]:
        definition = self.graphs.get(graph)
        if definition is None:
            return []
        return definition.resolvable_keys if resolvable_only else list(definition.keys)


@dataclass(frozen=True, slots=True)
class Link:
    """An ``@link`` (or Federation 1 ``@core``) application on the schema."""

    url: str
    alias: str | None = None
    purpose: str | None = None
    imports: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The feature name from the URL: ``https://specs.apollo.dev/join/v0.3`` → ``join``."""
        parts = [part for part in self.url.rstrip("/").split("/") if part]
        return parts[-2] if len(parts) >= 2 else parts[-1]

    @property
    def version(self) -> str:
        return self.url.rstrip("/").rsplit("/", 1)[-1]

    @property
    def prefix(self) -> str:
        return self.alias or self.name


@dataclass(slots=True)
class DirectiveDefinition:
    """A non-federation directive definition kept in the supergraph (composed directives)."""

    name: str
    sdl: str  # printed definition
    in_api_schema: bool = True


@dataclass
class Supergraph:
    subgraphs: dict[str, Subgraph]
    types: dict[str, NamedType]
    query_type: str = "Query"
    mutation_type: str | None = None
    subscription_type: str | None = None
    links: list[Link] = field(default_factory=list)
    directives: list[DirectiveDefinition] = field(default_factory=list)
    schema_description: str | None = None
    join_version: str = "v0.3"
    fed1: bool = False

    def type(self, name: str) -> NamedType:
        return self.types[name]

    def subgraph_by_id(self, graph_id: str) -> Subgraph:
        for subgraph in self.subgraphs.values():
            if subgraph.graph_id == graph_id:
                return subgraph
        raise KeyError(graph_id)

    def root_types(self) -> dict[str, str]:
        roots = {"query": self.query_type}
        if self.mutation_type:
            roots["mutation"] = self.mutation_type
        if self.subscription_type:
            roots["subscription"] = self.subscription_type
        return roots

    def possible_types(self, name: str) -> list[str]:
        """Object types a composite type can be at runtime (itself for an object)."""
        named = self.types[name]
        if named.kind is TypeKind.OBJECT:
            return [name]
        if named.kind is TypeKind.UNION:
            return list(named.members)
        return list(self._implementations().get(name, ()))

    def _implementations(self) -> dict[str, tuple[str, ...]]:
        """Interface name → the object types implementing it, built once per set of types
        (rebuilt if types were added since, as composition does while it builds a model)."""
        cached: tuple[int, dict[str, tuple[str, ...]]] | None = self.__dict__.get(
            "_implementations_index"
        )
        if cached is not None and cached[0] == len(self.types):
            return cached[1]
        found: dict[str, list[str]] = {}
        for candidate in self.types.values():
            if candidate.kind is TypeKind.OBJECT:
                for interface in candidate.interfaces:
                    found.setdefault(interface, []).append(candidate.name)
        index = {name: tuple(names) for name, names in found.items()}
        self.__dict__["_implementations_index"] = (len(self.types), index)
        return index

    def with_urls(self, overrides: dict[str, str]) -> Supergraph:
        """A copy whose subgraph URLs are replaced for the names in ``overrides``."""
        subgraphs = {
            name: Subgraph(sub.name, sub.graph_id, overrides.get(name, sub.url))
            for name, sub in self.subgraphs.items()
        }
        return Supergraph(
            subgraphs=subgraphs,
            types=self.types,
            query_type=self.query_type,
            mutation_type=self.mutation_type,
            subscription_type=self.subscription_type,
            links=self.links,
            directives=self.directives,
            schema_description=self.schema_description,
            join_version=self.join_version,
            fed1=self.fed1,
        )

    @cached_property
    def field_sets(self) -> FieldSets:
        """The ``@key``/``@requires``/``@provides`` FieldSets, each text parsed once."""
        from router.federation.field_sets import FieldSets

        return FieldSets()

    @cached_property
    def query_planner(self) -> Planner:
        """This supergraph's query planner (its query graphs are built once, on first use)."""
        from router.planner.planner import Planner

        return Planner(self)

    @cached_property
    def api_schema(self) -> GraphQLSchema:
        from router.supergraph.api_schema import build_api_schema

        return build_api_schema(self)

    @cached_property
    def authorization(self) -> AuthorizationIndex:
        """Access requirements (@authenticated, @requiresScopes, @policy) by type and field."""
        from router.supergraph.authorization import read_requirements

        return read_requirements(self)
