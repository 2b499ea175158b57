"""The README's first GraphQL example runs against the stack as documented."""

from __future__ import annotations

import re

from . import seed_facts
from .identity import ADMIN
from .stack import REPO_ROOT, Stack

GRAPHQL_BLOCK = re.compile(r"^```graphql\n(.*?)^```", re.MULTILINE | re.DOTALL)


def first_graphql_block() -> str:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    match = GRAPHQL_BLOCK.search(readme)
    assert match is not None, "README.md has no ```graphql block"
    return match.group(1)


async def test_readme_query_returns_data_without_errors(stack: Stack) -> None:
    # signed in as an admin: other users' orders are for admins only
    response = await stack.execute(first_graphql_block(), headers=ADMIN)
    assert "errors" not in response, response
    data = response["data"]
    assert data, response
    users = data.get("users")
    if users is not None:  # the documented example: the first users with their orders
        nodes = [edge["node"] for edge in users["edges"]]
        assert nodes
        for position, node in enumerate(nodes, start=1):
            if "name" in node:
                assert node["name"] == seed_facts.user(position).name
            if "orders" in node:
                assert node["orders"]
