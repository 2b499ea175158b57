"""Federation directives the supergraph keeps (@authenticated, @requiresScopes, @policy, @cost,
@listSize): each comes with its own spec's ``@link``, definition and types."""

from __future__ import annotations

from dataclasses import dataclass

from router.supergraph.model import AppliedDirective, DirectiveDefinition, Link, NamedType, TypeKind

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
    types: dict[str, NamedType], local_names: dict[str, str] | None = None
) -> tuple[list[Link], list[DirectiveDefinition], list[NamedType]]:
    """Links, definitions and scalar types of the specs whose directives are in use.

    ``local_names`` maps a spec's root directive (e.g. ``requiresScopes``) to the name the
    subgraphs give it when they all agree on another one (``@scopes``, or
    ``@federation__requiresScopes`` when not imported): the supergraph keeps that name, imports
    it under it, and the applications in ``types`` are renamed to it.
    """
    used = used_directive_names(types)
    renames = {
        root: local for root, local in (local_names or {}).items() if local != root and root in used
    }
    links: list[Link] = []
    definitions: list[DirectiveDefinition] = []
    scalars: list[NamedType] = []
    for spec in SPECS:
        in_use = [name for name in spec.definitions if name in used]
        if not in_use:
            continue
        imports = tuple(f"@{name}=@{name}" for name in in_use if name != spec.root)
        if spec.root in renames:
            imports = (f"@{spec.root}=@{renames[spec.root]}", *imports)
        links.append(Link(url=spec.url, purpose=spec.purpose, imports=imports))
        for name, template in spec.definitions.items():
            local = name if name == spec.root or name in in_use else f"{spec.root}__{name}"
            local = renames.get(name, local)
            definitions.append(
                DirectiveDefinition(
                    name=local, sdl=template.format(name=local), in_api_schema=False
                )
            )
        scalars.extend(NamedType(name=scalar, kind=TypeKind.SCALAR) for scalar in spec.scalars)
    if renames:
        _rename_applications(types, renames)
    return links, definitions, scalars


def _rename_applications(types: dict[str, NamedType], renames: dict[str, str]) -> None:
    def renamed(directives: list[AppliedDirective]) -> list[AppliedDirective]:
        return [
            AppliedDirective(renames[d.name], d.arguments) if d.name in renames else d
            for d in directives
        ]

    for named in types.values():
        named.directives = renamed(named.directives)
        for merged in named.fields.values():
            merged.directives = renamed(merged.directives)
        for value in named.values.values():
            value.directives = renamed(value.directives)
