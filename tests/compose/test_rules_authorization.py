"""@authenticated, @requiresScopes and @policy: requirements combined across subgraphs, carried
up to interfaces, and demanded of fields that @requires protected data."""

from __future__ import annotations

from router.compose.merge.decorations import conjunction
from tests.compose.sdl_sets import compose_sdls

LINK = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", '
    '"@shareable", "@authenticated", "@requiresScopes", "@policy", "@external", "@requires"])\n'
)


def test_conjunction_multiplies_the_alternatives() -> None:
    assert conjunction([[["a"], ["b"]], [["c"]]]) == [["a", "c"], ["b", "c"]]


def test_conjunction_drops_alternatives_that_include_another() -> None:
    assert conjunction([[["a"]], [["a"], ["b"]]]) == [["a"]]
    assert conjunction([[["f"], ["o"]], [["f", "s"]]]) == [["f", "s"]]


def test_conjunction_puts_shorter_alternatives_first_then_sorts() -> None:
    assert conjunction([[["z"], ["b", "c"]], [["y"]]]) == [["y", "z"], ["b", "c", "y"]]
    assert conjunction([[["r"], ["a"]], [["q"]]]) == [["a", "q"], ["q", "r"]]


def test_an_empty_requirement_adds_nothing() -> None:
    assert conjunction([[["a"]], []]) == [["a"]]


def test_scopes_of_a_shared_field_are_combined() -> None:
    result = compose_sdls(
        a=LINK
        + 'type Query { t: T }\ntype T { x: Int @shareable @requiresScopes(scopes: [["a"]]) }',
        b=LINK + 'type T { x: Int @shareable @requiresScopes(scopes: [["b"], ["c"]]) }',
    )
    assert result.errors == []
    assert result.supergraph_sdl is not None
    assert '@requiresScopes(scopes: [["a", "b"], ["a", "c"]])' in result.supergraph_sdl


def test_an_interface_gets_the_requirements_of_its_implementations() -> None:
    result = compose_sdls(
        a=LINK
        + "interface I { id: ID! }\n"
        + "type A implements I @authenticated { id: ID! }\n"
        + 'type B implements I { id: ID! @policy(policies: [["p"]]) }\n'
        + "type Query { i: I }",
    )
    assert result.errors == []
    assert result.supergraph is not None
    interface = result.supergraph.types["I"]
    assert [d.print() for d in interface.directives if d.name == "authenticated"] == [
        "@authenticated"
    ]
    assert [d.print() for d in interface.fields["id"].directives if d.name == "policy"] == [
        '@policy(policies: [["p"]])'
    ]


REQUIRED = 'type Query { p: P }\ntype P @key(fields: "id") { id: ID! w: Int @requiresScopes(scopes: [["w"]]) }'


def test_a_field_requiring_protected_data_must_demand_its_requirements() -> None:
    result = compose_sdls(
        a=LINK + REQUIRED,
        b=LINK
        + 'type P @key(fields: "id") { id: ID! w: Int @external s: Int @requires(fields: "w") }',
    )
    assert [error.code for error in result.errors] == ["MISSING_TRANSITIVE_AUTH_REQUIREMENTS"]
    assert result.errors[0].message == (
        '[b] Field "P.s" does not specify necessary @authenticated, @requiresScopes and/or '
        '@policy auth requirements to access the transitive field "P.w" data from @requires '
        "selection set."
    )


def test_stronger_requirements_are_enough() -> None:
    result = compose_sdls(
        a=LINK + REQUIRED,
        b=LINK
        + 'type P @key(fields: "id") { id: ID! w: Int @external '
        + 's: Int @requires(fields: "w") @requiresScopes(scopes: [["w", "x"], ["w"]]) }',
    )
    assert result.errors == []


def test_weaker_alternatives_are_not_enough() -> None:
    result = compose_sdls(
        a=LINK + REQUIRED,
        b=LINK
        + 'type P @key(fields: "id") { id: ID! w: Int @external '
        + 's: Int @requires(fields: "w") @requiresScopes(scopes: [["w"], ["x"]]) }',
    )
    assert [error.code for error in result.errors] == ["MISSING_TRANSITIVE_AUTH_REQUIREMENTS"]


def test_a_field_taking_protected_context_data_must_demand_its_requirements() -> None:
    link = (
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", '
        '"@context", "@fromContext", "@requiresScopes"])\n'
    )
    result = compose_sdls(
        a=link
        + 'type Query { t: T }\ntype T @key(fields: "id") @context(name: "c") '
        + '{ id: ID! s: String! @requiresScopes(scopes: [["s"]]) u: U! }\n'
        + 'type U @key(fields: "id") { id: ID! f(a: String @fromContext(field: "$c { s }")): Int }',
    )
    assert [error.message for error in result.errors] == [
        '[a] Field "U.f" does not specify necessary @authenticated, @requiresScopes and/or '
        '@policy auth requirements to access the transitive field "T.s" data from @fromContext '
        "selection set."
    ]
