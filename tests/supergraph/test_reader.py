"""Reading supergraph SDL: join v0.1 (Federation 1, @core) to v0.5 (@link), and the API schema."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graphql import print_schema

from router.supergraph import SupergraphError, TypeKind, read_supergraph

BENCH = Path(__file__).resolve().parents[2] / "bench" / "workload" / "supergraph.graphql"
SHARED_BENCH = Path(__file__).resolve().parents[3] / "shared" / "bench" / "supergraph.graphql"

FED1 = """
schema
  @core(feature: "https://specs.apollo.dev/core/v0.1")
  @core(feature: "https://specs.apollo.dev/join/v0.1") {
  query: Query
}

directive @core(feature: String!) repeatable on SCHEMA
directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet) on FIELD_DEFINITION
directive @join__type(graph: join__Graph!, key: join__FieldSet) repeatable on OBJECT | INTERFACE
directive @join__owner(graph: join__Graph!) on OBJECT | INTERFACE
directive @join__graph(name: String!, url: String!) on ENUM_VALUE

scalar join__FieldSet

enum join__Graph {
  INVENTORY @join__graph(name: "inventory", url: "http://inventory/graphql")
  PRODUCTS @join__graph(name: "products", url: "http://products/graphql")
}

type Product
  @join__owner(graph: PRODUCTS)
  @join__type(graph: PRODUCTS, key: "upc")
  @join__type(graph: INVENTORY, key: "upc") {
  upc: String! @join__field(graph: PRODUCTS)
  name: String @join__field(graph: PRODUCTS)
  weight: Int @join__field(graph: PRODUCTS)
  inStock: Boolean @join__field(graph: INVENTORY)
  shippingEstimate: Int @join__field(graph: INVENTORY, requires: "weight")
  sku: String
}

type Dimensions {
  size: Int
}

type Query {
  topProducts(first: Int = 5): [Product] @join__field(graph: PRODUCTS)
}
"""

V05 = """
schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.5", for: EXECUTION)
  @link(url: "https://specs.apollo.dev/inaccessible/v0.2", for: SECURITY)
  @link(url: "https://specs.apollo.dev/tag/v0.3") {
  query: Query
  mutation: Mutation
}

directive @inaccessible on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION
directive @tag(name: String!) repeatable on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION | SCHEMA
directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE
directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean, overrideLabel: String, contextArguments: [join__ContextArgument!]) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION
directive @join__graph(name: String!, url: String!) on ENUM_VALUE
directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE
directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR
directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA

input join__ContextArgument { name: String! type: String! context: String! selection: join__FieldValue! }
scalar join__FieldSet
scalar join__FieldValue
scalar link__Import
enum link__Purpose { SECURITY EXECUTION }

enum join__Graph {
  ORDERS @join__graph(name: "orders", url: "http://orders/graphql")
  USERS @join__graph(name: "users", url: "http://users/graphql")
}

interface Node @join__type(graph: ORDERS, key: "id") @join__type(graph: USERS, key: "id") {
  id: ID!
}

type User implements Node
  @join__implements(graph: USERS, interface: "Node")
  @join__type(graph: ORDERS, key: "id", resolvable: false)
  @join__type(graph: USERS, key: "id")
  @join__type(graph: USERS, key: "email") {
  id: ID!
  email: String! @join__field(graph: USERS) @tag(name: "pii")
  passwordHash: String @join__field(graph: USERS) @inaccessible
  lastOrderAt: String @join__field(graph: ORDERS, override: "users", overrideLabel: "percent(25)") @join__field(graph: USERS, overrideLabel: "percent(25)")
  status: Status @join__field(graph: USERS)
}

type Order implements Node
  @join__implements(graph: ORDERS, interface: "Node")
  @join__type(graph: ORDERS, key: "id") {
  id: ID!
  buyer: User
  internalNote: Internal @inaccessible
}

type Internal @join__type(graph: ORDERS) @inaccessible { note: String }

union Searchable @join__type(graph: ORDERS) @join__type(graph: USERS)
  @join__unionMember(graph: ORDERS, member: "Order") @join__unionMember(graph: USERS, member: "User") = Order | User

enum Status @join__type(graph: USERS) {
  ACTIVE @join__enumValue(graph: USERS)
  BANNED @join__enumValue(graph: USERS) @inaccessible
}

input OrderInput @join__type(graph: ORDERS) {
  userId: ID! @join__field(graph: ORDERS)
}

type Query @join__type(graph: ORDERS) @join__type(graph: USERS) {
  node(id: ID!): Node @join__field(graph: USERS)
  search: [Searchable] @join__field(graph: ORDERS) @join__field(graph: USERS)
}

type Mutation @join__type(graph: ORDERS) {
  placeOrder(input: OrderInput!): Order
}
"""


def test_reads_the_benchmark_supergraph_join_v03() -> None:
    path = BENCH if BENCH.exists() else SHARED_BENCH
    supergraph = read_supergraph(path.read_text())
    assert sorted(supergraph.subgraphs) == ["accounts", "inventory", "products", "reviews"]
    assert supergraph.subgraphs["reviews"].url == "http://127.0.0.1:4200/reviews"
    product = supergraph.types["Product"]
    assert {g: [k.fields for k in d.keys] for g, d in product.graphs.items()} == {
        "inventory": ["upc"],
        "products": ["upc"],
        "reviews": ["upc"],
    }
    shipping = product.fields["shippingEstimate"]
    assert shipping.sources["inventory"].requires == "price weight"
    assert product.fields["weight"].sources["inventory"].external
    assert product.fields["weight"].resolvable_in() == ["products"]
    # A field without @join__field is resolvable in every subgraph defining the type.
    assert sorted(product.fields["upc"].resolvable_in()) == ["inventory", "products", "reviews"]
    assert supergraph.types["Review"].fields["author"].sources["reviews"].provides == "username"


def test_reads_a_federation_1_supergraph_with_owner_semantics() -> None:
    supergraph = read_supergraph(FED1)
    assert supergraph.fed1
    product = supergraph.types["Product"]
    assert sorted(product.graphs) == ["inventory", "products"]
    # A field without @join__field on an owned type belongs to the owner only.
    assert product.fields["sku"].resolvable_in() == ["products"]
    assert product.fields["shippingEstimate"].sources["inventory"].requires == "weight"
    # A value type without @join__type lives in every subgraph.
    assert sorted(supergraph.types["Dimensions"].graphs) == ["inventory", "products"]


def test_reads_join_v05_facts() -> None:
    supergraph = read_supergraph(V05)
    user = supergraph.types["User"]
    assert [(k.fields, k.resolvable) for k in user.graphs["orders"].keys] == [("id", False)]
    assert [k.fields for k in user.keys_in("users")] == ["id", "email"]
    last = user.fields["lastOrderAt"]
    assert last.sources["orders"].override == "users"
    assert last.sources["orders"].override_label == "percent(25)"
    assert user.fields["email"].tags == ["pii"]
    assert user.fields["passwordHash"].inaccessible
    assert user.implements == {"Node": {"users"}}
    assert supergraph.types["Searchable"].members == {"Order": {"orders"}, "User": {"users"}}
    assert supergraph.types["Status"].values["BANNED"].graphs == {"users"}
    assert supergraph.types["OrderInput"].input_fields["userId"].graphs == {"orders"}
    assert supergraph.mutation_type == "Mutation"
    assert supergraph.possible_types("Node") == ["User", "Order"]


def test_api_schema_drops_machinery_and_inaccessible_elements() -> None:
    api = print_schema(read_supergraph(V05).api_schema)
    assert "join__" not in api and "link__" not in api and "@tag" not in api
    assert "passwordHash" not in api
    assert "Internal" not in api and "internalNote" not in api
    assert "BANNED" not in api and "ACTIVE" in api
    assert "lastOrderAt: String" in api
    assert "union Searchable = Order | User" in api


def test_kinds_are_kept() -> None:
    supergraph = read_supergraph(V05)
    assert supergraph.types["Node"].kind is TypeKind.INTERFACE
    assert supergraph.types["Searchable"].kind is TypeKind.UNION
    assert supergraph.types["OrderInput"].kind is TypeKind.INPUT_OBJECT


@pytest.mark.parametrize(
    ("sdl", "message"),
    [
        ("type Query { a: Int", "invalid supergraph SDL"),
        ("type Query { a: Int }", "no @link (or @core) to the join spec"),
        (
            'schema @link(url: "https://specs.apollo.dev/join/v0.3") { query: Query }\n'
            "enum join__Graph { A }\ntype Query { a: Int }",
            "defines no subgraphs",
        ),
    ],
)
def test_rejects_what_is_not_a_supergraph(sdl: str, message: str) -> None:
    with pytest.raises(SupergraphError, match=re.escape(message)):
        read_supergraph(sdl)


def test_url_overrides_leave_the_original_untouched() -> None:
    supergraph = read_supergraph(V05)
    moved = supergraph.with_urls({"users": "http://127.0.0.1:9/graphql"})
    assert moved.subgraphs["users"].url == "http://127.0.0.1:9/graphql"
    assert supergraph.subgraphs["users"].url == "http://users/graphql"
    assert moved.types is supergraph.types
