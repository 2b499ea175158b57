"""Demand control through the router app and the real subgraphs: estimated cost from
@listSize/@cost in the supergraph, COST_ESTIMATED_TOO_EXPENSIVE over the maximum, measure mode,
and estimated/actual cost histograms in /metrics."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from router.config.resilience import DemandControlConfig
from router.demand import CostGuard, SlicingArgumentError
from router.gateway.preparer import select_operation
from router.supergraph import read_supergraph
from tests.server.stack import router_stack

GRAPHQL_RESPONSE = {"accept": "application/graphql-response+json"}
FAN_OUT = "users(first: 100) { edges { node { orders { items { product { name } } } } } }"
ATTACK = "{ " + " ".join(f"a{i}: {FAN_OUT}" for i in range(20)) + " }"


def estimate(supergraph_sdl: str, query: str, variables: dict[str, object] | None = None,
             **config: object) -> float:  # fmt: skip
    from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse

    guard = CostGuard(read_supergraph(supergraph_sdl), DemandControlConfig(**config), None)  # type: ignore[arg-type]
    document = parse(query)
    operation = select_operation(document, None)
    assert isinstance(operation, OperationDefinitionNode)
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    return guard.estimator.estimate(operation, fragments, variables or {})


def test_estimates_follow_list_size_slicing_arguments_and_defaults(supergraph_sdl: str) -> None:
    # connection 1 + first * (edge 1 + node 1); orders sliced by `first` (default 10), items
    # unannotated (default list size 10), product 1 each
    assert estimate(supergraph_sdl, "{ users(first: 3) { edges { node { id } } } }") == 1 + 3 * 2
    assert estimate(supergraph_sdl, "{ users { edges { node { id } } } }") == 1 + 20 * 2
    assert estimate(supergraph_sdl, f"{{ {FAN_OUT} }}") == 1 + 100 * (2 + 10 * (1 + 10 * 2))
    assert estimate(supergraph_sdl, ATTACK) == 20 * 21_201
    assert estimate(supergraph_sdl, f"{{ {FAN_OUT} }}", list_size=1) == 1 + 100 * (2 + 10 * 3)
    query = "query($n: Int!) { topProducts(first: $n) { name } }"
    assert estimate(supergraph_sdl, query, {"n": 7}) == 7
    assert estimate(supergraph_sdl, query, {"n": 70}) == 70
    skipped = "query($s: Boolean!) { topProducts(first: 9) @skip(if: $s) { name } }"
    assert estimate(supergraph_sdl, skipped, {"s": True}) == 0
    assert estimate(supergraph_sdl, skipped, {"s": False}) == 9
    fragment = "{ ...F ...F } fragment F on Query { topProducts(first: 4) { name } }"
    assert estimate(supergraph_sdl, fragment) == 4  # fields merge, as in the response
    aliased = "{ a: topProducts(first: 4) { name } b: topProducts(first: 4) { name } }"
    assert estimate(supergraph_sdl, aliased) == 8
    mutation = 'mutation { createUser(input: {email: "a@b.c", name: "A"}) { id } }'
    assert estimate(supergraph_sdl, mutation) == 10


def test_cost_and_list_size_directives_in_a_supergraph_are_read() -> None:
    from router.compose import SubgraphSource, compose

    sdl = """
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.9",
                        import: ["@key", "@cost", "@listSize"])
    type Query {
      things(limit: Int, size: Int): [Thing!]! @listSize(slicingArguments: ["limit", "size"])
      fixed: [Thing!]! @listSize(assumedSize: 3, requireOneSlicingArgument: false)
      search(text: String @cost(weight: 50)): [Thing!]! @listSize(assumedSize: 2)
    }
    type Thing @cost(weight: 4) { id: ID! heavy: String @cost(weight: 7) }
    """
    result = compose([SubgraphSource("a", "http://a.test/graphql", sdl)])
    assert result.supergraph_sdl is not None, result.errors
    supergraph = result.supergraph_sdl
    assert estimate(supergraph, "{ fixed { id } }") == 3 * 4
    assert estimate(supergraph, "{ fixed { heavy } }") == 3 * (4 + 7)
    assert estimate(supergraph, '{ search(text: "x") { id } }') == 2 * (4 + 50)
    assert estimate(supergraph, "{ things(limit: 5) { id } }") == 5 * 4
    with pytest.raises(SlicingArgumentError, match="Exactly one slicing argument"):
        estimate(supergraph, "{ things(limit: 5, size: 6) { id } }")
    with pytest.raises(SlicingArgumentError):
        estimate(supergraph, "{ things { id } }")


async def test_the_fan_out_attack_is_refused_by_default(
    tmp_path: Path, supergraph_sdl: str
) -> None:
    every = {"FEDRA_DEMAND_CONTROL__ACTUAL_COST_SAMPLE_RATE": "1"}  # measure every response
    async with router_stack(tmp_path, supergraph_sdl, every, signed_in=True) as (client, app):
        admin = app.state.test_keys.user(1, admin=True)
        response = await client.post("/graphql", json={"query": ATTACK}, headers=GRAPHQL_RESPONSE)
        assert response.status_code == 400
        body = response.json()
        assert "data" not in body
        [error] = body["errors"]
        assert error["extensions"]["code"] == "COST_ESTIMATED_TOO_EXPENSIVE"
        assert error["message"] == (
            "Operation estimated cost 424020 exceeds the maximum allowed cost 50000"
        )
        small = await client.post(
            "/graphql",
            json={"query": "{ users(first: 2) { edges { node { name orders { id } } } } }"},
            headers=admin,
        )
        assert small.status_code == 200
        assert "errors" not in small.json()
        metrics = (await client.get("/metrics")).text
        assert _sample(metrics, "fedra_operation_cost_rejected_total") == 1
        assert _sample(metrics, "fedra_operation_cost_estimated_count") == 2
        assert _sample(metrics, "fedra_operation_cost_actual_count") == 1
        # the actual cost counts the lists as they came back
        users = small.json()["data"]["users"]["edges"]
        orders = sum(len(edge["node"]["orders"]) for edge in users)
        assert _sample(metrics, "fedra_operation_cost_actual_sum") == 1 + 2 * 2 + orders
        assert _sample(metrics, "fedra_operation_cost_estimated_sum") == 424_020 + 1 + 2 * (2 + 10)


async def test_variables_drive_the_estimate_per_request(
    tmp_path: Path, supergraph_sdl: str
) -> None:
    query = "query($n: Int!) { users(first: $n) { edges { node { orders(first: $n) { id } } } } }"
    async with router_stack(
        tmp_path, supergraph_sdl, {"FEDRA_DEMAND_CONTROL__MAX": "500"}, signed_in=True
    ) as (client, app):
        admin = app.state.test_keys.user(1, admin=True)
        cheap = await client.post(
            "/graphql", json={"query": query, "variables": {"n": 5}}, headers=admin
        )
        assert "errors" not in cheap.json()
        dear = await client.post(
            "/graphql", json={"query": query, "variables": {"n": 50}}, headers=admin
        )
        [error] = dear.json()["errors"]
        assert error["extensions"]["code"] == "COST_ESTIMATED_TOO_EXPENSIVE"
        assert "estimated cost 2601 exceeds the maximum allowed cost 500" in error["message"]


async def test_measure_mode_records_but_lets_it_run(tmp_path: Path, supergraph_sdl: str) -> None:
    settings = {"FEDRA_DEMAND_CONTROL__MODE": "measure", "FEDRA_DEMAND_CONTROL__MAX": "5"}
    async with router_stack(tmp_path, supergraph_sdl, settings) as (client, _app):
        response = await client.post(
            "/graphql", json={"query": "{ users(first: 3) { edges { node { id } } } }"}
        )
        assert "errors" not in response.json()
        metrics = (await client.get("/metrics")).text
        assert _sample(metrics, "fedra_operation_cost_estimated_sum") == 7
        assert _sample(metrics, "fedra_operation_cost_rejected_total") == 0


async def test_disabled_demand_control_runs_anything(tmp_path: Path, supergraph_sdl: str) -> None:
    settings = {"FEDRA_DEMAND_CONTROL__ENABLED": "false", "FEDRA_DEMAND_CONTROL__MAX": "1"}
    async with router_stack(tmp_path, supergraph_sdl, settings) as (client, _app):
        response = await client.post(
            "/graphql", json={"query": "{ users(first: 3) { edges { node { id } } } }"}
        )
        assert "errors" not in response.json()
        assert "fedra_operation_cost" not in (await client.get("/metrics")).text


def _sample(exposition: str, name: str) -> float:
    match = re.search(rf"^{re.escape(name)} (\S+)$", exposition, re.MULTILINE)
    assert match is not None, f"{name} not in /metrics"
    return float(match.group(1))


def test_a_statically_too_expensive_operation_is_never_planned(supergraph_sdl: str) -> None:
    from router.gateway import Gateway, GatewayOptions

    supergraph = read_supergraph(supergraph_sdl)
    config = DemandControlConfig()

    def guard(sg: object) -> CostGuard:
        return CostGuard(sg, config, None)  # type: ignore[arg-type]

    gateway = Gateway(supergraph, GatewayOptions(operation_guard=guard))
    refused = gateway.prepare(ATTACK, None)
    assert refused.plan is None
    assert refused.static_cost == 424_020
    cheap = gateway.prepare("{ users(first: 2) { edges { node { id } } } }", None)
    assert cheap.plan is not None
    with_variables = gateway.prepare(
        "query($n: Int!) { users(first: $n) { edges { node { id } } } }", None
    )
    assert with_variables.plan is not None  # its cost is known per request only
