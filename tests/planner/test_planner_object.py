"""The Planner object: built once per supergraph, safe to use from many threads at once."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from graphql import DocumentNode, parse

from router.gateway import Gateway, GatewayOptions, GraphQLRequest
from router.planner import Planner, plan_operation, print_plan
from router.planner.plan import QueryPlan
from router.supergraph import Supergraph, TypeKind, read_supergraph, read_supergraph_file

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ROOT / "schema" / "supergraph.graphql"
PROGRESSIVE = ROOT / "tests" / "conformance" / "fixtures" / "progressive-override"
OPERATIONS = [
    "{ users(first: 3) { edges { node { name orders(first: 2) { id items { product { name "
    "description shippingEstimate { amount } } } } } } } }",
    '{ product(id: "1") { name price { amount } } }',
    "{ topProducts(first: 3) { id name stock } }",
]


def test_a_supergraph_has_one_planner_and_one_graph_per_relevant_label_set() -> None:
    supergraph = read_supergraph_file(str(PROJECT))
    planner = supergraph.query_planner
    assert supergraph.query_planner is planner
    assert planner.query_graph() is planner.query_graph()
    # labels the supergraph does not use never split the graph cache
    assert planner.query_graph(frozenset({"not-used"})) is planner.query_graph()


def test_gateways_of_one_supergraph_share_its_planner() -> None:
    supergraph = read_supergraph_file(str(PROJECT))
    gateway = Gateway(supergraph, GatewayOptions())
    assert gateway.planner is supergraph.query_planner


def test_planning_from_many_threads_gives_the_plans_of_one_thread() -> None:
    sequential = read_supergraph_file(str(PROJECT))
    expected = [print_plan(plan_operation(sequential, parse(op))) for op in OPERATIONS]
    shared = read_supergraph_file(str(PROJECT))  # a fresh planner: graphs built under load
    start = threading.Barrier(8)

    def plan(index: int) -> str:
        start.wait()
        operation = OPERATIONS[index % len(OPERATIONS)]
        return print_plan(shared.query_planner.plan(parse(operation)))

    with ThreadPoolExecutor(8) as pool:
        printed = list(pool.map(plan, range(48)))
    assert printed == [expected[i % len(OPERATIONS)] for i in range(48)]


def test_possible_types_index_matches_a_scan() -> None:
    supergraph = read_supergraph_file(str(PROJECT))
    for named in supergraph.types.values():
        if named.kind is not TypeKind.INTERFACE:
            continue
        scanned = [
            t.name
            for t in supergraph.types.values()
            if t.kind is TypeKind.OBJECT and named.name in t.interfaces
        ]
        assert supergraph.possible_types(named.name) == scanned


def test_a_planner_refuses_another_supergraph() -> None:
    one = read_supergraph_file(str(PROJECT))
    other = read_supergraph_file(str(PROJECT))
    planner = Planner(one)
    try:
        planner(other, parse("{ __typename }"), None)
    except ValueError as error:
        assert "another supergraph" in str(error)
    else:
        raise AssertionError("planned for another supergraph")


async def test_concurrent_misses_of_one_operation_plan_once() -> None:
    supergraph = read_supergraph_file(str(PROJECT))
    calls = 0

    def counting_planner(
        supergraph: Supergraph,
        document: DocumentNode,
        operation_name: str | None,
        *,
        override_labels: frozenset[str] = frozenset(),
    ) -> QueryPlan:
        nonlocal calls
        calls += 1
        time.sleep(0.2)
        return plan_operation(supergraph, document, operation_name, override_labels=override_labels)

    gateway = Gateway(
        supergraph,
        GatewayOptions(url_overrides={"products": "http://127.0.0.1:9/graphql"}),
        planner=counting_planner,
    )
    request = GraphQLRequest(query='{ product(id: "1") { name } }')
    try:
        answers = await asyncio.gather(*(gateway.execute(request) for _ in range(20)))
        assert calls == 1
        assert all(answer["data"] == {"product": None} for answer in answers)
        # a waiter cancelled while planning does not cancel the planning others wait for
        other = GraphQLRequest(query='{ product(id: "2") { name } }')
        first = asyncio.ensure_future(gateway.execute(other))
        second = asyncio.ensure_future(gateway.execute(other))
        await asyncio.sleep(0.05)
        first.cancel()
        assert (await second)["data"] == {"product": None}
        assert calls == 2
        await gateway.execute(other)
        assert calls == 2  # cached
    finally:
        await gateway.aclose()


def test_progressive_override_labels_get_their_own_graph() -> None:
    supergraph = read_supergraph((PROGRESSIVE / "supergraph.graphql").read_text())
    planner = supergraph.query_planner
    used = planner.override_labels_used
    assert used
    label = next(iter(used))
    assert planner.query_graph(frozenset({label})) is not planner.query_graph()
