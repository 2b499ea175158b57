"""A null a fetch reported errors about gets no second error; any other null still does."""

from __future__ import annotations

from typing import Any

from graphql import OperationDefinitionNode, build_schema, parse

from router.executor import compile_shape, shape_response
from router.planner.plan import ParallelNode, SequenceNode

from .harness import Harness, entity_fetch, flatten, root_fetch
from .subgraphs.canned import CannedApp
from .subgraphs.failing import FailingApp


def subgraph_error(message: str, path: list[str | int], service: str) -> dict[str, Any]:
    return {
        "message": message,
        "path": path,
        "extensions": {"code": "DOWNSTREAM_SERVICE_ERROR", "serviceName": service},
    }


def not_null(coordinate: str, path: list[str | int]) -> dict[str, Any]:
    return {
        "message": f"Cannot return null for non-nullable field {coordinate}.",
        "path": path,
        "extensions": {"code": "INVALID_GRAPHQL"},
    }


TWO_USER_LISTS = root_fetch("accounts", "{a:users{__typename id} b:users{__typename id}}")


async def test_data_null_of_a_root_fetch_is_explained_by_its_errors(harness: Harness) -> None:
    # `b` failed; the subgraph's null reached its root, taking `a` (which succeeded) with it
    harness.apps["accounts"] = CannedApp(
        {"data": None, "errors": [{"message": "b failed", "path": ["b"]}]}
    )
    result = await harness.run("{ a: users { id } b: users { id } }", TWO_USER_LISTS)
    assert result == {"data": None, "errors": [subgraph_error("b failed", ["b"], "accounts")]}


async def test_data_null_with_errors_without_paths_explains_every_field(harness: Harness) -> None:
    harness.apps["accounts"] = CannedApp({"data": None, "errors": [{"message": "down"}]})
    result = await harness.run("{ a: users { id } b: users { id } }", TWO_USER_LISTS)
    assert result == {
        "data": None,
        "errors": [
            {
                "message": "down",
                "extensions": {"code": "DOWNSTREAM_SERVICE_ERROR", "serviceName": "accounts"},
            }
        ],
    }


async def test_a_null_of_another_fetch_is_still_reported(harness: Harness) -> None:
    harness.apps["accounts"] = CannedApp(
        {"data": None, "errors": [{"message": "a failed", "path": ["a"]}]}
    )
    # no error from reviews: a null for the non-null Review.body is the router's to report
    harness.apps["reviews"] = CannedApp({"data": {"latestReviews": [{"body": None}]}})
    plan = ParallelNode(
        (
            root_fetch("reviews", "{latestReviews{body}}"),
            root_fetch("accounts", "{a:users{__typename id}}"),
        )
    )
    result = await harness.run("{ latestReviews { body } a: users { id } }", plan)
    assert result["data"] is None
    assert result["errors"] == [subgraph_error("a failed", ["a"], "accounts")]
    assert result["extensions"]["valueCompletion"] == [
        not_null("Review.body", ["latestReviews", 0, "body"])
    ]


IN_STOCK_TWICE = SequenceNode(
    (
        root_fetch("products", '{product(upc:"p1"){__typename upc}}'),
        flatten("product", entity_fetch("inventory", "Product", ("upc",), "a:inStock b:inStock")),
    )
)


async def test_a_null_entity_is_explained_by_its_error_for_all_its_fields(
    harness: Harness,
) -> None:
    # the error is about `b`; `a` (earlier in the selection) was nulled with the entity
    harness.apps["inventory"] = CannedApp(
        {
            "data": {"_entities": [None]},
            "errors": [{"message": "b failed", "path": ["_entities", 0, "b"]}],
        }
    )
    result = await harness.run('{ product(upc: "p1") { a: inStock b: inStock } }', IN_STOCK_TWICE)
    assert result == {
        "data": {"product": None},
        "errors": [subgraph_error("b failed", ["product", "b"], "inventory")],
    }


IN_STOCK_OF_TOP_PRODUCTS = SequenceNode(
    (
        root_fetch("products", "{topProducts{__typename upc}}"),
        flatten("topProducts.@", entity_fetch("inventory", "Product", ("upc",), "inStock")),
    )
)


async def test_a_null_entity_no_error_is_about_is_still_reported(harness: Harness) -> None:
    # p1 was not found (null, no error); p2 failed with an error of its own
    harness.apps["inventory"] = CannedApp(
        {
            "data": {"_entities": [None, None, {"inStock": True}]},
            "errors": [{"message": "p2 failed", "path": ["_entities", 1, "inStock"]}],
        }
    )
    result = await harness.run("{ topProducts { inStock } }", IN_STOCK_OF_TOP_PRODUCTS)
    assert result["data"] is None
    assert result["errors"] == [
        subgraph_error("p2 failed", ["topProducts", 1, "inStock"], "inventory")
    ]
    assert result["extensions"]["valueCompletion"] == [
        not_null("Product.inStock", ["topProducts", 0, "inStock"])
    ]


async def test_an_entity_fetch_answering_data_null_explains_every_entity(
    harness: Harness,
) -> None:
    harness.apps["inventory"] = FailingApp("graphql_errors")  # data: null, an error, no path
    result = await harness.run("{ topProducts { inStock } }", IN_STOCK_OF_TOP_PRODUCTS)
    assert result == {
        "data": None,
        "errors": [
            {
                "message": "database is down",
                "extensions": {"code": "INTERNAL", "serviceName": "inventory"},
            }
        ],
    }


async def test_a_fetch_that_returned_nothing_still_leaves_its_nulls_reported(
    harness: Harness,
) -> None:
    # an HTTP failure is the router's own error, without a path: the null is located for it
    harness.apps["inventory"] = FailingApp("http500")
    result = await harness.run("{ topProducts { inStock } }", IN_STOCK_OF_TOP_PRODUCTS)
    assert result["data"] is None
    assert [error["extensions"]["code"] for error in result["errors"]] == ["SUBREQUEST_HTTP_ERROR"]
    [null] = result["extensions"]["valueCompletion"]
    assert null["path"] == ["topProducts", 0, "inStock"]


async def test_subgraph_error_locations_are_dropped(harness: Harness) -> None:
    harness.apps["accounts"] = CannedApp(
        {
            "data": {"me": None},
            "errors": [{"message": "no", "path": ["me"], "locations": [{"line": 1, "column": 2}]}],
        }
    )
    result = await harness.run("{ me { id } }", root_fetch("accounts", "{me{__typename id}}"))
    assert result == {"data": {"me": None}, "errors": [subgraph_error("no", ["me"], "accounts")]}


SCHEMA = build_schema(
    """
    type Item { name: String! price: Money }
    type Money { amount: Int! currency: String! }
    type Query { items: [Item] }
    """
)


def shaped_with(
    data: dict[str, Any], explained: set[tuple[str | int, ...]]
) -> tuple[Any, list[dict[str, Any]]]:
    document = parse("{ items { name price { amount currency } } }")
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    errors: list[dict[str, Any]] = []
    shape = compile_shape(SCHEMA, operation, {}, None)
    return shape_response(data, shape, errors, None, explained), errors


def test_only_nulls_at_or_below_an_explained_path_go_unreported() -> None:
    data = {
        "items": [
            {"name": None, "price": None},
            {"name": "b", "price": {"amount": None, "currency": "EUR"}},
            {"name": None, "price": None},
        ]
    }
    shaped, errors = shaped_with(data, {("items", 0, "name"), ("items", 1, "price")})
    assert shaped == {"items": [None, {"name": "b", "price": None}, None]}
    assert errors == [not_null("Item.name", ["items", 2, "name"])]
