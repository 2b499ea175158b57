"""Federation directives the supergraph keeps (@authenticated, @requiresScopes, @policy, @cost,
@listSize): each comes with its own spec's ``@link``, definition and types."""

from __future__ import annotations

from dataclasses import dataclass

from router.supergraph.model import DirectiveDefinition, Link, NamedType, TypeKind

_LOCATIONS = "FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM"


@dataclass(frozen=True, slots=True)
class PassthroughSpec:
    url: str
    purpose: str | None
    definitions: dict[str, str]  # directive name -> definition
    scalars: tuple[str, ...] = ()
    define_all: bool = False  # every definition as soon as one directive is in use


SPECS = (
    PassthroughSpec(
        "https://specs.apollo.dev/authenticated/v0.1",
        "SECURITY",
        {"authenticated": f"directive @authenticated on {_LOCATIONS}"},
    ),
    PassthroughSpec(
        "https://specs.apollo.dev/requiresScopes/v0.1",
        "SECURITY",
        {
            "requiresScopes": "directive @requiresScopes(scopes: [[requiresScopes__Scope!]!]!) "
            f"on {_LOCATIONS}"
        },
        ("requiresScopes__Scope",),
    ),
    PassthroughSpec(
        "https://specs.apollo.dev/policy/v0.1",
        "SECURITY",
        {"policy": f"directive @policy(policies: [[policy__Policy!]!]!) on {_LOCATIONS}"},
        ("policy__Policy",),
    ),
    PassthroughSpec(
        "https://specs.apollo.dev/context/v0.1",
        "SECURITY",
        {
            "context": "directive @context(name: String!) repeatable on INTERFACE | OBJECT | UNION",
            "context__fromContext": "directive @context__fromContext(field: "
            "context__ContextFieldValue) on ARGUMENT_DEFINITION",
        },
        ("context__ContextFieldValue",),
        define_all=True,
    ),
    PassthroughSpec(
        "https://specs.apollo.dev/cost/v0.1",
        None,
        {
            "cost": "directive @cost(weight: Int!) on ARGUMENT_DEFINITION | ENUM | "
            "FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR",
            "listSize": "directive @listSize(assumedSize: Int, slicingArguments: [String!], "
            "sizedFields: [String!], requireOneSlicingArgument: Boolean = true) "
            "on FIELD_DEFINITION",
        },
    ),
)


def used_directive_names(types: dict[str, NamedType]) -> set[str]:
    names: set[str] = set()
    for named in types.values():
        elements: list[object] = [named, *named.fields.values(), *named.values.values()]
        elements.extend(named.input_fields.values())
        for merged in named.fields.values():
            elements.extend(merged.arguments.values())
        for element in elements:
            names.update(directive.name for directive in getattr(element, "directives", ()))
    return names


def passthrough_features(
    types: dict[str, NamedType],
) -> tuple[list[Link], list[DirectiveDefinition], list[NamedType]]:
    """Links, definitions and scalar types for the passthrough directives in use."""
    used = used_directive_names(types)
    links: list[Link] = []
    definitions: list[DirectiveDefinition] = []
    scalars: list[NamedType] = []
    for spec in SPECS:
        in_use = [name for name in spec.definitions if name in used]
        if not in_use:
            continue
        root = spec.url.rstrip("/").split("/")[-2]
        imports = tuple(f"@{name}=@{name}" for name in in_use if name != root)
        links.append(Link(url=spec.url, purpose=spec.purpose, imports=imports))
        for name in spec.definitions if spec.define_all else in_use:
            definitions.append(
                DirectiveDefinition(name=name, sdl=spec.definitions[name], in_api_schema=False)
            )
        scalars.extend(NamedType(name=scalar, kind=TypeKind.SCALAR) for scalar in spec.scalars)
    return links, definitions, scalars
