"""The federation spec's directive and type definitions, under a subgraph's local names.

Added to a subgraph's SDL for GraphQL validation, so misplaced, repeated or mistyped
federation directives are reported like any other invalid directive use.
"""

from __future__ import annotations

_ALL_ELEMENTS = (
    "FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | "
    "ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION"
)
_AUTHORIZATION = "FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM"

# directive (no "@") -> definition template; {name} is its local name, {FieldSet} and the
# other {…} placeholders the local names of the spec's types.
FEDERATION2_DIRECTIVES = {
    "key": "directive @{name}(fields: {FieldSet}!, resolvable: Boolean = true) repeatable "
    "on OBJECT | INTERFACE",
    "requires": "directive @{name}(fields: {FieldSet}!) on FIELD_DEFINITION",
    "provides": "directive @{name}(fields: {FieldSet}!) on FIELD_DEFINITION",
    "external": "directive @{name}(reason: String) on OBJECT | FIELD_DEFINITION",
    "extends": "directive @{name} on OBJECT | INTERFACE",
    "shareable": "directive @{name} repeatable on OBJECT | FIELD_DEFINITION",
    "override": "directive @{name}(from: String!, label: String) on FIELD_DEFINITION",
    "inaccessible": f"directive @{{name}} on {_ALL_ELEMENTS}",
    "tag": f"directive @{{name}}(name: String!) repeatable on {_ALL_ELEMENTS}",
    "interfaceObject": "directive @{name} on OBJECT",
    "composeDirective": "directive @{name}(name: String!) repeatable on SCHEMA",
    "authenticated": f"directive @{{name}} on {_AUTHORIZATION}",
    "requiresScopes": "directive @{name}(scopes: [[{Scope}!]!]!) on " + _AUTHORIZATION,
    "policy": "directive @{name}(policies: [[{Policy}!]!]!) on " + _AUTHORIZATION,
    "context": "directive @{name}(name: String!) repeatable on INTERFACE | OBJECT | UNION",
    "fromContext": "directive @{name}(field: {ContextFieldValue}) on ARGUMENT_DEFINITION",
    "cost": "directive @{name}(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION "
    "| INPUT_FIELD_DEFINITION | OBJECT | SCALAR",
    "listSize": "directive @{name}(assumedSize: Int, slicingArguments: [String!], "
    "sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION",
}
FEDERATION1_DIRECTIVES = (
    "key",
    "requires",
    "provides",
    "external",
    "extends",
    "tag",
    "inaccessible",
)
FEDERATION2_ONLY = frozenset(FEDERATION2_DIRECTIVES) - frozenset(FEDERATION1_DIRECTIVES)
LINK_DEFINITION = (
    "directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) "
    "repeatable on SCHEMA"
)
SPEC_TYPES = ("FieldSet", "Scope", "Policy", "ContextFieldValue")


def federation_definitions(
    names: dict[str, str], *, fed1: bool, defined: set[str], prefix: str = "federation"
) -> str:
    """SDL defining the federation directives and types ``defined`` does not define yet."""
    type_names = {
        spec_type: ("_FieldSet" if fed1 and spec_type == "FieldSet" else f"{prefix}__{spec_type}")
        for spec_type in SPEC_TYPES
    }
    for spec_type in SPEC_TYPES:
        if spec_type in defined and not fed1:
            type_names[spec_type] = spec_type
    parts: list[str] = []
    directives = FEDERATION1_DIRECTIVES if fed1 else tuple(FEDERATION2_DIRECTIVES)
    for directive in directives:
        local = names.get(directive, directive)
        if f"@{local}" in defined:
            continue
        parts.append(FEDERATION2_DIRECTIVES[directive].format(name=local, **type_names))
    for type_name in type_names.values():
        if type_name not in defined:
            parts.append(f"scalar {type_name}")
    if "@link" not in defined:
        parts.append(LINK_DEFINITION)
    if "link__Import" not in defined:
        parts.append("scalar link__Import")
    if "link__Purpose" not in defined:
        parts.append("enum link__Purpose { SECURITY EXECUTION }")
    return "\n".join(parts)
