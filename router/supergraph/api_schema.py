"""The API schema: what clients see. Federation machinery and ``@inaccessible`` elements removed."""

from __future__ import annotations

from graphql import GraphQLSchema, build_schema
from graphql.language.block_string import print_block_string
from graphql.language.print_string import print_string

from router.federation.type_refs import named_type
from router.supergraph.model import (
    BUILTIN_SCALARS,
    AppliedDirective,
    EnumValue,
    Field,
    InputValue,
    NamedType,
    Supergraph,
    TypeKind,
)

# Incremental delivery: clients may write @defer (and are told @stream is not supported).
INCREMENTAL_DIRECTIVES = {
    "defer": "directive @defer(label: String, if: Boolean! = true)"
    " on FRAGMENT_SPREAD | INLINE_FRAGMENT\n",
    "stream": "directive @stream(label: String, if: Boolean! = true, initialCount: Int = 0)"
    " on FIELD\n",
}


def build_api_schema(supergraph: Supergraph) -> GraphQLSchema:
    """The API schema for validation and introspection: the printed one plus the incremental
    delivery directives (unless the supergraph defines directives of those names)."""
    defined = {d.name for d in supergraph.directives if d.in_api_schema}
    extra = "".join(sdl for name, sdl in INCREMENTAL_DIRECTIVES.items() if name not in defined)
    return build_schema(print_api_schema(supergraph) + "\n" + extra, assume_valid_sdl=False)


def print_api_schema(supergraph: Supergraph) -> str:
    """The API schema as SDL, in the supergraph's definition order."""
    visible = {name for name, named in supergraph.types.items() if not named.inaccessible}
    api_directives = {d.name for d in supergraph.directives if d.in_api_schema}
    printer = _ApiPrinter(supergraph, visible, api_directives)
    return printer.print()


def _description(text: str | None, indent: str = "") -> str:
    if text is None:
        return ""
    block = print_block_string(text) if "\n" in text else print_string(text)
    return "".join(f"{indent}{line}\n" if line else "\n" for line in block.split("\n"))


class _ApiPrinter:
    def __init__(self, supergraph: Supergraph, visible: set[str], directives: set[str]) -> None:
        self.supergraph = supergraph
        self.visible = visible
        self.directives = directives

    def print(self) -> str:
        parts: list[str] = []
        sg = self.supergraph
        roots = {
            "query": sg.query_type,
            "mutation": sg.mutation_type,
            "subscription": sg.subscription_type,
        }
        if any(name not in (None, default.capitalize()) for default, name in roots.items()):
            lines = [
                f"  {kind}: {name}"
                for kind, name in roots.items()
                if name is not None and name in self.visible
            ]
            parts.append("schema {\n" + "\n".join(lines) + "\n}")
        for definition in sg.directives:
            if definition.in_api_schema:
                parts.append(definition.sdl)
        for named in sg.types.values():
            if named.name in self.visible and not (
                named.kind is TypeKind.SCALAR and named.name in BUILTIN_SCALARS
            ):
                printed = self._type(named)
                if printed:
                    parts.append(printed)
        return "\n\n".join(parts) + "\n"

    def _applied(self, directives: list[AppliedDirective]) -> str:
        return "".join(f" {d.print()}" for d in directives if d.name in self.directives)

    def _deprecation(self, element: Field | EnumValue | InputValue) -> str:
        if not element.deprecated:
            return ""
        if element.deprecation_reason is None:
            return " @deprecated"
        return f" @deprecated(reason: {print_string(element.deprecation_reason)})"

    def _type(self, named: NamedType) -> str:
        head = _description(named.description)
        directives = self._applied(named.directives)
        if named.kind is TypeKind.SCALAR:
            specified = (
                f" @specifiedBy(url: {print_string(named.specified_by_url)})"
                if named.specified_by_url
                else ""
            )
            return f"{head}scalar {named.name}{specified}{directives}"
        if named.kind is TypeKind.UNION:
            members = [m for m in named.members if m in self.visible]
            if not members:
                return ""
            return f"{head}union {named.name}{directives} = {' | '.join(members)}"
        if named.kind is TypeKind.ENUM:
            values = [
                f"{_description(v.description, '  ')}  {v.name}{self._deprecation(v)}"
                f"{self._applied(v.directives)}"
                for v in named.values.values()
                if not v.inaccessible
            ]
            return f"{head}enum {named.name}{directives} {{\n" + "\n".join(values) + "\n}"
        if named.kind is TypeKind.INPUT_OBJECT:
            fields = [
                self._input_value(v, "  ")
                for v in named.input_fields.values()
                if not v.inaccessible
            ]
            return f"{head}input {named.name}{directives} {{\n" + "\n".join(fields) + "\n}"
        keyword = "type" if named.kind is TypeKind.OBJECT else "interface"
        interfaces = [i for i in named.interfaces if i in self.visible]
        implements = f" implements {' & '.join(interfaces)}" if interfaces else ""
        fields = [
            self._field(f)
            for f in named.fields.values()
            if not f.inaccessible and named_type(f.type) in self.visible | BUILTIN_SCALARS
        ]
        if not fields:
            return ""
        return (
            f"{head}{keyword} {named.name}{implements}{directives} {{\n" + "\n".join(fields) + "\n}"
        )

    def _input_value(self, value: InputValue, indent: str) -> str:
        default = f" = {value.default_value}" if value.default_value is not None else ""
        return (
            f"{_description(value.description, indent)}{indent}{value.name}: {value.type}{default}"
            f"{self._deprecation(value)}{self._applied(value.directives)}"
        )

    def _field(self, field: Field) -> str:
        arguments = [a for a in field.arguments.values() if not a.inaccessible]
        args = ""
        if arguments:
            if any(a.description for a in arguments):
                args = "(\n" + "\n".join(self._input_value(a, "    ") for a in arguments) + "\n  )"
            else:
                args = "(" + ", ".join(self._input_value(a, "") for a in arguments) + ")"
        return (
            f"{_description(field.description, '  ')}  {field.name}{args}: {field.type}"
            f"{self._deprecation(field)}{self._applied(field.directives)}"
        )
