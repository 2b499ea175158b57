"""Client operations run through both routers: a name, the document, variables, headers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .identity import ADMIN, CALLER, user

# A user's orders are private (the owner and admins only): operations that read other users'
# orders run as an admin.


@dataclass(frozen=True)
class Operation:
    name: str
    query: str
    variables: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    operation_name: str | None = None

    def request(self) -> dict[str, Any]:
        """The operation as tests/node/gateway.mjs reads it."""
        return {
            "query": self.query,
            "variables": self.variables,
            "operationName": self.operation_name,
            "headers": self.headers,
        }


QUERIES: tuple[Operation, ...] = (
    Operation(
        "deep_users_orders_products_requires",
        """query Deep($first: Int!) {
          users(first: $first) {
            edges { cursor node {
              id name email orderCount
              orders(first: 2) {
                id status createdAt total { amount currency }
                items {
                  quantity unitPrice { amount currency } lineTotal { amount }
                  product { id sku name weight shippingEstimate { amount currency } }
                }
              }
            } }
            pageInfo { hasNextPage endCursor }
          }
        }""",
        {"first": 4},
        headers=ADMIN,
    ),
    Operation(
        "product_by_sku_with_requires",
        """{ product(sku: "FED-00042") {
          id sku name description weight stock price { amount currency }
          shippingEstimate { amount currency }
        } }""",
    ),
    Operation(
        "provides_name_only",
        '{ order(id: "17") { id total { amount } items { quantity product { id name } } } }',
        headers=ADMIN,
    ),
    Operation(
        "provides_plus_products_fields",
        '{ order(id: "18") { items { product { name sku stock price { amount } } } } }',
        headers=ADMIN,
    ),
    Operation(
        "override_order_count_and_back_to_users",
        """{ user(id: "7") {
          name orderCount
          orders(first: 3) { id user { id name orderCount orders(first: 1) { id } } }
        } }""",
        headers=ADMIN,
    ),
    Operation("me_with_header", "{ me { id name email orderCount } }", headers=CALLER),
    Operation(
        "orders_are_private_to_their_owner",
        """{ mine: user(id: "5") { orders(first: 1) { id user { id } } }
             theirs: user(id: "7") { name orders(first: 1) { id } }
             order(id: "1") { id } }""",
        headers=CALLER,
    ),
    Operation(
        "orders_need_a_token",
        '{ user(id: "5") { name orders(first: 1) { id } } }',
        headers={"x-user-id": "5"},
    ),
    Operation("me_without_header", "{ me { id name } }"),
    Operation(
        "shareable_money_and_top_products",
        """{ topProducts(first: 4) {
          __typename id name price { amount currency } shippingEstimate { amount currency }
        } }""",
    ),
    Operation(
        "pagination_with_shareable_page_info",
        """query Page($after: String) {
          users(first: 3, after: $after) {
            edges { cursor node { id orderCount } }
            pageInfo { hasNextPage endCursor }
          }
          products(first: 2, search: "kettle") {
            edges { node { name shippingEstimate { amount } } }
            pageInfo { hasNextPage endCursor }
          }
        }""",
        {"after": "dXNlcjoyOTg"},
    ),
    Operation(
        "aliases_fragments_and_conditions",
        """query Shapes($ship: Boolean!, $noEmail: Boolean!) {
          __typename
          a: user(id: "1") { ...Buyer }
          b: user(id: "2") { who: name email @skip(if: $noEmail) ...Buyer }
          p: product(id: "3") {
            ... on Product { label: name }
            ship: shippingEstimate @include(if: $ship) { amount }
          }
        }
        fragment Buyer on User {
          __typename
          count: orderCount
          latest: orders(first: 1) { ...Bits }
        }
        fragment Bits on Order { orderId: id items { n: quantity product { __typename name } } }
        """,
        {"ship": True, "noEmail": True},
        headers=ADMIN,
    ),
    Operation(
        "introspection_hides_inaccessible",
        """{
          product: __type(name: "Product") { name fields { name } }
          hidden: __type(name: "StockReservation") { name }
          input: __type(name: "StockLineInput") { name }
          __schema { mutationType { fields { name } } }
        }""",
    ),
    Operation(
        "inaccessible_mutation_is_rejected",
        'mutation { reserveStock(lines: [{productId: "1", quantity: 1}]) { id } }',
    ),
    Operation(
        "subgraph_error_at_the_root",
        "{ users(first: 500) { edges { node { id } } } }",
    ),
    Operation(
        "subgraph_error_nulls_a_non_null_sibling",
        """{ ok: users(first: 1) { edges { node { id } } }
             bad: users(first: 500) { edges { node { id } } } }""",
    ),
    Operation(
        "error_inside_an_entity_fetch",
        '{ user(id: "3") { name orders(first: 1000) { id } } }',
        headers=ADMIN,
    ),
    Operation(
        "errors_in_every_entity_of_a_list",
        """{ users(first: 3) { edges { node { name orders(first: -1) { id } } } }
             order(id: "5") { id } }""",
        headers=ADMIN,
    ),
    Operation(
        "missing_entities_and_bad_ids",
        """{ gone: order(id: "999999") { id }
             noUser: user(id: "4000") { name orderCount }
             bad: product(id: "abc") { name } }""",
        headers=ADMIN,
    ),
    Operation(
        "variable_of_the_wrong_type",
        "query($n: Int!) { users(first: $n) { edges { node { id } } } }",
        {"n": "ten"},
    ),
    Operation(
        "aliases_named_like_key_and_required_fields",
        """{ order(id: "17") { items { product {
          id: sku weight: name price: description shippingEstimate { amount currency }
        } } } }""",
        headers=ADMIN,
    ),
    Operation(
        "chosen_operation_of_several",
        """query Mine { me { id name } }
        query Catalogue { topProducts(first: 2) { sku shippingEstimate { amount } } }""",
        headers=CALLER,
        operation_name="Catalogue",
    ),
    Operation(
        "several_operations_without_a_name",
        'query A { me { id } } query B { product(id: "2") { name } }',
    ),
    Operation(
        "large_lists",
        """{ users(first: 40) { edges { node {
          id orderCount
          orders(first: 20) { id items { quantity product { sku shippingEstimate { amount } } } }
        } } } }""",
        headers=ADMIN,
    ),
    Operation(
        "variables_forwarded_to_entity_fetches",
        """query Vars($n: Int = 2, $id: ID!, $items: Boolean!, $noShip: Boolean!) {
          user(id: $id) { orders(first: $n) {
            id items @include(if: $items) { product { name shippingEstimate @skip(if: $noShip) {
              amount } } }
          } }
        }""",
        {"id": 9, "items": True, "noShip": False},
        headers=ADMIN,
    ),
    Operation(
        "explicit_null_for_a_defaulted_argument",
        'query Null($n: Int) { user(id: "1") { name orders(first: $n) { id } } }',
        {"n": None},
        headers=ADMIN,
    ),
    Operation(
        "unknown_field",
        '{ product(id: "1") { name secretCost } }',
    ),
)

MUTATIONS: tuple[Operation, ...] = (
    Operation(
        "place_order",
        """mutation { placeOrder(input: {items: [
            {productId: "1", quantity: 2}, {productId: "2", quantity: 1}]}) {
          id status total { amount currency }
          user { id name orderCount }
          items { quantity unitPrice { amount } product { id name stock shippingEstimate { amount } } }
        } }""",
        headers=CALLER,
    ),
    Operation(
        "place_order_without_stock",
        """mutation { placeOrder(input: {items: [
            {productId: "2", quantity: 1}, {productId: "1", quantity: 1000}]}) { id } }""",
        headers=CALLER,
    ),
    Operation(
        "place_order_unknown_product",
        'mutation { placeOrder(input: {items: [{productId: "99999", quantity: 1}]}) { id } }',
        headers=CALLER,
    ),
    Operation(
        "place_order_without_caller",
        'mutation { placeOrder(input: {items: [{productId: "1", quantity: 1}]}) { id } }',
    ),
    Operation(
        "cancel_order",
        'mutation { cancelOrder(id: "3001") { id status items { product { id stock } } } }',
        headers=CALLER,
    ),
    Operation(
        "create_product_with_shipping",
        """mutation { createProduct(input: {
            sku: "NEW-1", name: "Big Anvil", price: {amount: "150.00"}, weight: 30.5, stock: 3}) {
          id sku price { amount currency } shippingEstimate { amount currency }
        } }""",
        headers=ADMIN,
    ),
    Operation(
        "place_order_bad_product_id",
        'mutation { placeOrder(input: {items: [{productId: "abc", quantity: 1}]}) { id } }',
        headers=CALLER,
    ),
    Operation(
        "create_user_bad_email",
        'mutation { createUser(input: {email: "nope", name: "X"}) { id } }',
    ),
    Operation(
        "mutations_across_subgraphs_in_order",
        """mutation {
          more: restock(productId: "3", quantity: 10) { stock }
          order: placeOrder(input: {items: [{productId: "3", quantity: 4}]}) {
            id items { product { stock } } user { orderCount }
          }
          user: createUser(input: {email: "new@example.com", name: "New"}) {
            id orderCount orders { id }
          }
        }""",
        headers=user(5, admin=True),  # restock needs an admin
    ),
    Operation(
        "second_mutation_fails",
        """mutation {
          ok: placeOrder(input: {items: [{productId: "4", quantity: 1}]}) { id }
          bad: placeOrder(input: {items: [{productId: "4", quantity: 1000}]}) { id }
        }""",
        headers=CALLER,
    ),
    Operation(
        "failure_then_another_subgraph",
        """mutation {
          bad: createUser(input: {email: "nope", name: "X"}) { id }
          after: restock(productId: "5", quantity: 1) { stock }
        }""",
        headers=ADMIN,
    ),
    Operation(
        "state_after_mutations",
        """{ user(id: "5") { orderCount orders(first: 4) { id status } }
             p1: product(id: "1") { stock } p2: product(id: "2") { stock }
             p3: product(id: "3") { stock } p4: product(id: "4") { stock }
             p5: product(id: "5") { stock } newUser: user(id: "301") { name } }""",
        headers=CALLER,
    ),
)
