"""Differential: @apollo/gateway and our router on the same live subgraphs give the same answers.

Queries run through both routers on one set of uvicorn subgraphs (queries write nothing).
Mutations run through each router on its own fresh stack, in the same order, so every response
(and the state they leave) can be compared one to one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conformance.compare import comparable_response

from . import seed_facts
from .apollo_gateway import require_node, run_apollo_gateway
from .fedra_gateway import run_fedra_gateway
from .live import live_subgraphs
from .operations import MUTATIONS, QUERIES, Operation
from .stack import SUPERGRAPH_PATH, copy_databases

pytestmark = pytest.mark.node


@dataclass(frozen=True)
class BothResponses:
    apollo: dict[str, dict[str, Any]]
    fedra: dict[str, dict[str, Any]]


def by_name(
    operations: tuple[Operation, ...], responses: list[dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    return {op.name: response for op, response in zip(operations, responses, strict=True)}


def fresh_folder(template: Path, folder: Path) -> Path:
    folder.mkdir()
    copy_databases(template, folder)
    return folder


@pytest.fixture(scope="module")
def responses(
    seeded_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BothResponses]:
    require_node()
    sdl = SUPERGRAPH_PATH.read_text(encoding="utf-8")
    root = tmp_path_factory.mktemp("differential")
    with (
        live_subgraphs(fresh_folder(seeded_template, root / "apollo")) as apollo_urls,
        live_subgraphs(fresh_folder(seeded_template, root / "fedra")) as fedra_urls,
    ):
        # our queries first, on the stack Apollo then also mutates
        fedra = asyncio.run(run_fedra_gateway(sdl, apollo_urls, QUERIES))
        apollo = run_apollo_gateway(sdl, apollo_urls, QUERIES + MUTATIONS)
        fedra += asyncio.run(run_fedra_gateway(sdl, fedra_urls, MUTATIONS))
    yield BothResponses(
        apollo=by_name(QUERIES + MUTATIONS, apollo), fedra=by_name(QUERIES + MUTATIONS, fedra)
    )


def unquoted(response: dict[str, Any]) -> dict[str, Any]:
    """The comparable response with graphql-js's "name" quoting and graphql-core's 'name'
    made the same."""
    comparable = comparable_response(response)
    comparable["errors"] = [
        (error.message.replace('"', "'"), error.path, error.code) for error in comparable["errors"]
    ]
    comparable["errors"].sort(key=repr)
    return comparable


# Operations where our router is known to answer differently, each with the reason (strict
# xfail: an entry must go once the answers agree).
KNOWN_DIFFERENCES: dict[str, str] = {}


def aliased_key_and_required_fields() -> dict[str, Any]:
    """What `aliases_named_like_key_and_required_fields` must return, from the seed."""
    order = seed_facts.order(17)
    return {
        "order": {
            "items": [
                {
                    "product": {
                        "id": seed_facts.product(item.product_id).sku,
                        "weight": item.product_name,
                        "price": seed_facts.product(item.product_id).description,
                        "shippingEstimate": seed_facts.shipping_estimate(item.product_id),
                    }
                }
                for item in order.items
            ]
        }
    }


# Operations where @apollo/gateway is wrong, each with the reason and the correct data.
APOLLO_IS_WRONG: dict[str, tuple[str, Callable[[], dict[str, Any]]]] = {
    "aliases_named_like_key_and_required_fields": (
        "@apollo/gateway answers `order: null` with 'Invalid value found for field "
        "Product.weight.': the client's alias `weight: name` (a String, valid GraphQL) collides "
        "with the `weight` it fetched for @requires, and it checks the wrong value; the seed "
        "says every item has the data our router returns",
        aliased_key_and_required_fields,
    ),
}


def test_apollo_is_wrong_only_where_said(responses: BothResponses) -> None:
    for name, (reason, expected) in APOLLO_IS_WRONG.items():
        assert responses.fedra[name] == {"data": expected()}, name
        assert unquoted(responses.apollo[name]) != unquoted(responses.fedra[name]), reason


def cases() -> list[Any]:
    params = []
    for operation in QUERIES + MUTATIONS:
        if operation.name in APOLLO_IS_WRONG:
            continue
        marks = []
        if operation.name in KNOWN_DIFFERENCES:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_DIFFERENCES[operation.name]))
        params.append(pytest.param(operation.name, id=operation.name, marks=marks))
    return params


@pytest.mark.parametrize("name", cases())
def test_same_response_as_apollo_gateway(responses: BothResponses, name: str) -> None:
    assert unquoted(responses.fedra[name]) == unquoted(responses.apollo[name])


def test_the_differential_set_is_not_all_errors(responses: BothResponses) -> None:
    with_data = [name for name, response in responses.apollo.items() if response.get("data")]
    assert len(with_data) >= 12, with_data
