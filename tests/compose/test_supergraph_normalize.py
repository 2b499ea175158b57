"""normalize_supergraph_sdl: order and layout vanish, every real difference stays."""

from __future__ import annotations

import pytest

from tests.compose.expectations import read_expectation
from tests.compose.fixture_sets import fixture_names, load_fixture
from tests.compose.normalize import normalize_supergraph_sdl

SUPERGRAPH = '''
schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.5", for: EXECUTION)
{
  query: Query
  mutation: Mutation
}

directive @join__field(graph: join__Graph, requires: String, external: Boolean) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION

enum join__Graph {
  ORDERS @join__graph(name: "orders", url: "http://orders.internal/graphql")
  USERS @join__graph(name: "users", url: "http://users.internal/graphql")
}

"""
  A person who can
  place orders.
"""
type User implements Node & Buyer
  @join__type(graph: ORDERS, key: "id")
  @join__type(graph: USERS, key: "id")
{
  id: ID!
  orders(first: Int = 10, status: Status): [Order!]! @join__field(graph: ORDERS)
  name: String @join__field(graph: USERS) @tag(name: "public")
}

enum Status {
  PLACED
  SHIPPED
}

union Result = User | Order
'''

REORDERED = """
union Result = Order | User

enum Status {
  SHIPPED
  PLACED
}

"A person who can place orders."
type User implements Buyer & Node
  @join__type(graph: USERS, key: "id")
  @join__type(key: "id", graph: ORDERS)
{
  name: String @tag(name: "public") @join__field(graph: USERS)
  id: ID!
  orders(status: Status, first: Int = 10): [Order!]! @join__field(graph: ORDERS)
}

enum join__Graph {
  USERS @join__graph(url: "http://users.internal/graphql", name: "users")
  ORDERS @join__graph(name: "orders", url: "http://orders.internal/graphql")
}

directive @join__field(external: Boolean, graph: join__Graph, requires: String) repeatable on INPUT_FIELD_DEFINITION | FIELD_DEFINITION

schema
  @link(url: "https://specs.apollo.dev/join/v0.5", for: EXECUTION)
  @link(url: "https://specs.apollo.dev/link/v1.0")
{
  mutation: Mutation
  query: Query
}
"""


def test_order_layout_and_description_whitespace_do_not_matter() -> None:
    assert normalize_supergraph_sdl(SUPERGRAPH) == normalize_supergraph_sdl(REORDERED)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param("name: String @join", "name: String! @join", id="field-type"),
        pytest.param(" @join__field(graph: ORDERS)\n", "\n", id="missing-join-field"),
        pytest.param('@tag(name: "public")', '@tag(name: "internal")', id="directive-argument"),
        pytest.param("first: Int = 10", "first: Int = 20", id="default-value"),
        pytest.param("SHIPPED\n", "SHIPPED\n  DELIVERED\n", id="enum-value"),
        pytest.param("union Result = User | Order", "union Result = User", id="union-member"),
        pytest.param("implements Node & Buyer", "implements Node", id="interface"),
        pytest.param("place orders.", "place and cancel orders.", id="description-words"),
        pytest.param("join/v0.5", "join/v0.4", id="link-url"),
        pytest.param("mutation: Mutation\n", "", id="root-operation"),
    ],
)
def test_real_differences_still_differ(before: str, after: str) -> None:
    assert before in SUPERGRAPH
    changed = SUPERGRAPH.replace(before, after, 1)
    assert normalize_supergraph_sdl(changed) != normalize_supergraph_sdl(SUPERGRAPH)


def test_field_set_spacing_does_not_matter() -> None:
    compact = 'type T @join__field(graph: A, requires: "address{country} weight(unit:KILOGRAM)")'
    spaced = (
        'type T @join__field(graph: A, requires: "address { country }  weight(unit: KILOGRAM)")'
    )
    assert normalize_supergraph_sdl(compact + " { f: Int }") == normalize_supergraph_sdl(
        spaced + " { f: Int }"
    )


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param('key: "id"', 'key: "sku"', id="other-field"),
        pytest.param('key: "id sku"', 'key: "sku id"', id="field-order"),
        pytest.param('requires: "a { b }"', 'requires: "a { c }"', id="nested-field"),
        pytest.param('requires: "w(u: KG)"', 'requires: "w(u: G)"', id="argument"),
    ],
)
def test_field_sets_keep_their_selections(first: str, second: str) -> None:
    def sdl(argument: str) -> str:
        return f"type T @join__type(graph: A, {argument}) {{ f: Int }}"

    assert normalize_supergraph_sdl(sdl(first)) != normalize_supergraph_sdl(sdl(second))


def test_list_values_keep_their_order() -> None:
    first = 'type T @d(values: ["a", "b"]) { f: Int }'
    second = 'type T @d(values: ["b", "a"]) { f: Int }'
    assert normalize_supergraph_sdl(first) != normalize_supergraph_sdl(second)


def _recorded_supergraphs() -> list[str]:
    names = []
    for name in fixture_names():
        expectation = read_expectation(load_fixture(name))
        if expectation is not None and expectation.supergraph_sdl is not None:
            names.append(name)
    return names


@pytest.mark.parametrize("name", _recorded_supergraphs())
def test_recorded_supergraphs_normalise_idempotently(name: str) -> None:
    expectation = read_expectation(load_fixture(name))
    assert expectation is not None and expectation.supergraph_sdl is not None
    once = normalize_supergraph_sdl(expectation.supergraph_sdl)
    assert normalize_supergraph_sdl(once) == once
