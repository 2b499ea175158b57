"""SDL definitions of the federation and link machinery a subgraph schema refers to."""

from __future__ import annotations

ANY_LOCATION = (
    "FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM"
    " | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION"
)

# name -> definition without the leading "directive @name"
FEDERATION_DIRECTIVES: dict[str, str] = {
    "key": "(fields: federation__FieldSet!, resolvable: Boolean = true) repeatable on OBJECT"
    " | INTERFACE",
    "requires": "(fields: federation__FieldSet!) on FIELD_DEFINITION",
    "provides": "(fields: federation__FieldSet!) on FIELD_DEFINITION",
    "external": "(reason: String) on OBJECT | FIELD_DEFINITION",
    "extends": " on OBJECT | INTERFACE",
    "shareable": " repeatable on OBJECT | FIELD_DEFINITION",
    "inaccessible": f" on {ANY_LOCATION}",
    "tag": f"(name: String!) repeatable on {ANY_LOCATION} | SCHEMA",
    "override": "(from: String!, label: String) on FIELD_DEFINITION",
    "composeDirective": "(name: String!) repeatable on SCHEMA",
    "interfaceObject": " on OBJECT",
    "authenticated": " on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM",
    "requiresScopes": "(scopes: [[federation__Scope!]!]!) on FIELD_DEFINITION | OBJECT"
    " | INTERFACE | SCALAR | ENUM",
    "policy": "(policies: [[federation__Policy!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE"
    " | SCALAR | ENUM",
    "context": "(name: String!) repeatable on INTERFACE | OBJECT | UNION",
    "fromContext": "(field: federation__ContextFieldValue) on ARGUMENT_DEFINITION",
    "cost": "(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION"
    " | INPUT_FIELD_DEFINITION | OBJECT | SCALAR",
    "listSize": "(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!],"
    " requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION",
}

LINK_DIRECTIVE = (
    "directive @link(url: String!, as: String, for: link__Purpose, import: [link__Import])"
    " repeatable on SCHEMA"
)

SCALARS = (
    "FieldSet",
    "_FieldSet",
    "federation__FieldSet",
    "federation__Scope",
    "federation__Policy",
    "federation__ContextFieldValue",
    "link__Import",
    "_Any",
)

LINK_PURPOSE_ENUM = "enum link__Purpose { SECURITY EXECUTION }"

SERVICE_TYPE = "type _Service { sdl: String }"


def federation_definitions(defined_names: set[str]) -> str:
    """Every directive, scalar and enum of the machinery not already in `defined_names`.

    Each federation directive is offered under its plain name (imported, or Federation 1) and
    under its `federation__` namespaced name (Federation 2, not imported).
    """
    parts: list[str] = []
    for name, tail in FEDERATION_DIRECTIVES.items():
        for spelled in (name, f"federation__{name}"):
            if f"@{spelled}" not in defined_names:
                parts.append(f"directive @{spelled}{tail}")
    if "@link" not in defined_names:
        parts.append(LINK_DIRECTIVE)
    parts.extend(f"scalar {name}" for name in SCALARS if name not in defined_names)
    if "link__Purpose" not in defined_names:
        parts.append(LINK_PURPOSE_ENUM)
    if "_Service" not in defined_names:
        parts.append(SERVICE_TYPE)
    return "\n".join(parts)
