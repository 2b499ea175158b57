"""Read a supergraph SDL (ours or Apollo's; join v0.1 to v0.5, @link or @core) into the model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from graphql import (
    DirectiveDefinitionNode,
    DirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    EnumValueDefinitionNode,
    FieldDefinitionNode,
    GraphQLError,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InputValueDefinitionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    ScalarTypeDefinitionNode,
    ScalarTypeExtensionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
    parse,
    print_ast,
)

from router.supergraph.links import FeatureNames, directive_arguments, read_link
from router.supergraph.model import (
    AppliedDirective,
    ContextArgument,
    DirectiveDefinition,
    EnumValue,
    Field,
    FieldInSubgraph,
    InputValue,
    Key,
    Link,
    NamedType,
    Subgraph,
    Supergraph,
    TypeInSubgraph,
    TypeKind,
)


class SupergraphError(Exception):
    """The text is not a supergraph this router can serve."""


_KINDS: dict[type, TypeKind] = {
    ObjectTypeDefinitionNode: TypeKind.OBJECT,
    ObjectTypeExtensionNode: TypeKind.OBJECT,
    InterfaceTypeDefinitionNode: TypeKind.INTERFACE,
    InterfaceTypeExtensionNode: TypeKind.INTERFACE,
    UnionTypeDefinitionNode: TypeKind.UNION,
    UnionTypeExtensionNode: TypeKind.UNION,
    EnumTypeDefinitionNode: TypeKind.ENUM,
    EnumTypeExtensionNode: TypeKind.ENUM,
    InputObjectTypeDefinitionNode: TypeKind.INPUT_OBJECT,
    InputObjectTypeExtensionNode: TypeKind.INPUT_OBJECT,
    ScalarTypeDefinitionNode: TypeKind.SCALAR,
    ScalarTypeExtensionNode: TypeKind.SCALAR,
}


def read_supergraph(sdl: str) -> Supergraph:
    """Parse ``sdl`` and build the model; raises ``SupergraphError`` on bad input."""
    try:
        document = parse(sdl)
    except GraphQLError as error:
        raise SupergraphError(f"invalid supergraph SDL: {error}") from error
    return _Reader(document).read()


class _Reader:
    def __init__(self, document: DocumentNode) -> None:
        self.document = document
        self.links = self._read_links()
        self.names = FeatureNames(self.links)
        if not self.names.has("join"):
            raise SupergraphError(
                "not a supergraph: the schema has no @link (or @core) to the join spec"
            )
        self.fed1 = self.names.version("join") == "v0.1"
        self.d_type = self.names.directive("join", "type")
        self.d_field = self.names.directive("join", "field")
        self.d_graph = self.names.directive("join", "graph")
        self.d_owner = self.names.directive("join", "owner")
        self.d_implements = self.names.directive("join", "implements")
        self.d_union_member = self.names.directive("join", "unionMember")
        self.d_enum_value = self.names.directive("join", "enumValue")
        self.d_inaccessible = self.names.directive("inaccessible", "inaccessible")
        self.d_tag = self.names.directive("tag", "tag")
        self.graph_enum = f"{self.names.directive('join', 'Graph')}"
        self.subgraphs: dict[str, Subgraph] = {}
        self.by_id: dict[str, str] = {}

    # -- schema-level ---------------------------------------------------------------------

    def _schema_nodes(self) -> list[SchemaDefinitionNode | SchemaExtensionNode]:
        return [
            d
            for d in self.document.definitions
            if isinstance(d, SchemaDefinitionNode | SchemaExtensionNode)
        ]

    def _read_links(self) -> list[Link]:
        links: list[Link] = []
        for node in self._schema_nodes():
            for directive in node.directives or ():
                if directive.name.value in ("link", "core"):
                    link = read_link(directive)
                    if link is not None:
                        links.append(link)
        return links

    def read(self) -> Supergraph:
        self._read_graphs()
        supergraph = Supergraph(
            subgraphs=self.subgraphs,
            types={},
            links=self.links,
            join_version=self.names.version("join") or "v0.3",
            fed1=self.fed1,
        )
        for node in self._schema_nodes():
            if isinstance(node, SchemaDefinitionNode) and node.description:
                supergraph.schema_description = node.description.value
            for operation in node.operation_types or ():
                kind = operation.operation.value
                name = operation.type.name.value
                if kind == "query":
                    supergraph.query_type = name
                elif kind == "mutation":
                    supergraph.mutation_type = name
                else:
                    supergraph.subscription_type = name
        if not any(isinstance(node, SchemaDefinitionNode) for node in self._schema_nodes()):
            self._default_roots(supergraph)

        grouped: dict[str, list[TypeDefinitionNode | TypeExtensionNode]] = {}
        for definition in self.document.definitions:
            if isinstance(definition, TypeDefinitionNode | TypeExtensionNode):
                name = definition.name.value
                if name == self.graph_enum or self.names.is_machinery_type(name):
                    continue
                grouped.setdefault(name, []).append(definition)
        for name, nodes in grouped.items():
            supergraph.types[name] = self._read_type(name, nodes)
        self._default_implementations(supergraph)

        for definition in self.document.definitions:
            if isinstance(definition, DirectiveDefinitionNode):
                directive_name = definition.name.value
                if self.names.is_machinery_directive(directive_name):
                    continue
                supergraph.directives.append(
                    DirectiveDefinition(
                        name=directive_name,
                        sdl=print_ast(definition),
                        in_api_schema=not self.names.is_linked_directive(directive_name),
                    )
                )
        if supergraph.query_type not in supergraph.types:
            raise SupergraphError(f"the query root type {supergraph.query_type} is not defined")
        return supergraph

    def _default_roots(self, supergraph: Supergraph) -> None:
        names = {
            d.name.value for d in self.document.definitions if isinstance(d, TypeDefinitionNode)
        }
        supergraph.query_type = "Query"
        supergraph.mutation_type = "Mutation" if "Mutation" in names else None
        supergraph.subscription_type = "Subscription" if "Subscription" in names else None

    def _read_graphs(self) -> None:
        for definition in self.document.definitions:
            if (
                isinstance(definition, EnumTypeDefinitionNode)
                and definition.name.value == self.graph_enum
            ):
                for value in definition.values or ():
                    for directive in value.directives or ():
                        if directive.name.value == self.d_graph:
                            args = directive_arguments(directive)
                            name = str(args["name"])
                            url = str(args.get("url") or "")
                            self.subgraphs[name] = Subgraph(name, value.name.value, url)
                            self.by_id[value.name.value] = name
        if not self.subgraphs:
            raise SupergraphError(f"the supergraph defines no subgraphs (enum {self.graph_enum})")

    def _graph(self, value: object) -> str:
        graph_id = str(value)
        try:
            return self.by_id[graph_id]
        except KeyError:
            raise SupergraphError(f"unknown join__Graph value {graph_id}") from None

    # -- types ----------------------------------------------------------------------------

    def _read_type(
        self, name: str, nodes: Sequence[TypeDefinitionNode | TypeExtensionNode]
    ) -> NamedType:
        kind = _KINDS[type(nodes[0])]
        named = NamedType(name=name, kind=kind)
        owner: str | None = None
        for node in nodes:
            description = getattr(node, "description", None)
            if description is not None:
                named.description = description.value
            for directive in node.directives or ():
                dname = directive.name.value
                if dname == self.d_type:
                    self._read_join_type(named, directive)
                elif dname == self.d_owner:
                    owner = self._graph(directive_arguments(directive)["graph"])
                elif dname == self.d_implements:
                    args = directive_arguments(directive)
                    interface = str(args["interface"])
                    named.implements.setdefault(interface, set()).add(self._graph(args["graph"]))
                elif dname == self.d_union_member:
                    args = directive_arguments(directive)
                    member = str(args["member"])
                    named.members.setdefault(member, set()).add(self._graph(args["graph"]))
                else:
                    self._read_common(named, directive)
            if isinstance(node, ScalarTypeDefinitionNode | ScalarTypeExtensionNode):
                for directive in node.directives or ():
                    if directive.name.value == "specifiedBy":
                        named.specified_by_url = str(directive_arguments(directive)["url"])
        for node in nodes:
            if isinstance(
                node,
                ObjectTypeDefinitionNode
                | ObjectTypeExtensionNode
                | InterfaceTypeDefinitionNode
                | InterfaceTypeExtensionNode,
            ):
                for interface_node in node.interfaces or ():
                    if interface_node.name.value not in named.interfaces:
                        named.interfaces.append(interface_node.name.value)
                for field_node in node.fields or ():
                    named.fields[field_node.name.value] = self._read_field(named, field_node, owner)
            elif isinstance(node, UnionTypeDefinitionNode | UnionTypeExtensionNode):
                for member_node in node.types or ():
                    named.members.setdefault(member_node.name.value, set())
            elif isinstance(node, EnumTypeDefinitionNode | EnumTypeExtensionNode):
                for value_node in node.values or ():
                    named.values[value_node.name.value] = self._read_enum_value(value_node)
            elif isinstance(node, InputObjectTypeDefinitionNode | InputObjectTypeExtensionNode):
                for input_node in node.fields or ():
                    named.input_fields[input_node.name.value] = self._read_input_value(
                        input_node, with_graphs=True
                    )
        self._fill_defaults(named, owner)
        return named

    def _read_join_type(self, named: NamedType, directive: DirectiveNode) -> None:
        args = directive_arguments(directive)
        graph = self._graph(args["graph"])
        definition = named.graphs.get(graph)
        if definition is None:
            definition = TypeInSubgraph(graph=graph)
            named.graphs[graph] = definition
        key = args.get("key")
        if key is not None:
            definition.keys.append(Key(str(key), resolvable=bool(args.get("resolvable", True))))
        if args.get("extension"):
            definition.extension = True
        if args.get("isInterfaceObject"):
            definition.is_interface_object = True

    def _read_common(
        self, element: NamedType | Field | EnumValue | InputValue, directive: DirectiveNode
    ) -> None:
        dname = directive.name.value
        if dname == self.d_inaccessible:
            element.inaccessible = True
        elif dname == self.d_tag:
            element.tags.append(str(directive_arguments(directive)["name"]))
        elif dname == "deprecated" and not isinstance(element, NamedType):
            element.deprecated = True
            reason = directive_arguments(directive).get("reason")
            element.deprecation_reason = None if reason is None else str(reason)
        elif dname == "specifiedBy":
            return
        elif not self.names.is_machinery_directive(dname):
            element.directives.append(_applied(directive))

    def _read_field(self, named: NamedType, node: FieldDefinitionNode, owner: str | None) -> Field:
        field = Field(name=node.name.value, type=print_ast(node.type))
        if node.description is not None:
            field.description = node.description.value
        for arg_node in node.arguments or ():
            field.arguments[arg_node.name.value] = self._read_input_value(arg_node)
        join_fields: list[dict[str, Any]] = []
        for directive in node.directives or ():
            if directive.name.value == self.d_field:
                join_fields.append(directive_arguments(directive))
            else:
                self._read_common(field, directive)
        for args in join_fields:
            if args.get("graph") is None:
                continue
            if args.get("type") is not None:
                field.source_types_differ = True
            graph = self._graph(args["graph"])
            field.sources[graph] = FieldInSubgraph(
                graph=graph,
                type=_opt_str(args.get("type")),
                external=bool(args.get("external", False)),
                requires=_opt_str(args.get("requires")),
                provides=_opt_str(args.get("provides")),
                override=_opt_str(args.get("override")),
                override_label=_opt_str(args.get("overrideLabel")),
                used_overridden=bool(args.get("usedOverridden", False)),
                context_arguments=[
                    ContextArgument(
                        name=str(item["name"]),
                        type=str(item["type"]),
                        context=str(item["context"]),
                        selection=str(item["selection"]),
                    )
                    for item in args.get("contextArguments") or ()
                    if isinstance(item, dict)
                ],
            )
        if not join_fields:
            field.sources = {graph: FieldInSubgraph(graph=graph) for graph in named.graphs}
            if self.fed1 and owner is not None:
                field.sources = {owner: FieldInSubgraph(graph=owner)}
        return field

    def _read_input_value(
        self, node: InputValueDefinitionNode, *, with_graphs: bool = False
    ) -> InputValue:
        value = InputValue(
            name=node.name.value,
            type=print_ast(node.type),
            default_value=print_ast(node.default_value) if node.default_value else None,
            description=node.description.value if node.description else None,
        )
        for directive in node.directives or ():
            if directive.name.value == self.d_field:
                args = directive_arguments(directive)
                graph = args.get("graph")
                if with_graphs and graph is not None:
                    value.graphs.add(self._graph(graph))
                    if args.get("type") is not None:
                        value.graph_types[self._graph(graph)] = str(args["type"])
            else:
                self._read_common(value, directive)
        return value

    def _read_enum_value(self, node: EnumValueDefinitionNode) -> EnumValue:
        value = EnumValue(
            name=node.name.value, description=node.description.value if node.description else None
        )
        for directive in node.directives or ():
            if directive.name.value == self.d_enum_value:
                value.graphs.add(self._graph(directive_arguments(directive)["graph"]))
            else:
                self._read_common(value, directive)
        return value

    def _fill_defaults(self, named: NamedType, owner: str | None) -> None:
        """Make implicit facts explicit: a type without @join__type is in every subgraph, etc."""
        if not named.graphs:
            named.graphs = {graph: TypeInSubgraph(graph=graph) for graph in self.subgraphs}
            for field in named.fields.values():
                if not field.sources:
                    field.sources = {g: FieldInSubgraph(graph=g) for g in self.subgraphs}
        if owner is not None:
            # Federation 1: the owner's keys are the entity's keys everywhere it is extended.
            named.graphs.setdefault(owner, TypeInSubgraph(graph=owner))
        graphs = set(named.graphs)
        for value in named.values.values():
            if not value.graphs:
                value.graphs = set(graphs)
        for input_field in named.input_fields.values():
            if not input_field.graphs:
                input_field.graphs = set(graphs)

    def _default_implementations(self, supergraph: Supergraph) -> None:
        for named in supergraph.types.values():
            for interface in named.interfaces:
                if interface in named.implements:
                    continue
                if named.implements:
                    # Explicit @join__implements exist, but not for this interface: not implemented
                    # in any subgraph (only in the supergraph), keep it empty.
                    named.implements[interface] = set()
                    continue
                interface_type = supergraph.types.get(interface)
                interface_graphs = set(interface_type.graphs) if interface_type else set()
                named.implements[interface] = {g for g in named.graphs if g in interface_graphs}
            if named.kind is TypeKind.UNION:
                for member, graphs in named.members.items():
                    if graphs:
                        continue
                    member_type = supergraph.types.get(member)
                    member_graphs = set(member_type.graphs) if member_type else set()
                    graphs.update(g for g in named.graphs if g in member_graphs)


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def _applied(directive: DirectiveNode) -> AppliedDirective:
    arguments = ", ".join(print_ast(argument) for argument in directive.arguments or ())
    return AppliedDirective(directive.name.value, arguments)


def read_supergraph_file(path: str) -> Supergraph:
    with open(path, encoding="utf-8") as handle:
        return read_supergraph(handle.read())


__all__ = ["SupergraphError", "read_supergraph", "read_supergraph_file"]
