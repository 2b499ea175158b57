"""Build an executable graphql-core schema implementing the federation subgraph protocol."""

from __future__ import annotations

from collections.abc import Mapping
from inspect import isawaitable
from typing import Any

from graphql import (
    GraphQLAbstractType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    build_ast_schema,
)

from .sdl import subgraph_document
from .spec import Resolver, ResolverMap, SubgraphSpec

REFERENCE_RESOLVER = "__resolve_reference"


def typename_of(value: Any) -> str | None:
    if isinstance(value, Mapping):
        name = value.get("__typename")
    else:
        name = getattr(value, "__typename", None)
    return name if isinstance(name, str) else None


def resolve_type_by_typename(
    value: Any, _info: GraphQLResolveInfo[Any], _abstract_type: GraphQLAbstractType
) -> str | None:
    """Interfaces and unions resolve through the `__typename` the data carries."""
    return typename_of(value)


def _reference_resolver(
    schema: GraphQLSchema, resolvers: ResolverMap, typename: str
) -> Resolver | None:
    own = resolvers.get(typename, {}).get(REFERENCE_RESOLVER)
    if own is not None:
        return own
    named = schema.type_map.get(typename)
    if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
        for interface in named.interfaces:
            inherited = resolvers.get(interface.name, {}).get(REFERENCE_RESOLVER)
            if inherited is not None:
                return inherited
    return None


def _entities_resolver(schema: GraphQLSchema, resolvers: ResolverMap) -> Resolver:
    async def resolve_entities(
        _root: Any, info: GraphQLResolveInfo[Any], representations: list[dict[str, Any]]
    ) -> list[Any]:
        entities: list[Any] = []
        for representation in representations:
            typename = representation["__typename"]
            if typename not in schema.type_map:
                raise ValueError(f"unknown entity type {typename!r}")
            reference = _reference_resolver(schema, resolvers, typename)
            found: Any = representation if reference is None else reference(representation, info)
            if isawaitable(found):
                found = await found
            if found is None:
                entities.append(None)
            elif isinstance(found, Mapping):
                entities.append({**representation, **found})
            else:
                entities.append(found)
        return entities

    return resolve_entities


def build_subgraph_schema(spec: SubgraphSpec) -> GraphQLSchema:
    document, entities = subgraph_document(spec.sdl)
    schema = build_ast_schema(document)
    for type_name, fields in spec.resolvers.items():
        named = schema.type_map.get(type_name)
        if not isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            raise ValueError(f"{spec.name}: resolvers given for unknown type {type_name!r}")
        for field_name, resolve in fields.items():
            if field_name == REFERENCE_RESOLVER:
                continue
            if field_name not in named.fields:
                raise ValueError(f"{spec.name}: no field {type_name}.{field_name} to resolve")
            named.fields[field_name].resolve = resolve
    query = schema.query_type
    if query is None:
        raise ValueError(f"{spec.name}: schema has no query type")
    sdl = spec.sdl
    query.fields["_service"].resolve = lambda _root, _info: {"sdl": sdl}
    if entities:
        query.fields["_entities"].resolve = _entities_resolver(schema, spec.resolvers)
    return schema
