"""Print the supergraph model as supergraph SDL, in the layout Apollo's composition prints.

``@link`` (v1.0) to the join spec (v0.2 to v0.5) plus the tag, inaccessible and composed
features; the join/link machinery definitions; then every directive and type sorted by name
(case-insensitively). Facts the model holds implicitly stay implicit: a field defined the same
way in every subgraph of its type gets no ``@join__field``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from graphql import StringValueNode, print_ast
from graphql.language.print_string import print_string

from router.supergraph.links import FeatureNames
from router.supergraph.model import (
    AppliedDirective,
    EnumValue,
    Field,
    FieldInSubgraph,
    InputValue,
    Link,
    NamedType,
    Supergraph,
    TypeKind,
)

LINK_URL = "https://specs.apollo.dev/link/v1.0"
JOIN_URL = "https://specs.apollo.dev/join/"
TAG_URL = "https://specs.apollo.dev/tag/v0.3"
INACCESSIBLE_URL = "https://specs.apollo.dev/inaccessible/v0.2"

_LINK_DEFINITIONS = (
    "directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) "
    "repeatable on SCHEMA",
)
_LINK_TYPES = (
    "scalar link__Import",
    'enum link__Purpose {\n  """\n  `SECURITY` features provide metadata necessary to securely '
    'resolve fields.\n  """\n  SECURITY\n\n  """\n  `EXECUTION` features provide metadata '
    'necessary for operation execution.\n  """\n  EXECUTION\n}',
)
_TAG_DEFINITION = (
    "directive @{name}(name: String!) repeatable on FIELD_DEFINITION | OBJECT | INTERFACE | "
    "UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | "
    "INPUT_FIELD_DEFINITION | SCHEMA"
)
_INACCESSIBLE_DEFINITION = (
    "directive @{name} on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | "
    "SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION"
)


def _join_definitions(version: str, prefix: str) -> list[str]:
    """The join spec's directive and type definitions for ``version`` (v0.2 to v0.5)."""
    at_least = _version_tuple(version)
    field_arguments = (
        f"graph: {prefix}__Graph, requires: {prefix}__FieldSet, provides: {prefix}__FieldSet, "
        "type: String, external: Boolean, override: String, usedOverridden: Boolean"
    )
    if at_least < (0, 3):
        field_arguments = (
            f"graph: {prefix}__Graph!, requires: {prefix}__FieldSet, "
            f"provides: {prefix}__FieldSet, type: String, external: Boolean, "
            "override: String, usedOverridden: Boolean"
        )
    if at_least >= (0, 4):
        field_arguments += ", overrideLabel: String"
    if at_least >= (0, 5):
        field_arguments += f", contextArguments: [{prefix}__ContextArgument!]"
    type_arguments = (
        f"graph: {prefix}__Graph!, key: {prefix}__FieldSet, extension: Boolean! = false, "
        "resolvable: Boolean! = true"
    )
    if at_least >= (0, 3):
        type_arguments += ", isInterfaceObject: Boolean! = false"
    definitions = [
        f"directive @{prefix}__enumValue(graph: {prefix}__Graph!) repeatable on ENUM_VALUE",
        f"directive @{prefix}__field({field_arguments}) repeatable on FIELD_DEFINITION | "
        "INPUT_FIELD_DEFINITION",
        f"directive @{prefix}__graph(name: String!, url: String!) on ENUM_VALUE",
        f"directive @{prefix}__implements(graph: {prefix}__Graph!, interface: String!) "
        "repeatable on OBJECT | INTERFACE",
        f"directive @{prefix}__type({type_arguments}) repeatable on OBJECT | INTERFACE | UNION | "
        "ENUM | INPUT_OBJECT | SCALAR",
        f"directive @{prefix}__unionMember(graph: {prefix}__Graph!, member: String!) "
        "repeatable on UNION",
        f"scalar {prefix}__FieldSet",
    ]
    if at_least >= (0, 4):
        definitions.append(
            f"directive @{prefix}__directive(graphs: [{prefix}__Graph!], name: String!, "
            f"args: {prefix}__DirectiveArguments) repeatable on SCHEMA | OBJECT | INTERFACE | "
            "FIELD_DEFINITION"
        )
        definitions.append(f"scalar {prefix}__DirectiveArguments")
    if at_least >= (0, 5):
        definitions.append(
            f"input {prefix}__ContextArgument {{\n  name: String!\n  type: String!\n"
            f"  context: String!\n  selection: {prefix}__FieldValue!\n}}"
        )
        definitions.append(f"scalar {prefix}__FieldValue")
    return definitions


def _version_tuple(version: str) -> tuple[int, int]:
    major, _, minor = version.lstrip("v").partition(".")
    try:
        return int(major), int(minor or 0)
    except ValueError:
        return (0, 3)


def _string(value: str) -> str:
    return print_string(value)


_LINE_BREAK = re.compile(r"\r\n|[\n\r]")  # what ends a line in GraphQL source


def _description(text: str | None, indent: str) -> str:
    if text is None:
        return ""
    printed = print_ast(StringValueNode(value=text, block=True))
    if len(text) > 70 and "\n" not in printed.strip('"'):
        printed = f'"""\n{text}\n"""'
    lines = _LINE_BREAK.split(printed)
    return "\n".join(f"{indent}{line}" if line else "" for line in lines) + "\n"


def default_links(join_version: str, *, tags: bool, inaccessible: bool) -> list[Link]:
    """The ``@link``s Apollo's composition puts on a supergraph's schema definition."""
    links = [Link(url=LINK_URL), Link(url=f"{JOIN_URL}{join_version}", purpose="EXECUTION")]
    if tags:
        links.append(Link(url=TAG_URL))
    if inaccessible:
        links.append(Link(url=INACCESSIBLE_URL, purpose="SECURITY"))
    return links


def _print_link(link: Link) -> str:
    arguments = [f"url: {_string(link.url)}"]
    if link.alias:
        arguments.append(f"as: {_string(link.alias)}")
    if link.purpose:
        arguments.append(f"for: {link.purpose}")
    if link.imports:
        entries: list[str] = []
        for entry in link.imports:
            original, _, local = entry.partition("=")
            if not local or local == original:
                entries.append(_string(original))
            else:
                entries.append(f"{{name: {_string(original)}, as: {_string(local)}}}")
        arguments.append(f"import: [{', '.join(entries)}]")
    return f"@link({', '.join(arguments)})"


class _Printer:
    def __init__(self, supergraph: Supergraph) -> None:
        self.supergraph = supergraph
        links = supergraph.links or default_links(
            supergraph.join_version,
            tags=_uses(supergraph, "tags"),
            inaccessible=_uses(supergraph, "inaccessible"),
        )
        self.links = links
        self.names = FeatureNames(links)
        join_link = next((link for link in links if link.name == "join"), None)
        self.join = join_link.prefix if join_link else "join"
        self.join_version = join_link.version if join_link else supergraph.join_version
        self.tag = self.names.directive("tag", "tag")
        self.inaccessible = self.names.directive("inaccessible", "inaccessible")
        self.graph_ids = {name: sub.graph_id for name, sub in supergraph.subgraphs.items()}
        self.graph_order = list(supergraph.subgraphs)

    def graph(self, name: str) -> str:
        return self.graph_ids[name]

    def ordered(self, graphs: Iterable[str]) -> list[str]:
        present = set(graphs)
        return [graph for graph in self.graph_order if graph in present]

    # -- document -------------------------------------------------------------------------

    def print(self) -> str:
        blocks = [self.schema_block()]
        definitions: list[tuple[str, str]] = []
        for text in _LINK_DEFINITIONS:
            definitions.append(("link", text))
        for text in _join_definitions(self.join_version, self.join):
            definitions.append((_definition_name(text), text))
        if any(link.name == "tag" for link in self.links):
            definitions.append((self.tag, _TAG_DEFINITION.format(name=self.tag)))
        if any(link.name == "inaccessible" for link in self.links):
            definitions.append(
                (self.inaccessible, _INACCESSIBLE_DEFINITION.format(name=self.inaccessible))
            )
        for directive in self.supergraph.directives:
            definitions.append((directive.name, directive.sdl))
        directive_blocks = sorted(
            (item for item in definitions if item[1].startswith("directive ")),
            key=lambda item: item[0].lower(),
        )
        type_blocks = [item for item in definitions if not item[1].startswith("directive ")]
        type_blocks.extend((_definition_name(text), text) for text in _LINK_TYPES)
        type_blocks.append((f"{self.join}__Graph", self.graph_enum()))
        for named in self.supergraph.types.values():
            type_blocks.append((named.name, self.named_type(named)))
        type_blocks.sort(key=lambda item: item[0].lower())
        blocks.extend(text for _, text in directive_blocks)
        blocks.extend(text for _, text in type_blocks)
        return "\n\n".join(blocks) + "\n"

    def schema_block(self) -> str:
        lines = [_description(self.supergraph.schema_description, "").rstrip("\n")]
        lines = [line for line in lines if line]
        lines.append("schema")
        lines.extend(f"  {_print_link(link)}" for link in self.links)
        lines.append("{")
        for operation, type_name in self.supergraph.root_types().items():
            lines.append(f"  {operation}: {type_name}")
        lines.append("}")
        return "\n".join(lines)

    def graph_enum(self) -> str:
        lines = [f"enum {self.join}__Graph {{"]
        for subgraph in self.supergraph.subgraphs.values():
            lines.append(
                f"  {subgraph.graph_id} @{self.join}__graph(name: {_string(subgraph.name)}, "
                f"url: {_string(subgraph.url)})"
            )
        lines.append("}")
        return "\n".join(lines)

    # -- types ----------------------------------------------------------------------------

    def named_type(self, named: NamedType) -> str:
        head = _description(named.description, "") + f"{named.kind.value} {named.name}"
        if named.kind in (TypeKind.OBJECT, TypeKind.INTERFACE) and named.interfaces:
            head += " implements " + " & ".join(named.interfaces)
        directives = self.type_directives(named)
        text = head + "".join(f"\n  {directive}" for directive in directives)
        if named.kind in (TypeKind.OBJECT, TypeKind.INTERFACE):
            body = [self.field(named, field) for field in named.fields.values()]
        elif named.kind is TypeKind.INPUT_OBJECT:
            body = [self.input_field(named, value) for value in named.input_fields.values()]
        elif named.kind is TypeKind.ENUM:
            body = [self.enum_value(value) for value in named.values.values()]
        elif named.kind is TypeKind.UNION:
            if named.members:
                text += "\n = " + " | ".join(named.members)
            return text
        else:
            return text
        if not body:
            return text
        return text + ("\n{\n" if directives else " {\n") + _join_members(body) + "\n}"

    def type_directives(self, named: NamedType) -> list[str]:
        join = self.join
        directives: list[str] = []
        for interface in named.interfaces:
            for graph in self.ordered(named.implements.get(interface, ())):
                directives.append(
                    f"@{join}__implements(graph: {self.graph(graph)}, "
                    f"interface: {_string(interface)})"
                )
        type_graphs = [] if self.is_linked_feature_type(named.name) else self.ordered(named.graphs)
        for graph in type_graphs:
            definition = named.graphs[graph]
            extras = ""
            if definition.extension:
                extras += ", extension: true"
            if definition.is_interface_object:
                extras += ", isInterfaceObject: true"
            if not definition.keys:
                directives.append(f"@{join}__type(graph: {self.graph(graph)}{extras})")
            for key in definition.keys:
                resolvable = "" if key.resolvable else ", resolvable: false"
                directives.append(
                    f"@{join}__type(graph: {self.graph(graph)}, key: {_string(key.fields)}"
                    f"{extras}{resolvable})"
                )
        for member, graphs in named.members.items():
            for graph in self.ordered(graphs):
                directives.append(
                    f"@{join}__unionMember(graph: {self.graph(graph)}, member: {_string(member)})"
                )
        directives.extend(self.common(named.inaccessible, named.tags, named.directives))
        if named.specified_by_url is not None:
            directives.append(f"@specifiedBy(url: {_string(named.specified_by_url)})")
        return directives

    def is_linked_feature_type(self, name: str) -> bool:
        """A type of a linked feature (``policy__Policy``): printed without ``@join__type``."""
        return any(name.startswith(f"{link.prefix}__") for link in self.links)

    def common(
        self,
        inaccessible: bool,
        tags: list[str],
        directives: list[AppliedDirective],
        deprecated: bool = False,
        reason: str | None = None,
    ) -> list[str]:
        printed: list[str] = []
        if deprecated:
            printed.append(
                "@deprecated" if reason is None else f"@deprecated(reason: {_string(reason)})"
            )
        if inaccessible:
            printed.append(f"@{self.inaccessible}")
        printed.extend(f"@{self.tag}(name: {_string(tag)})" for tag in tags)
        printed.extend(directive.print() for directive in directives)
        return printed

    def field(self, named: NamedType, field: Field) -> str:
        text = _description(field.description, "  ") + f"  {field.name}"
        text += self.arguments(field.arguments)
        text += f": {field.type}"
        directives = [f"@{self.inaccessible}"] if field.inaccessible else []
        directives.extend(self.join_fields(named, field))
        directives.extend(
            self.common(
                False,
                field.tags,
                field.directives,
                field.deprecated,
                field.deprecation_reason,
            )
        )
        return text + "".join(f" {directive}" for directive in directives)

    def arguments(self, arguments: dict[str, InputValue]) -> str:
        if not arguments:
            return ""
        printed = [self.input_value(value, "") for value in arguments.values()]
        if any(value.description for value in arguments.values()):
            lines = [
                _description(value.description, "    ") + f"    {text}"
                for value, text in zip(arguments.values(), printed, strict=True)
            ]
            return "(\n" + "\n".join(lines) + "\n  )"
        return "(" + ", ".join(printed) + ")"

    def input_value(self, value: InputValue, join_fields: str) -> str:
        text = f"{value.name}: {value.type}"
        if value.default_value is not None:
            text += f" = {value.default_value}"
        text += join_fields
        directives = self.common(
            value.inaccessible,
            value.tags,
            value.directives,
            value.deprecated,
            value.deprecation_reason,
        )
        return text + "".join(f" {directive}" for directive in directives)

    def input_field(self, named: NamedType, value: InputValue) -> str:
        join_fields = ""
        if any(graph_type != value.type for graph_type in value.graph_types.values()):
            join_fields = "".join(
                f" @{self.join}__field(graph: {self.graph(graph)}, "
                f"type: {_string(value.graph_types[graph])})"
                for graph in self.ordered(value.graph_types)
            )
        elif value.graphs and value.graphs != set(named.graphs):
            join_fields = "".join(
                f" @{self.join}__field(graph: {self.graph(graph)})"
                for graph in self.ordered(value.graphs)
            )
        return _description(value.description, "  ") + "  " + self.input_value(value, join_fields)

    def enum_value(self, value: EnumValue) -> str:
        directives = [f"@{self.inaccessible}"] if value.inaccessible else []
        directives.extend(
            f"@{self.join}__enumValue(graph: {self.graph(graph)})"
            for graph in self.ordered(value.graphs)
        )
        directives.extend(
            self.common(
                False,
                value.tags,
                value.directives,
                value.deprecated,
                value.deprecation_reason,
            )
        )
        return (
            _description(value.description, "  ")
            + f"  {value.name}"
            + "".join(f" {directive}" for directive in directives)
        )

    def join_fields(self, named: NamedType, field: Field) -> list[str]:
        if not field.sources:
            return [f"@{self.join}__field"] if named.graphs else []
        types_differ = field.source_types_differ or any(
            source.type is not None and source.type != field.type
            for source in field.sources.values()
        )
        if (
            set(field.sources) == set(named.graphs)
            and not types_differ
            and all(_is_plain(source) for source in field.sources.values())
        ):
            return []
        return [
            self.join_field(field.sources[graph], with_type=types_differ)
            for graph in self.ordered(field.sources)
        ]

    def join_field(self, source: FieldInSubgraph, *, with_type: bool) -> str:
        arguments = [f"graph: {self.graph(source.graph)}"]
        if source.requires is not None:
            arguments.append(f"requires: {_string(source.requires)}")
        if source.provides is not None:
            arguments.append(f"provides: {_string(source.provides)}")
        if with_type and source.type is not None:
            arguments.append(f"type: {_string(source.type)}")
        if source.external:
            arguments.append("external: true")
        if source.override is not None:
            arguments.append(f"override: {_string(source.override)}")
        if source.used_overridden:
            arguments.append("usedOverridden: true")
        if source.override_label is not None:
            arguments.append(f"overrideLabel: {_string(source.override_label)}")
        if source.context_arguments:
            items = ", ".join(
                f"{{context: {_string(arg.context)}, name: {_string(arg.name)}, "
                f"type: {_string(arg.type)}, selection: {_string(arg.selection)}}}"
                for arg in source.context_arguments
            )
            arguments.append(f"contextArguments: [{items}]")
        return f"@{self.join}__field({', '.join(arguments)})"


def _is_plain(source: FieldInSubgraph) -> bool:
    """No fact to print (an ``override`` alone, for a field only its subgraph has, is none)."""
    return not (
        source.external
        or source.requires is not None
        or source.provides is not None
        or source.override_label is not None
        or source.used_overridden
        or source.context_arguments
    )


def _join_members(lines: list[str]) -> str:
    """Members one per line; a blank line before a member that has a description."""
    result: list[str] = []
    for index, line in enumerate(lines):
        if index and line.lstrip().startswith('"'):
            result.append("")
        result.append(line)
    return "\n".join(result)


def _definition_name(text: str) -> str:
    words = text.split()
    name = words[1].lstrip("@")
    return name.split("(", 1)[0]


def _uses(supergraph: Supergraph, attribute: str) -> bool:
    def marked(element: object) -> bool:
        value = getattr(element, attribute)
        return bool(value)

    for named in supergraph.types.values():
        if marked(named):
            return True
        for field in named.fields.values():
            if marked(field) or any(marked(arg) for arg in field.arguments.values()):
                return True
        if any(marked(value) for value in named.values.values()):
            return True
        if any(marked(value) for value in named.input_fields.values()):
            return True
    return False


def print_supergraph(supergraph: Supergraph) -> str:
    """The supergraph SDL of ``supergraph``."""
    return _Printer(supergraph).print()


__all__ = ["default_links", "print_supergraph"]
