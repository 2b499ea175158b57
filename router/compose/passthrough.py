"""Federation directives the supergraph keeps (@authenticated, @requiresScopes, @policy, @cost,
@listSize): each comes with its own spec's ``@link``, definition and types."""

from __future__ import annotations

from dataclasses import dataclass

from router.supergraph.model import DirectiveDefinition, Link, NamedType, TypeKind

_LOCATIONS = "FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM"


@dataclass(frozen=True, slots=True)
class PassthroughSpec:
    """A spec whose directives the supergraph keeps; every directive of it gets defined.

    A definition's ``{name}`` is the directive's supergraph name: bare for the spec's root
    directive and for directives in use (imported), ``<spec>__<directive>`` otherwise.
    """

    url: str
    purpose: str | None
    definitions: dict[str, str]  # directive name in the spec -> definition template
    scalars: tuple[str, ...] = ()

    @property
    def root(self) -> str:
        return self.url.rstrip("/").split("/")[-2]


SPECS = (
    PassthroughSpec(
        "https://specs.apollo.dev/cost/v0.1",
        None,
        {
            "cost": "directive @{name}(weight: Int!) on ARGUMENT_DEFINITION | ENUM | "
            "FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR",
            "listSize": "directive @{name}(assumedSize: Int, slicingArguments: [String!], "
            "sizedFields: [String!], requireOneSlicingArgument: Boolean = true) "
            "on FIELD_DEFINITION",
        },
    ),
    PassthroughSpec(
        "https://specs.apollo.dev/authenticated/v0.1",
        "SECURITY",
        {"authenticated": f"directive @{{name}} on {_LOCATIONS}"},
    ),
    PassthroughSpec(
        "https://specs.apollo.dev/requiresScopes/v0.1",
        "SECURITY",
        {
            "requiresScopes": "directive @{name}(scopes: [[requiresScopes__Scope!]!]!) "
            f"on {_LOCATIONS}"
        },
        ("requiresScopes__Scope",),
    ),
    PassthroughSpec(
        "https://specs.apollo.dev/policy/v0.1",
        "SECURITY",
        {"policy": f"directive @{{name}}(policies: [[policy__Policy!]!]!) on {_LOCATIONS}"},
        ("policy__Policy",),
    ),
    PassthroughSpec(
        "https://specs.apollo.dev/context/v0.1",
        "SECURITY",
        {
            "context": "directive @{name}(name: String!) repeatable on INTERFACE | OBJECT | UNION",
            "fromContext": "directive @{name}(field: context__ContextFieldValue) "
            "on ARGUMENT_DEFINITION",
        },
        ("context__ContextFieldValue",),
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
    """Links, definitions and scalar types of the specs whose directives are in use."""
    used = used_directive_names(types)
    links: list[Link] = []
    definitions: list[DirectiveDefinition] = []
    scalars: list[NamedType] = []
    for spec in SPECS:
        in_use = [name for name in spec.definitions if name in used]
        if not in_use:
            continue
        imports = tuple(f"@{name}=@{name}" for name in in_use if name != spec.root)
        links.append(Link(url=spec.url, purpose=spec.purpose, imports=imports))
        for name, template in spec.definitions.items():
            local = name if name == spec.root or name in in_use else f"{spec.root}__{name}"
            definitions.append(
                DirectiveDefinition(
                    name=local, sdl=template.format(name=local), in_api_schema=False
                )
            )
        scalars.extend(NamedType(name=scalar, kind=TypeKind.SCALAR) for scalar in spec.scalars)
    return links, definitions, scalars
