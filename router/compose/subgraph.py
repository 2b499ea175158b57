"""One subgraph's SDL read into the facts composition needs.

Resolves the local names of federation directives (``@link`` imports, renames such as
``{name: "@key", as: "@primaryKey"}``, the ``federation__`` namespace), detects Federation 1
subgraphs (no ``@link`` to the federation spec) and upgrades their implicit rules (key fields
and value types are shareable, ``extend type`` with ``@external`` key fields), and drops the
federation machinery a subgraph's ``_service { sdl }`` may carry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from graphql import (
    ConstDirectiveNode,
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
    Node,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    ScalarTypeDefinitionNode,
    ScalarTypeExtensionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    Source,
    StringValueNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
    parse,
    print_ast,
)

from router.compose.federation_spec import (
    BUILTIN_DIRECTIVES,
    FEDERATION_DIRECTIVES,
    FEDERATION_SPEC_PREFIX,
    MACHINERY_ROOT_FIELDS,
    MACHINERY_TYPE_PREFIXES,
    MACHINERY_TYPES,
    PASSTHROUGH_DIRECTIVES,
    parse_version,
)
from router.federation.field_sets import FieldSelection, FieldSetError, FieldSets
from router.federation.type_refs import named_type, parse_type_ref
from router.supergraph.links import read_link
from router.supergraph.model import AppliedDirective, Link, TypeKind

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
DEFAULT_ROOTS = {"query": "Query", "mutation": "Mutation", "subscription": "Subscription"}
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")


class SubgraphParseError(Exception):
    """The SDL does not parse; carries the graphql-core error."""

    def __init__(self, error: GraphQLError) -> None:
        super().__init__(error.message)
        self.error = error


@dataclass(slots=True)
class Decorations:
    """Directives every schema element may carry."""

    description: str | None = None
    inaccessible: bool = False
    tags: list[str] = field(default_factory=list)
    deprecated: bool = False
    deprecation_reason: str | None = None
    directives: list[AppliedDirective] = field(default_factory=list)  # composed directives


@dataclass(slots=True)
class SubgraphInputValue:
    name: str
    type: str
    node: InputValueDefinitionNode
    default_value: str | None = None
    decorations: Decorations = field(default_factory=Decorations)
    from_context: str | None = None  # @fromContext(field: "$context { selection }")

    @property
    def required(self) -> bool:
        return parse_type_ref(self.type).non_null and self.default_value is None


@dataclass(slots=True)
class SubgraphField:
    name: str
    type: str
    node: FieldDefinitionNode
    arguments: dict[str, SubgraphInputValue] = field(default_factory=dict)
    decorations: Decorations = field(default_factory=Decorations)
    external: bool = False
    requires: str | None = None
    provides: str | None = None
    override: str | None = None
    override_label: str | None = None
    shareable: bool = False
    # federation directive name -> its application, for error locations
    applied: dict[str, ConstDirectiveNode] = field(default_factory=dict)


@dataclass(slots=True)
class SubgraphEnumValue:
    name: str
    node: EnumValueDefinitionNode
    decorations: Decorations = field(default_factory=Decorations)


@dataclass(frozen=True, slots=True)
class SubgraphKey:
    fields: str
    resolvable: bool
    node: ConstDirectiveNode


@dataclass(slots=True)
class SubgraphType:
    name: str
    kind: TypeKind
    node: TypeDefinitionNode | TypeExtensionNode  # the first definition (or extension)
    decorations: Decorations = field(default_factory=Decorations)
    keys: list[SubgraphKey] = field(default_factory=list)
    extension: bool = False
    has_extends: bool = False  # @extends (rather than ``extend type``)
    written_as_extension: bool = False  # only ``extend type`` syntax (no definition)
    shareable: bool = False
    interface_object: bool = False
    interfaces: list[str] = field(default_factory=list)
    fields: dict[str, SubgraphField] = field(default_factory=dict)
    values: dict[str, SubgraphEnumValue] = field(default_factory=dict)
    input_fields: dict[str, SubgraphInputValue] = field(default_factory=dict)
    members: list[str] = field(default_factory=list)
    specified_by_url: str | None = None
    contexts: list[str] = field(default_factory=list)  # @context(name:)

    @property
    def is_entity(self) -> bool:
        return bool(self.keys)


@dataclass(slots=True)
class SubgraphSchema:
    """One subgraph, with federation directives resolved to their meaning."""

    name: str
    url: str
    document: DocumentNode
    fed1: bool
    federation_version: tuple[int, int] | None
    # original federation directive name (no "@") -> local name in this subgraph
    names: dict[str, str]
    types: dict[str, SubgraphType] = field(default_factory=dict)
    roots: dict[str, str] = field(default_factory=dict)  # operation -> type name (renamed)
    directive_definitions: dict[str, DirectiveDefinitionNode] = field(default_factory=dict)
    compose_directives: list[tuple[str, Node]] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)  # links to non-federation specs
    federation_prefix: str = "federation"  # namespace of non-imported federation names
    federation_imports: tuple[str, ...] = ()  # the federation @link's imports, as written
    schema_node: Node | None = None
    # Federation 1: referenced types whose fields were all unused @external (an upgrade error)
    only_unused_external: list[str] = field(default_factory=list)
    # the FieldSets of this subgraph's @key/@requires/@provides, each text parsed once
    field_sets: FieldSets = field(default_factory=FieldSets, repr=False, compare=False)

    def local(self, directive: str) -> str:
        return self.names.get(directive, directive)

    def uses_directive(self, local_name: str) -> bool:
        """Whether any element of the SDL applies ``@local_name``."""
        return f"@{local_name}" in _applied_names(self.document)

    def root_of(self, type_name: str) -> str | None:
        for operation, name in self.roots.items():
            if name == type_name:
                return operation
        return None


def _applied_names(document: DocumentNode) -> set[str]:
    names: set[str] = set()

    def visit(node: Node) -> None:
        if isinstance(node, DirectiveNode):
            names.add(f"@{node.name.value}")
        for key in node.keys:
            value = getattr(node, key, None)
            if isinstance(value, Node):
                visit(value)
            elif isinstance(value, tuple):
                for item in value:
                    if isinstance(item, Node):
                        visit(item)

    visit(document)
    return names


def parse_subgraph_sdl(name: str, sdl: str) -> DocumentNode:
    """Parse ``sdl`` with the subgraph's name as the source name (for locations)."""
    try:
        return parse(Source(sdl, name))
    except GraphQLError as error:
        raise SubgraphParseError(error) from error


def _string_argument(node: ConstDirectiveNode, argument: str) -> str | None:
    for arg in node.arguments or ():
        if arg.name.value == argument and isinstance(arg.value, StringValueNode):
            return arg.value.value
    return None


def _federation_prefix(links: list[Link]) -> str:
    federation = next((link for link in links if link.url.startswith(FEDERATION_SPEC_PREFIX)), None)
    return (federation.alias if federation else None) or "federation"


def _federation_names(links: list[Link]) -> tuple[dict[str, str], tuple[int, int] | None]:
    federation = next((link for link in links if link.url.startswith(FEDERATION_SPEC_PREFIX)), None)
    if federation is None:
        return {name: name for name in FEDERATION_DIRECTIVES}, None
    prefix = federation.alias or "federation"
    names = {name: f"{prefix}__{name}" for name in FEDERATION_DIRECTIVES}
    for entry in federation.imports:
        original, local = entry.split("=", 1)
        if original.startswith("@") and original[1:] in names:
            names[original[1:]] = local.lstrip("@")
    return names, parse_version(federation.version)


class _SubgraphReader:
    def __init__(self, name: str, url: str, document: DocumentNode) -> None:
        self.document = document
        schema_nodes = [
            node
            for node in document.definitions
            if isinstance(node, SchemaDefinitionNode | SchemaExtensionNode)
        ]
        links: list[Link] = []
        for schema_node in schema_nodes:
            for directive in schema_node.directives or ():
                if directive.name.value == "link":
                    link = read_link(directive)
                    if link is not None:
                        links.append(link)
        names, version = _federation_names(links)
        self.schema = SubgraphSchema(
            name=name,
            url=url,
            document=document,
            fed1=version is None,
            federation_version=version,
            names=names,
            links=[
                link
                for link in links
                if not link.url.startswith(FEDERATION_SPEC_PREFIX) and link.name != "link"
            ],
            schema_node=schema_nodes[0] if schema_nodes else None,
            federation_prefix=_federation_prefix(links),
            federation_imports=next(
                (
                    tuple(entry.split("=", 1)[0] for entry in link.imports)
                    for link in links
                    if link.url.startswith(FEDERATION_SPEC_PREFIX)
                ),
                (),
            ),
        )
        self.by_local = {local: original for original, local in names.items()}
        self.renames: dict[str, str] = {}
        for schema_node in schema_nodes:
            for operation in schema_node.operation_types or ():
                kind = operation.operation.value
                self.renames[operation.type.name.value] = DEFAULT_ROOTS[kind]
            for directive in schema_node.directives or ():
                if self.by_local.get(directive.name.value) == "composeDirective":
                    composed = _string_argument(directive, "name")
                    if composed:
                        self.schema.compose_directives.append((composed.lstrip("@"), directive))

    def federation(self, directive: ConstDirectiveNode) -> str | None:
        """The federation directive this application is, or None."""
        return self.by_local.get(directive.name.value)

    def rename(self, type_name: str) -> str:
        return self.renames.get(type_name, type_name)

    def type_string(self, node: Node) -> str:
        return _NAME.sub(lambda match: self.rename(match.group(0)), print_ast(node))

    def read(self) -> SubgraphSchema:
        grouped: dict[str, list[TypeDefinitionNode | TypeExtensionNode]] = {}
        for definition in self.document.definitions:
            if isinstance(definition, TypeDefinitionNode | TypeExtensionNode):
                type_name = definition.name.value
                if type_name in MACHINERY_TYPES or type_name.startswith(MACHINERY_TYPE_PREFIXES):
                    continue
                grouped.setdefault(self.rename(type_name), []).append(definition)
            elif isinstance(definition, DirectiveDefinitionNode):
                directive_name = definition.name.value
                if (
                    directive_name in self.by_local
                    or directive_name in BUILTIN_DIRECTIVES
                    or directive_name in ("link", "core")
                ):
                    continue
                self.schema.directive_definitions[directive_name] = definition
        for type_name, nodes in grouped.items():
            self.schema.types[type_name] = self._read_type(type_name, nodes)
        for operation, default in DEFAULT_ROOTS.items():
            if default in self.schema.types:
                self.schema.roots[operation] = default
        if self.schema.fed1:
            _upgrade_fed1(self.schema)
        else:
            _key_fields_of_extensions_are_local(self.schema)
        return self.schema

    def _decorations(
        self, directives: tuple[ConstDirectiveNode, ...], description: StringValueNode | None
    ) -> Decorations:
        decorations = Decorations(description=description.value if description else None)
        composed = {name for name, _ in self.schema.compose_directives}
        for directive in directives:
            original = self.federation(directive)
            if original == "inaccessible":
                decorations.inaccessible = True
            elif original == "tag":
                decorations.tags.append(_string_argument(directive, "name") or "")
            elif directive.name.value == "deprecated":
                decorations.deprecated = True
                reason = _string_argument(directive, "reason")
                decorations.deprecation_reason = reason
            elif original in PASSTHROUGH_DIRECTIVES:
                arguments = ", ".join(print_ast(arg) for arg in directive.arguments or ())
                decorations.directives.append(AppliedDirective(original, arguments))
            elif directive.name.value in composed:
                arguments = ", ".join(print_ast(arg) for arg in directive.arguments or ())
                decorations.directives.append(AppliedDirective(directive.name.value, arguments))
        return decorations

    def _read_type(
        self, type_name: str, nodes: list[TypeDefinitionNode | TypeExtensionNode]
    ) -> SubgraphType:
        first = next((n for n in nodes if isinstance(n, TypeDefinitionNode)), nodes[0])
        subgraph_type = SubgraphType(name=type_name, kind=_KINDS[type(first)], node=first)
        subgraph_type.extension = all(isinstance(n, TypeExtensionNode) for n in nodes)
        all_directives: list[ConstDirectiveNode] = []
        description = None
        for node in nodes:
            all_directives.extend(node.directives or ())
            if isinstance(node, TypeDefinitionNode) and node.description is not None:
                description = node.description
        subgraph_type.decorations = self._decorations(tuple(all_directives), description)
        for directive in all_directives:
            original = self.federation(directive)
            if original == "key":
                resolvable = True
                for arg in directive.arguments or ():
                    if arg.name.value == "resolvable":
                        resolvable = print_ast(arg.value) != "false"
                subgraph_type.keys.append(
                    SubgraphKey(_string_argument(directive, "fields") or "", resolvable, directive)
                )
            elif original == "extends":
                subgraph_type.extension = True
                subgraph_type.has_extends = True
            elif original == "shareable":
                subgraph_type.shareable = True
            elif original == "interfaceObject":
                subgraph_type.interface_object = True
            elif original == "context":
                subgraph_type.contexts.append(_string_argument(directive, "name") or "")
            elif directive.name.value == "specifiedBy":
                subgraph_type.specified_by_url = _string_argument(directive, "url")
        for node in nodes:
            self._read_members(subgraph_type, node)
        subgraph_type.written_as_extension = all(isinstance(n, TypeExtensionNode) for n in nodes)
        return subgraph_type

    def _read_members(
        self, subgraph_type: SubgraphType, node: TypeDefinitionNode | TypeExtensionNode
    ) -> None:
        if isinstance(
            node,
            ObjectTypeDefinitionNode
            | ObjectTypeExtensionNode
            | InterfaceTypeDefinitionNode
            | InterfaceTypeExtensionNode,
        ):
            for interface in node.interfaces or ():
                if interface.name.value not in subgraph_type.interfaces:
                    subgraph_type.interfaces.append(interface.name.value)
            shareable = isinstance(
                node, ObjectTypeDefinitionNode | ObjectTypeExtensionNode
            ) and any(self.federation(d) == "shareable" for d in node.directives or ())
            for field_node in node.fields or ():
                if field_node.name.value in MACHINERY_ROOT_FIELDS and subgraph_type.name == "Query":
                    continue
                subgraph_field = self._read_field(field_node)
                subgraph_field.shareable = subgraph_field.shareable or shareable
                subgraph_type.fields[subgraph_field.name] = subgraph_field
        elif isinstance(node, UnionTypeDefinitionNode | UnionTypeExtensionNode):
            for member in node.types or ():
                if member.name.value not in subgraph_type.members:
                    subgraph_type.members.append(self.rename(member.name.value))
        elif isinstance(node, EnumTypeDefinitionNode | EnumTypeExtensionNode):
            for value_node in node.values or ():
                subgraph_type.values[value_node.name.value] = SubgraphEnumValue(
                    name=value_node.name.value,
                    node=value_node,
                    decorations=self._decorations(
                        tuple(value_node.directives or ()), value_node.description
                    ),
                )
        elif isinstance(node, InputObjectTypeDefinitionNode | InputObjectTypeExtensionNode):
            for input_node in node.fields or ():
                subgraph_type.input_fields[input_node.name.value] = self._read_input_value(
                    input_node
                )

    def _read_input_value(self, node: InputValueDefinitionNode) -> SubgraphInputValue:
        value = SubgraphInputValue(
            name=node.name.value,
            type=self.type_string(node.type),
            node=node,
            default_value=print_ast(node.default_value) if node.default_value else None,
            decorations=self._decorations(tuple(node.directives or ()), node.description),
        )
        for directive in node.directives or ():
            if self.federation(directive) == "fromContext":
                value.from_context = _string_argument(directive, "field")
        return value

    def _read_field(self, node: FieldDefinitionNode) -> SubgraphField:
        subgraph_field = SubgraphField(
            name=node.name.value,
            type=self.type_string(node.type),
            node=node,
            decorations=self._decorations(tuple(node.directives or ()), node.description),
        )
        for arg_node in node.arguments or ():
            subgraph_field.arguments[arg_node.name.value] = self._read_input_value(arg_node)
        for directive in node.directives or ():
            original = self.federation(directive)
            if original is None:
                continue
            subgraph_field.applied[original] = directive
            if original == "external":
                subgraph_field.external = True
            elif original == "requires":
                subgraph_field.requires = _string_argument(directive, "fields")
            elif original == "provides":
                subgraph_field.provides = _string_argument(directive, "fields")
            elif original == "override":
                subgraph_field.override = _string_argument(directive, "from")
                subgraph_field.override_label = _string_argument(directive, "label")
            elif original == "shareable":
                subgraph_field.shareable = True
        return subgraph_field


def _upgrade_fed1(schema: SubgraphSchema) -> None:
    """Federation 1 rules, made explicit.

    Federation 1 had no @shareable: any field may be resolved by several subgraphs, so every
    field is shareable; ``extend type`` is not an extension in the join sense (``@extends`` is);
    ``@external`` on a key field of an extension only repeats the key.
    """
    for subgraph_type in schema.types.values():
        if subgraph_type.kind not in (TypeKind.OBJECT, TypeKind.INTERFACE):
            continue
        subgraph_type.extension = subgraph_type.has_extends
        key_fields: set[str] = set()
        for key in subgraph_type.keys:
            key_fields |= {s.name for s in schema.field_sets.selections(key.fields)}
        for subgraph_field in subgraph_type.fields.values():
            if subgraph_field.name in key_fields:
                subgraph_field.external = False
            subgraph_field.shareable = True
    for subgraph_type in schema.types.values():
        if subgraph_type.kind not in (TypeKind.OBJECT, TypeKind.INTERFACE):
            continue
        for subgraph_field in subgraph_type.fields.values():
            # Fields the subgraph resolves itself are neither required nor provided.
            if subgraph_field.requires is not None:
                subgraph_field.requires = _only_external_leaves(
                    schema, subgraph_type.name, subgraph_field.requires
                )
            if subgraph_field.provides is not None:
                subgraph_field.provides = _only_external_leaves(
                    schema, named_type(subgraph_field.type), subgraph_field.provides
                )
    _remove_unused_externals(schema)


def _remove_unused_externals(schema: SubgraphSchema) -> None:
    """Federation 1 @external fields nothing selects are dropped, and so are types left empty
    that nothing references (referenced ones are recorded: TYPE_WITH_ONLY_UNUSED_EXTERNAL)."""
    used = _used_fields(schema)
    emptied: list[str] = []
    for subgraph_type in schema.types.values():
        if subgraph_type.kind not in (TypeKind.OBJECT, TypeKind.INTERFACE):
            continue
        unused = [
            name
            for name, subgraph_field in subgraph_type.fields.items()
            if subgraph_field.external and (subgraph_type.name, name) not in used
        ]
        for name in unused:
            del subgraph_type.fields[name]
        if unused and not subgraph_type.fields:
            emptied.append(subgraph_type.name)
    referenced = _referenced_types(schema)
    for type_name in emptied:
        if type_name in referenced:
            schema.only_unused_external.append(type_name)
        else:
            del schema.types[type_name]


def _used_fields(schema: SubgraphSchema) -> set[tuple[str, str]]:
    """(type, field) pairs a @key, @requires or @provides selects, or an interface needs."""
    used: set[tuple[str, str]] = set()
    for subgraph_type in schema.types.values():
        for key in subgraph_type.keys:
            _collect_selected(schema, subgraph_type.name, key.fields, used)
        for subgraph_field in subgraph_type.fields.values():
            if subgraph_field.requires is not None:
                _collect_selected(schema, subgraph_type.name, subgraph_field.requires, used)
            if subgraph_field.provides is not None:
                target = named_type(subgraph_field.type)
                _collect_selected(schema, target, subgraph_field.provides, used)
        for interface_name in subgraph_type.interfaces:
            interface = schema.types.get(interface_name)
            if interface is not None:
                used.update((subgraph_type.name, name) for name in interface.fields)
    return used


def _collect_selected(
    schema: SubgraphSchema, type_name: str, fields: str, used: set[tuple[str, str]]
) -> None:
    try:
        selections = schema.field_sets.parse(fields).selections
    except FieldSetError:
        return
    _collect_selections(schema, type_name, selections, used)


def _collect_selections(
    schema: SubgraphSchema,
    type_name: str,
    selections: tuple[FieldSelection, ...],
    used: set[tuple[str, str]],
) -> None:
    parent = schema.types.get(type_name)
    if parent is None:
        return
    for selection in selections:
        if selection.is_fragment:
            condition = selection.type_condition or type_name
            _collect_selections(schema, condition, selection.selections, used)
            continue
        subgraph_field = parent.fields.get(selection.name)
        if subgraph_field is None:
            continue
        used.add((type_name, selection.name))
        if selection.selections:
            target = named_type(subgraph_field.type)
            _collect_selections(schema, target, selection.selections, used)


def _referenced_types(schema: SubgraphSchema) -> set[str]:
    """Types some field, argument, input field, union or implementation names."""
    referenced: set[str] = set(schema.roots.values())
    for subgraph_type in schema.types.values():
        referenced.update(subgraph_type.interfaces)
        referenced.update(subgraph_type.members)
        for subgraph_field in subgraph_type.fields.values():
            referenced.add(named_type(subgraph_field.type))
            referenced.update(named_type(a.type) for a in subgraph_field.arguments.values())
        referenced.update(named_type(v.type) for v in subgraph_type.input_fields.values())
    return referenced


def _only_external_leaves(schema: SubgraphSchema, type_name: str, fields: str) -> str | None:
    """A Federation 1 @requires/@provides without its non-external leaf fields (None if empty).

    Text that does not parse, or selects what the subgraph lacks, is left for validation.
    """
    try:
        selections = schema.field_sets.parse(fields).selections
    except FieldSetError:
        return fields
    kept = _external_leaves(schema, type_name, selections)
    if kept is None:
        return fields
    return " ".join(kept) or None


def _external_leaves(
    schema: SubgraphSchema, type_name: str, selections: tuple[FieldSelection, ...]
) -> list[str] | None:
    parent = schema.types.get(type_name)
    if parent is None:
        return None
    kept: list[str] = []
    for selection in selections:
        if selection.has_arguments or selection.has_directives or selection.alias:
            return None
        if selection.is_fragment:
            condition = selection.type_condition or type_name
            inner = _external_leaves(schema, condition, selection.selections)
            if inner is None:
                return None
            if inner:
                prefix = f"... on {condition}" if selection.type_condition else "..."
                kept.append(f"{prefix} {{ {' '.join(inner)} }}")
            continue
        if selection.name == "__typename":
            continue  # resolved locally, like any non-external leaf
        subgraph_field = parent.fields.get(selection.name)
        if subgraph_field is None:
            return None
        if subgraph_field.external:
            kept.append(_print_selection(selection))
        elif selection.selections:
            inner = _external_leaves(schema, named_type(subgraph_field.type), selection.selections)
            if inner is None:
                return None
            if inner:
                kept.append(f"{selection.name} {{ {' '.join(inner)} }}")
    return kept


def _print_selection(selection: FieldSelection) -> str:
    if not selection.selections:
        return selection.name
    inner = " ".join(_print_selection(child) for child in selection.selections)
    head = (
        (f"... on {selection.type_condition}" if selection.type_condition else "...")
        if selection.is_fragment
        else selection.name
    )
    return f"{head} {{ {inner} }}"


def _key_fields_of_extensions_are_local(schema: SubgraphSchema) -> None:
    """``@external`` on a key field of a type extension is the legacy spelling of a plain field."""
    for subgraph_type in schema.types.values():
        if not subgraph_type.extension:
            continue
        key_fields: set[str] = set()
        for key in subgraph_type.keys:
            key_fields |= {s.name for s in schema.field_sets.selections(key.fields)}
        for name in key_fields:
            subgraph_field = subgraph_type.fields.get(name)
            if subgraph_field is not None:
                subgraph_field.external = False


def read_subgraph(name: str, url: str, document: DocumentNode) -> SubgraphSchema:
    """The composition facts of one parsed subgraph."""
    return _SubgraphReader(name, url, document).read()


__all__ = [
    "Decorations",
    "SubgraphEnumValue",
    "SubgraphField",
    "SubgraphInputValue",
    "SubgraphKey",
    "SubgraphParseError",
    "SubgraphSchema",
    "SubgraphType",
    "parse_subgraph_sdl",
    "read_subgraph",
]
