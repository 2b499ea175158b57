"""Plans run against real subgraph apps: fetching, batching, de-duplication and merging."""

from __future__ import annotations

from typing import cast

from router.planner.plan import (
    ConditionNode,
    FieldSelection,
    InlineFragment,
    ParallelNode,
    SequenceNode,
)

from .harness import Harness, entity_fetch, flatten, root_fetch
from .subgraphs.recording import RecordingApp

TOP_PRODUCTS_WITH_REVIEWS = SequenceNode(
    (
        root_fetch("products", "{topProducts{__typename upc name}}"),
        flatten(
            "topProducts.@",
            entity_fetch("reviews", "Product", ("upc",), "reviews{body author{__typename id}}"),
        ),
        flatten(
            "topProducts.@.reviews.@.author",
            entity_fetch("accounts", "User", ("id",), "name username"),
        ),
    )
)


def app(harness: Harness, name: str) -> RecordingApp:
    return cast(RecordingApp, harness.apps[name])


async def test_entities_are_merged_into_every_object_they_came_from(harness: Harness) -> None:
    result = await harness.run(
        "{ topProducts { name reviews { body author { name } } } }", TOP_PRODUCTS_WITH_REVIEWS
    )
    assert result == {
        "data": {
            "topProducts": [
                {
                    "name": "Table",
                    "reviews": [
                        {"body": "Love it!", "author": {"name": "Ada Lovelace"}},
                        {"body": "Prefer something else.", "author": {"name": "Alan Turing"}},
                    ],
                },
                {
                    "name": "Couch",
                    "reviews": [{"body": "Too expensive.", "author": {"name": "Alan Turing"}}],
                },
                {
                    "name": "Chair",
                    "reviews": [{"body": "Could be better.", "author": {"name": "Ada Lovelace"}}],
                },
            ]
        }
    }


async def test_identical_representations_are_sent_once_in_one_request(harness: Harness) -> None:
    await harness.run("{ topProducts { reviews { author { name } } } }", TOP_PRODUCTS_WITH_REVIEWS)
    accounts = app(harness, "accounts")
    assert len(accounts.requests) == 1
    assert accounts.requests[0]["variables"]["representations"] == [
        {"__typename": "User", "id": "1"},
        {"__typename": "User", "id": "2"},
    ]
    reviews = app(harness, "reviews")
    assert len(reviews.requests) == 1
    assert [r["upc"] for r in reviews.requests[0]["variables"]["representations"]] == [
        "p1",
        "p2",
        "p3",
    ]


async def test_response_has_exactly_the_client_selection_in_client_order(
    harness: Harness,
) -> None:
    # subgraph data is keyed by the client's response keys
    plan = SequenceNode(
        (
            root_fetch("products", "{topProducts{__typename upc title:name}}"),
            TOP_PRODUCTS_WITH_REVIEWS.nodes[1],
            flatten(
                "topProducts.@.reviews.@.author",
                entity_fetch("accounts", "User", ("id",), "username who:name"),
            ),
        )
    )
    result = await harness.run(
        "{ topProducts { reviews { author { username who: name } } title: name } }", plan
    )
    first = result["data"]["topProducts"][0]
    assert list(first) == ["reviews", "title"]
    assert first["reviews"][0]["author"] == {"username": "@ada", "who": "Ada Lovelace"}
    assert "upc" not in first and "__typename" not in first


async def test_requires_fields_are_sent_in_the_representation(harness: Harness) -> None:
    plan = SequenceNode(
        (
            root_fetch("products", "{topProducts{__typename upc name price weight}}"),
            flatten(
                "topProducts.@",
                entity_fetch(
                    "inventory", "Product", ("upc", "price", "weight"), "shippingEstimate"
                ),
            ),
        )
    )
    result = await harness.run("{ topProducts { name shippingEstimate } }", plan)
    assert result == {
        "data": {
            "topProducts": [
                {"name": "Table", "shippingEstimate": 50},
                {"name": "Couch", "shippingEstimate": 0},
                {"name": "Chair", "shippingEstimate": 25},
            ]
        }
    }
    sent = app(harness, "inventory").requests[0]["variables"]["representations"]
    assert sent[0] == {"__typename": "Product", "upc": "p1", "price": 899, "weight": 100}


async def test_parallel_fetches_and_client_variables(harness: Harness) -> None:
    plan = ParallelNode(
        (
            root_fetch(
                "accounts",
                "query($id:ID!){user(id:$id){name}}",
                variable_usages=("id",),
            ),
            root_fetch(
                "products",
                "query($first:Int!){topProducts(first:$first){name}}",
                variable_usages=("first",),
            ),
        )
    )
    result = await harness.run(
        "query($id: ID!, $first: Int!) { topProducts(first: $first) { name } user(id: $id) { name } }",
        plan,
        variables={"id": "2", "first": 1},
    )
    assert result == {"data": {"topProducts": [{"name": "Table"}], "user": {"name": "Alan Turing"}}}
    assert app(harness, "accounts").requests[0]["variables"] == {"id": "2"}
    assert app(harness, "products").requests[0]["variables"] == {"first": 1}


async def test_condition_node_picks_the_branch_by_variable(harness: Harness) -> None:
    plan = SequenceNode(
        (
            root_fetch("accounts", "{me{__typename id name}}"),
            ConditionNode(
                "withReviews",
                if_clause=flatten("me", entity_fetch("reviews", "User", ("id",), "reviews{body}")),
            ),
        )
    )
    query = (
        "query($withReviews: Boolean!) { me { name reviews @include(if: $withReviews) { body } } }"
    )
    skipped = await harness.run(query, plan, variables={"withReviews": False})
    assert skipped == {"data": {"me": {"name": "Ada Lovelace"}}}
    assert app(harness, "reviews").requests == []
    included = await harness.run(query, plan, variables={"withReviews": True})
    assert included["data"]["me"]["reviews"] == [
        {"body": "Love it!"},
        {"body": "Could be better."},
    ]


async def test_custom_scalars_pass_through(harness: Harness) -> None:
    result = await harness.run(
        "{ users { preferences } }", root_fetch("accounts", "{users{preferences}}")
    )
    assert result["data"]["users"] == [
        {"preferences": {"theme": "dark"}},
        {"preferences": {"langs": ["en"]}},
        {"preferences": None},
    ]


async def test_abstract_requires_selection_skips_objects_of_other_types(
    harness: Harness,
) -> None:
    # Only objects whose __typename matches a fragment of the selection are represented.
    plan = SequenceNode(
        (
            root_fetch("accounts", "{users{__typename id}}"),
            flatten(
                "users.@",
                entity_fetch("reviews", "Product", ("upc",), "reviews{body}"),
            ),
        )
    )
    await harness.run("{ users { id } }", plan)
    assert app(harness, "reviews").requests == []


async def test_mutations_run_in_order(harness: Harness) -> None:
    plan = SequenceNode(
        (
            root_fetch("products", 'mutation{first:setPrice(upc:"p3",price:60){price}}'),
            root_fetch("products", 'mutation{second:setPrice(upc:"p3",price:70){price}}'),
        )
    )
    try:
        result = await harness.run(
            'mutation { first: setPrice(upc: "p3", price: 60) { price } '
            'second: setPrice(upc: "p3", price: 70) { price } }',
            plan,
        )
        assert result == {"data": {"first": {"price": 60}, "second": {"price": 70}}}
        sent = [r["query"] for r in app(harness, "products").requests]
        assert sent[0].startswith("mutation{first:") and sent[1].startswith("mutation{second:")
    finally:
        from .subgraphs.products import PRODUCTS

        PRODUCTS["p3"]["price"] = 54


async def test_output_rewrites_rename_planner_aliases(harness: Harness) -> None:
    from router.planner.plan import FetchNode, KeyRenamer

    fetch = entity_fetch("accounts", "User", ("id",), "fullName__alias:name")
    fetch = FetchNode(
        service_name=fetch.service_name,
        operation=fetch.operation,
        requires=fetch.requires,
        output_rewrites=(KeyRenamer(("... on User", "fullName__alias"), "name"),),
    )
    plan = SequenceNode(
        (
            root_fetch("reviews", "{latestReviews{body author{__typename id}}}"),
            flatten("latestReviews.@.author", fetch),
        )
    )
    result = await harness.run("{ latestReviews { author { name } } }", plan)
    assert result["data"]["latestReviews"][0] == {"author": {"name": "Alan Turing"}}


async def test_nested_key_selection_in_representation(harness: Harness) -> None:
    # A representation field with a sub-selection copies only the selected sub-fields.
    plan = SequenceNode(
        (
            root_fetch("reviews", "{latestReviews{__typename product{__typename upc}}}"),
            flatten(
                "latestReviews.@.product",
                entity_fetch("products", "Product", ("upc",), "name"),
            ),
        )
    )
    requires = (InlineFragment("Product", (FieldSelection("__typename"), FieldSelection("upc"))),)
    assert plan.nodes[1].node.requires == requires  # type: ignore[union-attr]
    result = await harness.run("{ latestReviews { product { name } } }", plan)
    assert [r["product"]["name"] for r in result["data"]["latestReviews"]] == [
        "Table",
        "Chair",
        "Couch",
        "Table",
    ]
    # four reviews, three distinct products: one request, three representations
    assert len(app(harness, "products").requests[0]["variables"]["representations"]) == 3
