"""A deep list through the router costs a fixed number of SQL statements per subgraph."""

from __future__ import annotations

from .identity import ADMIN
from .stack import Stack

DEEP_LIST = """
query Deep($first: Int!) {
  users(first: $first) {
    edges {
      node {
        name
        orderCount
        orders(first: 5) {
          id
          user { email }
          items {
            quantity
            product { name sku stock price { amount } shippingEstimate { amount } }
          }
        }
      }
    }
  }
}
"""


async def statements_per_subgraph(stack: Stack, first: int) -> dict[str, list[str]]:
    with stack.count_sql() as counters:
        data = await stack.data(DEEP_LIST, {"first": first}, headers=ADMIN)
    assert len(data["users"]["edges"]) == first
    return {name: list(counter.statements) for name, counter in counters.items()}


async def test_sql_statements_do_not_grow_with_the_list(stack: Stack) -> None:
    await stack.data(DEEP_LIST, {"first": 1}, headers=ADMIN)  # plan cached, connections open
    small = await statements_per_subgraph(stack, 5)
    large = await statements_per_subgraph(stack, 50)
    assert {name: len(s) for name, s in large.items()} == {
        name: len(s) for name, s in small.items()
    }, large
    for name, statements in large.items():
        assert statements, f"{name} was not asked anything"
        assert len(statements) <= 3, (name, statements)
